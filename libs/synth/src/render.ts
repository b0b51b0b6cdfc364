// Pure rendering: Kubernetes objects in, file paths and bytes out. Same input, same bytes.
import { generatedHeader, stampFilePath, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import type { ApiObject, StampManifests } from './private/contracts.ts';
import { toYamlStream, toYaml } from './private/yaml.ts';
import {
  fluxGitRepository,
  fluxKustomizations,
  helmReleaseHealthChecks,
  INFRASTRUCTURE_TIMEOUT,
  layerTargetNamespace,
  type FluxLayer,
} from './flux.ts';
import {
  clusterRenderedDir,
  DNS_ENDPOINTS_DIR,
  GLOBAL_CLUSTER,
  GLOBAL_INFRASTRUCTURE_DIR,
  GLOBAL_RENDERED_DIR,
  INFRASTRUCTURE_LAYERS,
  STAMP_LAYERS,
  stampRenderedDir,
  zoneInfrastructureDir,
} from './layout.ts';
import type { GlobalInfrastructureManifests, InfrastructureManifests } from './private/contracts.ts';

/** One generated file: path relative to the fleet root, and its content. */
export interface SynthFile {
  readonly path: string;
  readonly content: string;
}

/** The file holding a folder's objects. */
export const MANIFESTS_FILE = 'manifests.yaml';
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/** A kustomize `kustomization.yaml` listing `resources` (files or folders, relative to it). */
export function kustomizationFile(source: string, resources: readonly string[]): string {
  return (
    generatedHeader(source) + toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] })
  );
}

/** A folder of objects: `manifests.yaml` (when there are any) and its `kustomization.yaml`. */
export function objectFolder(dir: string, source: string, objects: readonly ApiObject[]): SynthFile[] {
  const files: SynthFile[] = [];
  if (objects.length > 0) files.push({ path: `${dir}/${MANIFESTS_FILE}`, content: generatedHeader(source) + toYamlStream(objects) });
  files.push({ path: `${dir}/${KUSTOMIZATION_FILE}`, content: kustomizationFile(source, objects.length > 0 ? [MANIFESTS_FILE] : []) });
  return files;
}

/** A cluster's Flux entry point: the GitRepository and the Kustomizations, in order, and a README saying how to bootstrap it. */
export function clusterFolder(fleet: FleetSpec, cluster: string, source: string, layers: readonly FluxLayer[]): SynthFile[] {
  const dir = clusterRenderedDir(cluster);
  return [
    ...objectFolder(dir, source, [fluxGitRepository(fleet), ...fluxKustomizations(layers)]),
    { path: `${dir}/README.md`, content: clusterReadme(fleet, cluster, source, layers) },
  ];
}

/** The cluster's README: the bootstrap command, what Flux applies in which order, and the prerequisites it must already run. */
export function clusterReadme(fleet: FleetSpec, cluster: string, source: string, layers: readonly FluxLayer[]): string {
  const dir = clusterRenderedDir(cluster);
  const prerequisites =
    fleet.prerequisites.length > 0
      ? [
          'Stampyard installs nothing for these components (`spec.prerequisites` in fleet.yaml); the cluster must run them',
          'before bootstrap, in their usual namespaces (the closure test assumes what each provides):',
          '',
          ...fleet.prerequisites.map((p) => `- ${p}`),
        ]
      : ['None: Flux installs every component this cluster needs (`spec.prerequisites` in fleet.yaml is empty).'];
  return [
    generatedHeader(source).trimEnd(),
    '',
    `# Cluster \`${cluster}\``,
    '',
    `Bootstrap: \`flux bootstrap git --url=${fleet.source.url} --branch=${fleet.source.branch} --path=${dir}\``,
    '(or `flux bootstrap github|gitlab …` with the same `--path`).',
    '',
    'Flux then applies, each Kustomization after the one before is ready:',
    '',
    ...layers.map(
      (layer, i) =>
        `${i + 1}. \`${layer.name}\`: \`${layer.path}\`${layer.dependsOn ? ` (after ${layer.dependsOn.map((d) => `\`${d}\``).join(', ')})` : ''}`,
    ),
    '',
    '## Prerequisites',
    '',
    ...prerequisites,
    '',
  ].join('\n');
}

/** The infrastructure folders of a cluster (or of every stamp cluster of a zone): one per layer, and its Kustomizations. */
function infrastructureFolders(
  dir: string,
  source: string,
  infrastructure: InfrastructureManifests,
  kustomizationPrefix: string,
  substitute?: Readonly<Record<string, string>>,
): { files: SynthFile[]; layers: FluxLayer[] } {
  const files: SynthFile[] = [];
  const layers: FluxLayer[] = [];
  for (const layer of INFRASTRUCTURE_LAYERS) {
    files.push(...objectFolder(`${dir}/${layer}`, source, infrastructure[layer]));
    layers.push({
      ...fluxLayer(`${kustomizationPrefix}-${layer}`, `${dir}/${layer}`, layer, infrastructure[layer]),
      ...(substitute ? { substitute } : {}),
    });
  }
  return { files, layers };
}

/** The files of a zone's shared infrastructure: `rendered/infrastructure/zones/<zone>/<layer>/`. */
export function renderZoneInfrastructureFiles(zone: string, source: string, infrastructure: InfrastructureManifests): SynthFile[] {
  return infrastructureFolders(zoneInfrastructureDir(zone), source, infrastructure, zone).files;
}

/**
 * Every file of one stamp: `rendered/stamps/<name>/…` and `rendered/clusters/<name>/…`, whose
 * Kustomizations apply the zone's infrastructure (`infrastructure`, rendered once per zone by
 * `renderZoneInfrastructureFiles`) with the stamp's post-build variables (`variables`), then the stamp's layers.
 */
export function renderStampFiles(
  fleet: FleetSpec,
  stamp: Stamp,
  manifests: StampManifests,
  infrastructure: InfrastructureManifests,
  variables: Readonly<Record<string, string>>,
): SynthFile[] {
  const name = stamp.metadata.name;
  const source = stampFilePath(name);
  const dir = stampRenderedDir(name);
  const zone = fleet.regions[stamp.spec.region]?.zone ?? '';
  const files: SynthFile[] = [];
  const layers: FluxLayer[] = infrastructureFolders(zoneInfrastructureDir(zone), source, infrastructure, name, variables).layers;
  for (const layer of STAMP_LAYERS) {
    const objects = manifests[layer];
    files.push(...objectFolder(`${dir}/${layer}`, source, objects));
    layers.push(fluxLayer(`${name}-${layer}`, `${dir}/${layer}`, layer, objects));
  }
  files.push({ path: `${dir}/${KUSTOMIZATION_FILE}`, content: kustomizationFile(source, STAMP_LAYERS) });
  files.push(...clusterFolder(fleet, name, source, layers));
  return files;
}

/** A layer's Kustomization: the infrastructure layer is ready when its HelmReleases are, the others when all their objects are. */
function fluxLayer(name: string, path: string, layer: string, objects: readonly ApiObject[]): FluxLayer {
  const targetNamespace = layerTargetNamespace(objects);
  const healthChecks = layer === 'infrastructure' ? helmReleaseHealthChecks(objects) : undefined;
  return {
    name,
    path,
    ...(targetNamespace ? { targetNamespace } : {}),
    ...(healthChecks ? { healthChecks, timeout: INFRASTRUCTURE_TIMEOUT } : {}),
  };
}

/**
 * The global cluster: its infrastructure (`rendered/infrastructure/global/<layer>/`), the gateway and its edge
 * (`rendered/global/`), the DNSEndpoints for external-dns (`rendered/routing/dns/endpoints/`,
 * whose files routing renders: `dnsEndpointFiles`, relative to that folder), and the entry point
 * (`rendered/clusters/global/`) chaining infrastructure → infrastructure-config → gateway and dns.
 */
export function renderGlobalFiles(
  fleet: FleetSpec,
  source: string,
  gateway: readonly ApiObject[],
  infrastructure: GlobalInfrastructureManifests,
  dnsEndpointFiles: readonly string[],
): SynthFile[] {
  const { files, layers } = infrastructureFolders(GLOBAL_INFRASTRUCTURE_DIR, source, infrastructure, GLOBAL_CLUSTER);
  const config = layers[layers.length - 1]!.name;
  const objects = [...gateway, ...infrastructure.edge];
  files.push(...objectFolder(GLOBAL_RENDERED_DIR, source, objects));
  const targetNamespace = layerTargetNamespace(objects);
  layers.push({ name: 'global-gateway', path: GLOBAL_RENDERED_DIR, dependsOn: [config], ...(targetNamespace ? { targetNamespace } : {}) });
  // DNSEndpoints need external-dns' CRD (infrastructure) and nothing else; they live in its namespace.
  files.push({ path: `${DNS_ENDPOINTS_DIR}/${KUSTOMIZATION_FILE}`, content: kustomizationFile(source, [...dnsEndpointFiles].sort()) });
  layers.push({ name: 'global-dns', path: DNS_ENDPOINTS_DIR, dependsOn: [layers[0]!.name], targetNamespace: 'external-dns' });
  files.push(...clusterFolder(fleet, GLOBAL_CLUSTER, source, layers));
  return files;
}
