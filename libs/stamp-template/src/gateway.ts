// The global gateway's deployment: it reads the routing table from ConfigMaps mounted as one projected volume.
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { imageReference, type FleetSpec } from '@stampyard/stamp-spec';
import type { ApiObjectJson } from './types.ts';
import { objectLabels, RESTRICTED_PSS } from './private/labels.ts';
import { objectsOf, validateChart } from './private/clean.ts';
import {
  allowDns,
  cpuAutoscaler,
  defaultDeny,
  disruptionBudget,
  hardenedWorkload,
  namespacePeer,
  patch,
  serviceFor,
  SURGE_ONE,
} from './private/workloads.ts';

export interface GatewayManifestProps {
  /** ConfigMaps holding the routing table (already sharded by the caller to < 1 MiB each): name → data (file name → text). */
  readonly routingConfigMaps: readonly { readonly name: string; readonly data: Readonly<Record<string, string>> }[];
  /** @default 'stampyard-gateway' */
  readonly namespace?: string;
  /** @default 2 (never fewer than 2) */
  readonly replicas?: number;
  /**
   * Upper bound of the gateway's HorizontalPodAutoscaler (never below `replicas`).
   * @default 10
   */
  readonly maxReplicas?: number;
  /**
   * Namespace of the ingress controller, the gateway's only source of traffic and its way to the stamps.
   * @default 'ingress-nginx'
   */
  readonly ingressNamespace?: string;
  /**
   * Requests and limits of the gateway container.
   * @default - cpu 100m/1, memory 128Mi/512Mi
   */
  readonly resources?: {
    readonly cpu: { readonly request: string; readonly limit: string };
    readonly memory: { readonly request: string; readonly limit: string };
  };
  /**
   * Peers whose X-Forwarded-For names the client (the gateway's `--trust-proxy`). Only the
   * ingress controller's pods may reach the gateway (its NetworkPolicy), so the pod ranges are trusted.
   * @default '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fd00::/8'
   */
  readonly trustedProxyCidrs?: string;
}

/** Where the gateway reads the routing table; Kubernetes swaps all files together under `..data`. */
export const GATEWAY_TABLE_DIR = '/etc/stampyard/routing';
const GATEWAY_PORT = 8080;
/** Probes and metrics: never on the public port. */
const GATEWAY_ADMIN_PORT = 9090;
const GATEWAY_UID = 10001;
const COMPONENT = 'gateway';

/** Renders the gateway's objects, namespace first. Pure: same input, same output. */
export function synthesizeGateway(fleet: FleetSpec, props: GatewayManifestProps): ApiObjectJson[] {
  const namespace = props.namespace ?? 'stampyard-gateway';
  const replicas = Math.max(2, props.replicas ?? 2);
  const maxReplicas = Math.max(replicas, props.maxReplicas ?? 10);
  const version = fleet.components.gateway.tag;
  const labels = objectLabels({ component: COMPONENT, instance: namespace, componentVersion: version });

  const app = new App();
  const chart = new Chart(app, namespace, { namespace, disableResourceNameHashes: true, labels });
  const scope: Construct = chart;

  new kplus.Namespace(scope, 'namespace', { metadata: { name: namespace, labels: { ...RESTRICTED_PSS } } });
  const serviceAccount = new kplus.ServiceAccount(scope, 'sa', { metadata: { name: COMPONENT }, automountToken: false });

  for (const [index, configMap] of props.routingConfigMaps.entries()) {
    new kplus.ConfigMap(scope, `routing-${index}`, { metadata: { name: configMap.name }, data: { ...configMap.data } });
  }

  const { workload: deployment } = hardenedWorkload(
    scope,
    {
      component: COMPONENT,
      instance: namespace,
      labels,
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(GATEWAY_ADMIN_PORT), 'prometheus.io/path': '/metrics' },
      serviceAccount,
      uid: GATEWAY_UID,
      container: {
        image: imageReference(fleet.components.gateway),
        resources: props.resources ?? { cpu: { request: '100m', limit: '1' }, memory: { request: '128Mi', limit: '512Mi' } },
        args: [
          '--table',
          GATEWAY_TABLE_DIR,
          '--port',
          String(GATEWAY_PORT),
          '--admin-port',
          String(GATEWAY_ADMIN_PORT),
          '--host',
          '0.0.0.0',
          '--trust-proxy',
          props.trustedProxyCidrs ?? '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fd00::/8',
        ],
        ports: [
          { name: 'http', number: GATEWAY_PORT },
          { name: 'admin', number: GATEWAY_ADMIN_PORT },
        ],
        readiness: kplus.Probe.fromHttpGet('/readyz', { port: GATEWAY_ADMIN_PORT }),
        liveness: kplus.Probe.fromHttpGet('/healthz', { port: GATEWAY_ADMIN_PORT }),
      },
    },
    // No replicas: the HorizontalPodAutoscaler owns them, with `replicas` as its minimum.
    (podProps) => new kplus.Deployment(scope, 'deployment', { ...podProps, strategy: SURGE_ONE }),
  );
  // One projected volume over every routing ConfigMap (cdk8s-plus has no projected volumes).
  patch(
    deployment,
    JsonPatch.add('/spec/template/spec/volumes/-', {
      name: 'routing',
      projected: { sources: props.routingConfigMaps.map((c) => ({ configMap: { name: c.name } })) },
    }),
    JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'routing', mountPath: GATEWAY_TABLE_DIR, readOnly: true }),
  );

  serviceFor(scope, 'service', {
    name: COMPONENT,
    component: COMPONENT,
    instance: namespace,
    ports: [{ name: 'http', port: 80, targetPort: GATEWAY_PORT }],
  });
  disruptionBudget(scope, 'pdb', { name: COMPONENT, component: COMPONENT, instance: namespace, minAvailable: 1 });
  cpuAutoscaler(scope, 'hpa', { name: COMPONENT, target: deployment, minReplicas: replicas, maxReplicas, cpuPercent: 70 });

  defaultDeny(scope);
  allowDns(scope);
  const policy = new kplus.NetworkPolicy(scope, 'gateway-policy', {
    metadata: { name: 'allow-gateway' },
    selector: kplus.Pods.select(scope, 'gateway-pods', { labels: { 'app.kubernetes.io/name': COMPONENT } }),
  });
  const ingressNamespace = namespacePeer(scope, 'front-door', props.ingressNamespace ?? 'ingress-nginx');
  policy.addIngressRule(ingressNamespace, [kplus.NetworkPolicyPort.tcp(GATEWAY_PORT)]);
  // To the stamps: through the front door, or straight to the api pods of any stamp namespace.
  policy.addEgressRule(ingressNamespace, [kplus.NetworkPolicyPort.tcp(80), kplus.NetworkPolicyPort.tcp(443)]);
  policy.addEgressRule(
    kplus.Pods.select(scope, 'stamp-api-pods', {
      labels: { 'app.kubernetes.io/name': 'api' },
      namespaces: kplus.Namespaces.select(scope, 'stamp-namespaces', { labels: { 'app.kubernetes.io/part-of': 'stampyard' } }),
    }),
    [kplus.NetworkPolicyPort.tcp(8080)],
  );

  // Chart labels don't reach objects cdk8s-plus builds from raw k8s classes; add them everywhere.
  for (const child of chart.node.findAll()) {
    if (child instanceof ApiObject) for (const [key, value] of Object.entries(labels)) child.metadata.addLabel(key, value);
  }
  validateChart(chart);
  return objectsOf(chart);
}
