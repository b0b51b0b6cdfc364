// The closure check: does a rendered cluster entry converge from Flux alone? Follows the
// entry's Kustomizations to the objects they apply, and checks that everything those objects
// reference exists among them, is created by one of them (a Certificate's Secret), is installed
// by a HelmRelease of the same entry (per the declared COMPONENT_PROVIDES map), or comes from a
// prerequisite the fleet declares. Pure: planned files in, problems out.
import { parseAllDocuments } from 'yaml';
import type { InfrastructureComponent } from '@stampyard/stamp-spec';
import { COMPONENT_PROVIDES, type ComponentProvides } from '@stampyard/stamp-template';

type Json = Record<string, unknown>;

/** One object as applied: its Kustomization's targetNamespace already set. */
export interface AppliedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [key: string]: unknown;
  /** The Kustomization that applies it. */
  readonly via: string;
}

/** What `flux bootstrap` installs before any rendered object: Flux's own namespace and kinds. */
const BOOTSTRAP: ComponentProvides = {
  namespace: 'flux-system',
  kinds: [
    'source.toolkit.fluxcd.io/GitRepository',
    'source.toolkit.fluxcd.io/HelmRepository',
    'source.toolkit.fluxcd.io/OCIRepository',
    'source.toolkit.fluxcd.io/HelmChart',
    'kustomize.toolkit.fluxcd.io/Kustomization',
    'helm.toolkit.fluxcd.io/HelmRelease',
  ],
  ingressClasses: [],
  serviceAccounts: [],
};

/** Namespaces every cluster has. */
const BUILT_IN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Kinds without a namespace among those Stampyard renders. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterIssuer',
  'ClusterSecretStore',
  'IngressClass',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
]);

/** API groups served by Kubernetes itself (no CRD needed). */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'apiextensions.k8s.io',
]);

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
}

function docs(text: string): Json[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Json | null)
    .filter((d): d is Json => d !== null);
}

/** The objects a kustomization folder builds: its `resources`, files and folders in turn. */
function folderObjects(files: ReadonlyMap<string, string>, dir: string, problems: string[], reached?: Set<string>): Json[] {
  const kustomization = files.get(`${dir}/kustomization.yaml`);
  if (kustomization === undefined) {
    problems.push(`${dir}: no kustomization.yaml; Flux would apply every YAML file below it`);
    return [];
  }
  const resources = ((docs(kustomization)[0] ?? {})['resources'] as string[] | undefined) ?? [];
  return resources.flatMap((resource) => {
    const path = `${dir}/${resource}`;
    const text = files.get(path);
    if (text !== undefined) reached?.add(path);
    return text === undefined ? folderObjects(files, path, problems, reached) : docs(text);
  });
}

/** Every object a cluster entry's Kustomizations apply, and the entry's own objects. */
export function appliedObjects(
  files: ReadonlyMap<string, string>,
  cluster: string,
): { objects: AppliedObject[]; problems: string[]; files: ReadonlySet<string> } {
  const problems: string[] = [];
  const reached = new Set<string>();
  const entryDir = `rendered/clusters/${cluster}`;
  const entry = folderObjects(files, entryDir, problems, reached);
  const objects: AppliedObject[] = entry.map((o) => ({ ...(o as unknown as AppliedObject), via: entryDir }));
  for (const k of entry.filter((o) => o['kind'] === 'Kustomization')) {
    const spec = k['spec'] as { path: string; targetNamespace?: string; postBuild?: { substitute?: Record<string, string> } };
    const name = (k['metadata'] as { name: string }).name;
    const substitute = spec.postBuild?.substitute ?? {};
    for (const o of folderObjects(files, spec.path.replace(/^\.\//, ''), problems, reached)) {
      // Flux's post-build substitution: `${NAME}` → the Kustomization's value.
      const text = JSON.stringify(o).replace(/\$\{([_a-zA-Z][_a-zA-Z0-9]*)\}/g, (match, variable: string) => substitute[variable] ?? match);
      if (/\$\{[_a-zA-Z][_a-zA-Z0-9]*\}/.test(text))
        problems.push(
          `${name}: ${String(o['kind'])} ${String((o['metadata'] as Json)['name'])} keeps an unsubstituted variable: ${/\$\{[^}]*\}/.exec(text)![0]}`,
        );
      const object = JSON.parse(text) as AppliedObject;
      const namespace = CLUSTER_SCOPED.has(object.kind) ? undefined : (spec.targetNamespace ?? object.metadata.namespace);
      const { namespace: _ignored, ...metadata } = object.metadata;
      objects.push({ ...object, metadata: { ...metadata, ...(namespace ? { namespace } : {}) }, via: name });
    }
  }
  return { objects, problems, files: reached };
}

/** What the entry provides: objects by `Kind/namespace/name`, and what its charts and prerequisites install. */
interface Provided {
  readonly objects: Set<string>;
  readonly namespaces: Set<string>;
  readonly kinds: Set<string>;
  readonly ingressClasses: Set<string>;
}

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

function provided(objects: readonly AppliedObject[], prerequisites: readonly InfrastructureComponent[]): Provided {
  const p: Provided = { objects: new Set(), namespaces: new Set(BUILT_IN_NAMESPACES), kinds: new Set(), ingressClasses: new Set() };
  const install = (what: ComponentProvides) => {
    p.namespaces.add(what.namespace);
    for (const kind of what.kinds) p.kinds.add(kind);
    for (const c of what.ingressClasses) p.ingressClasses.add(c);
    for (const sa of what.serviceAccounts) p.objects.add(key('ServiceAccount', sa.split('/')[0], sa.split('/')[1]!));
  };
  install(BOOTSTRAP);
  for (const component of prerequisites) install(COMPONENT_PROVIDES[component]);
  for (const o of objects) {
    p.objects.add(key(o.kind, o.metadata.namespace, o.metadata.name));
    const spec = (o['spec'] ?? {}) as Json;
    if (o.kind === 'Namespace') p.namespaces.add(o.metadata.name);
    if (o.kind === 'IngressClass') p.ingressClasses.add(o.metadata.name);
    if (o.kind === 'HelmRelease') {
      // The chart installs what the declared map says; HelmRelease names are the components'.
      const component = o.metadata.name as InfrastructureComponent;
      const what = COMPONENT_PROVIDES[component];
      if (what) install(what);
    }
    // Secrets the controllers write.
    if (o.kind === 'Certificate') p.objects.add(key('Secret', o.metadata.namespace, String(spec['secretName'])));
    if (o.kind === 'ExternalSecret')
      p.objects.add(key('Secret', o.metadata.namespace, String((spec['target'] as Json | undefined)?.['name'] ?? o.metadata.name)));
    if (o.kind === 'ClusterIssuer') {
      const account = ((spec['acme'] as Json | undefined)?.['privateKeySecretRef'] as Json | undefined)?.['name'];
      if (account) p.objects.add(key('Secret', COMPONENT_PROVIDES['cert-manager'].namespace, String(account)));
    }
  }
  return p;
}

/** Walks `value`, calling `visit` on every object node. */
function walk(value: unknown, visit: (node: Json) => void): void {
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (value && typeof value === 'object') {
    visit(value as Json);
    for (const child of Object.values(value)) walk(child, visit);
  }
}

/**
 * Every reference of every applied object that nothing provides, as
 * `cluster: Kind namespace/name (via Kustomization) field: what is missing`. Empty when closed.
 */
export function closureProblems(
  files: ReadonlyMap<string, string>,
  cluster: string,
  prerequisites: readonly InfrastructureComponent[],
): string[] {
  const { objects, problems: folderProblems } = appliedObjects(files, cluster);
  const p = provided(objects, prerequisites);
  const problems = folderProblems.map((m) => `${cluster}: ${m}`);
  for (const o of objects) {
    const ns = o.metadata.namespace;
    const where = `${cluster}: ${o.kind} ${ns ? `${ns}/` : ''}${o.metadata.name} (via ${o.via})`;
    const need = (ok: boolean, field: string, what: string) => {
      if (!ok) problems.push(`${where} ${field}: ${what}`);
    };
    const has = (kind: string, namespace: string | undefined, name: string) => p.objects.has(key(kind, namespace, name));
    const group = groupOf(o.apiVersion);
    if (!BUILT_IN_GROUPS.has(group))
      need(
        p.kinds.has(`${group}/${o.kind}`),
        'kind',
        `no CRD for ${group}/${o.kind} is installed by a HelmRelease of this entry or a prerequisite`,
      );
    if (!CLUSTER_SCOPED.has(o.kind))
      need(
        ns !== undefined && p.namespaces.has(ns),
        'metadata.namespace',
        `namespace ${ns ?? '(none)'} is created by nothing in this entry`,
      );
    const spec = (o['spec'] ?? {}) as Json;

    // Pods: service accounts, secrets and config maps (env, envFrom, volumes), in the object's namespace.
    walk(spec, (node) => {
      const secretKeyRef = node['secretKeyRef'] as Json | undefined;
      if (secretKeyRef)
        need(
          has('Secret', ns, String(secretKeyRef['name'])),
          'secretKeyRef',
          `Secret ${ns}/${String(secretKeyRef['name'])} does not exist`,
        );
      const configMapKeyRef = node['configMapKeyRef'] as Json | undefined;
      if (configMapKeyRef)
        need(
          has('ConfigMap', ns, String(configMapKeyRef['name'])),
          'configMapKeyRef',
          `ConfigMap ${ns}/${String(configMapKeyRef['name'])} does not exist`,
        );
      if (typeof node['serviceAccountName'] === 'string')
        need(
          has('ServiceAccount', ns, node['serviceAccountName']),
          'serviceAccountName',
          `ServiceAccount ${ns}/${node['serviceAccountName']} does not exist`,
        );
      const secretVolume = node['secret'] as Json | undefined;
      if (secretVolume && typeof secretVolume['secretName'] === 'string')
        need(has('Secret', ns, secretVolume['secretName']), 'volumes.secret', `Secret ${ns}/${secretVolume['secretName']} does not exist`);
      const configMapVolume = node['configMap'] as Json | undefined;
      if (configMapVolume && typeof configMapVolume['name'] === 'string' && o.kind !== 'HelmRelease') {
        need(
          has('ConfigMap', ns, configMapVolume['name']),
          'volumes.configMap',
          `ConfigMap ${ns}/${configMapVolume['name']} does not exist`,
        );
      }
      const namespaceSelector = (node['namespaceSelector'] as Json | undefined)?.['matchLabels'] as Json | undefined;
      const peer = namespaceSelector?.['kubernetes.io/metadata.name'];
      if (typeof peer === 'string')
        need(p.namespaces.has(peer), 'namespaceSelector', `namespace ${peer} is created by nothing in this entry`);
    });

    switch (o.kind) {
      case 'Ingress': {
        const className = spec['ingressClassName'];
        if (typeof className === 'string')
          need(p.ingressClasses.has(className), 'spec.ingressClassName', `IngressClass ${className} is installed by nothing in this entry`);
        for (const tls of (spec['tls'] as Json[] | undefined) ?? [])
          need(
            has('Secret', ns, String(tls['secretName'])),
            'spec.tls.secretName',
            `Secret ${ns}/${String(tls['secretName'])} is issued by nothing in this entry`,
          );
        walk(spec['rules'], (node) => {
          const service = node['service'] as Json | undefined;
          if (service && typeof service['name'] === 'string')
            need(has('Service', ns, service['name']), 'backend.service', `Service ${ns}/${service['name']} does not exist`);
        });
        break;
      }
      case 'StatefulSet':
        if (typeof spec['serviceName'] === 'string')
          need(has('Service', ns, spec['serviceName']), 'spec.serviceName', `Service ${ns}/${spec['serviceName']} does not exist`);
        break;
      case 'HorizontalPodAutoscaler': {
        const target = spec['scaleTargetRef'] as Json;
        need(
          has(String(target['kind']), ns, String(target['name'])),
          'spec.scaleTargetRef',
          `${String(target['kind'])} ${ns}/${String(target['name'])} does not exist`,
        );
        break;
      }
      case 'Certificate': {
        const issuer = spec['issuerRef'] as Json;
        need(
          has(String(issuer['kind'] ?? 'Issuer'), issuer['kind'] === 'ClusterIssuer' ? undefined : ns, String(issuer['name'])),
          'spec.issuerRef',
          `${String(issuer['kind'])} ${String(issuer['name'])} does not exist`,
        );
        break;
      }
      case 'ClusterIssuer': {
        const ca = (spec['ca'] as Json | undefined)?.['secretName'];
        if (typeof ca === 'string')
          need(
            has('Secret', COMPONENT_PROVIDES['cert-manager'].namespace, ca),
            'spec.ca.secretName',
            `Secret cert-manager/${ca} is synced by nothing in this entry`,
          );
        break;
      }
      case 'ExternalSecret': {
        const store = spec['secretStoreRef'] as Json | undefined;
        if (store)
          need(
            has(String(store['kind']), store['kind'] === 'ClusterSecretStore' ? undefined : ns, String(store['name'])),
            'spec.secretStoreRef',
            `${String(store['kind'])} ${String(store['name'])} does not exist`,
          );
        walk(spec['dataFrom'], (node) => {
          const generator = node['generatorRef'] as Json | undefined;
          if (generator)
            need(
              has(String(generator['kind']), ns, String(generator['name'])),
              'generatorRef',
              `${String(generator['kind'])} ${ns}/${String(generator['name'])} does not exist`,
            );
        });
        break;
      }
      case 'ClusterSecretStore':
        walk(spec['provider'], (node) => {
          const sa = node['serviceAccountRef'] as Json | undefined;
          if (sa)
            need(
              has('ServiceAccount', String(sa['namespace']), String(sa['name'])),
              'serviceAccountRef',
              `ServiceAccount ${String(sa['namespace'])}/${String(sa['name'])} is created by nothing in this entry`,
            );
        });
        break;
      case 'HelmRelease': {
        const source = ((spec['chart'] as Json | undefined)?.['spec'] as Json | undefined)?.['sourceRef'] as Json | undefined;
        const chartRef = spec['chartRef'] as Json | undefined;
        const ref = source ?? chartRef;
        need(
          ref !== undefined && has(String(ref['kind']), String(ref['namespace'] ?? ns), String(ref['name'])),
          'spec.chart',
          `chart source ${String(ref?.['kind'])} ${String(ref?.['name'])} does not exist`,
        );
        const target = spec['targetNamespace'];
        if (typeof target === 'string')
          need(p.namespaces.has(target), 'spec.targetNamespace', `namespace ${target} is created by nothing in this entry`);
        walk(spec['values'], (node) => {
          const configMap = node['configMap'] as Json | undefined;
          if (configMap && typeof configMap['name'] === 'string' && typeof target === 'string') {
            need(has('ConfigMap', target, configMap['name']), 'spec.values', `ConfigMap ${target}/${configMap['name']} does not exist`);
          }
        });
        break;
      }
      case 'Kustomization': {
        const source = spec['sourceRef'] as Json;
        need(
          has(String(source['kind']), ns, String(source['name'])),
          'spec.sourceRef',
          `${String(source['kind'])} ${String(source['name'])} does not exist`,
        );
        for (const dep of (spec['dependsOn'] as Json[] | undefined) ?? [])
          need(has('Kustomization', ns, String(dep['name'])), 'spec.dependsOn', `Kustomization ${String(dep['name'])} does not exist`);
        for (const check of (spec['healthChecks'] as Json[] | undefined) ?? []) {
          need(
            has(String(check['kind']), String(check['namespace'] ?? ns), String(check['name'])),
            'spec.healthChecks',
            `${String(check['kind'])} ${String(check['name'])} does not exist`,
          );
        }
        break;
      }
    }
  }
  return problems;
}
