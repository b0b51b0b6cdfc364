// The infrastructure of the clusters: one folder per residency zone, shared by every stamp cluster
// of the zone (Flux post-build variables fill in the stamp), and the global cluster's, with
// external-dns and the gateway's edge (its certificate and Ingress).
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import {
  GLOBAL_COMPONENTS,
  infrastructureProblems,
  InternalError,
  STAMP_COMPONENTS,
  type FleetSpec,
  type InfrastructureComponent,
  type IssuerConfig,
  type SecretStoreConfig,
  type Stamp,
} from '@stampyard/stamp-spec';
import { TlsCertificate } from './constructs/certificates.ts';
import { Infrastructure } from './constructs/infrastructure.ts';
import { InfrastructureConfig } from './constructs/infrastructure-config.ts';
import { objectLabels, STAMP_LABEL } from './private/labels.ts';
import { objectsOf, validateChart } from './private/clean.ts';
import { CLUSTER_VARIABLES, clusterVariable, type ApiObjectJson, type InfrastructureManifests } from './types.ts';

/** The global cluster's name, as `instance` label and Prometheus' `cluster` label. */
export const GLOBAL_CLUSTER_NAME = 'global';

/** The values of `CLUSTER_VARIABLES` for a stamp's cluster: what its Kustomizations substitute into the zone's infrastructure. */
export function stampClusterVariables(stamp: Stamp): Record<string, string> {
  return { [CLUSTER_VARIABLES.stamp]: stamp.metadata.name, [CLUSTER_VARIABLES.region]: stamp.spec.region };
}

/** The `app.kubernetes.io/instance` of a zone's shared infrastructure. */
export function zoneInstance(zone: string): string {
  return `zone-${zone}`;
}

/** The global cluster's objects beside the gateway: its Flux layers, and the gateway's edge. */
export interface GlobalInfrastructureManifests extends InfrastructureManifests {
  /** The gateway's Certificate and Ingress, in the gateway's namespace. */
  readonly edge: readonly ApiObjectJson[];
}

export interface GlobalInfrastructureProps {
  /**
   * The gateway's namespace.
   * @default 'stampyard-gateway'
   */
  readonly gatewayNamespace?: string;
  /**
   * The gateway's Service and port behind the Ingress.
   * @default { name: 'gateway', port: 80 }
   */
  readonly gatewayService?: { readonly name: string; readonly port: number };
  /**
   * IngressClass of the gateway's Ingress.
   * @default 'nginx'
   */
  readonly ingressClassName?: string;
}

function checkedIssuer(fleet: FleetSpec, cluster: string): IssuerConfig {
  const problems = infrastructureProblems(fleet);
  if (problems.length > 0 || !fleet.issuer) {
    throw new InternalError(
      `${cluster}: ${problems.map((p) => `spec.${p.path.join('.')}: ${p.message}`).join('; ')}; validate the fleet before synthesis`,
    );
  }
  return fleet.issuer;
}

/** The two infrastructure layers of one cluster (or zone of clusters), as constructs under `scope`. */
function infrastructureLayers(
  scope: Construct,
  fleet: FleetSpec,
  issuer: IssuerConfig,
  options: {
    readonly instance: string;
    readonly components: readonly InfrastructureComponent[];
    readonly zone?: string;
    readonly store?: SecretStoreConfig;
    readonly readerLabel?: string;
    readonly externalLabels?: Readonly<Record<string, string>>;
  },
): { readonly infrastructure: Construct; readonly config: Construct } {
  const dns = fleet.dns ? { dns: fleet.dns } : {};
  const infrastructure = new Infrastructure(scope, 'infrastructure', {
    cluster: options.instance,
    components: options.components.filter((c) => !fleet.prerequisites.includes(c)),
    charts: fleet.charts ?? {},
    domain: fleet.domain,
    ...dns,
    ...(options.store ? { secretStore: options.store } : {}),
    ...(options.externalLabels ? { externalLabels: options.externalLabels } : {}),
  });
  const config = new InfrastructureConfig(scope, 'infrastructure-config', {
    issuer,
    domain: fleet.domain,
    ...dns,
    ...(options.zone !== undefined && options.store ? { zone: options.zone, store: options.store } : {}),
    ...(options.readerLabel ? { readerLabel: options.readerLabel } : {}),
    labels: objectLabels({ component: 'infrastructure-config', instance: options.instance }),
  });
  return { infrastructure, config };
}

/**
 * The infrastructure every stamp cluster of `zone` applies: ingress-nginx, cert-manager,
 * external-secrets and Prometheus (less the prerequisites), the ClusterIssuer and the zone's
 * ClusterSecretStore. Stamp-specific values are Flux post-build variables (`CLUSTER_VARIABLES`):
 * the stamp's Kustomizations substitute them. Pure: same input, same output.
 */
export function synthesizeZoneInfrastructure(fleet: FleetSpec, zone: string): InfrastructureManifests {
  const issuer = checkedIssuer(fleet, `zone ${zone}`);
  const store = fleet.secretStores?.[zone];
  if (!store) throw new InternalError(`zone ${zone} has no secret store; validate the fleet before synthesis`);
  const stamp = clusterVariable(CLUSTER_VARIABLES.stamp);
  const chart = new Chart(new App(), zoneInstance(zone), { disableResourceNameHashes: true });
  const { infrastructure, config } = infrastructureLayers(chart, fleet, issuer, {
    instance: zoneInstance(zone),
    components: STAMP_COMPONENTS,
    zone,
    store,
    // Only the stamp's own namespace (the one namespace carrying the stamp label) may read the zone's store.
    readerLabel: STAMP_LABEL,
    externalLabels: { cluster: stamp, stamp, region: clusterVariable(CLUSTER_VARIABLES.region), zone },
  });
  validateChart(chart);
  return { infrastructure: objectsOf(infrastructure), 'infrastructure-config': objectsOf(config) };
}

/** Renders the global cluster's infrastructure (with external-dns) and the gateway's edge. Pure: same input, same output. */
export function synthesizeGlobalInfrastructure(fleet: FleetSpec, props: GlobalInfrastructureProps = {}): GlobalInfrastructureManifests {
  const issuer = checkedIssuer(fleet, 'the global cluster');
  const namespace = props.gatewayNamespace ?? 'stampyard-gateway';
  const service = props.gatewayService ?? { name: 'gateway', port: 80 };
  const app = new App();
  const chart = new Chart(app, GLOBAL_CLUSTER_NAME, { disableResourceNameHashes: true });
  // The global cluster reads a store only for a CA issuer's key pair, from the zone the fleet names.
  const caZone = issuer.type === 'ca' ? issuer.globalZone : undefined;
  const caStore = caZone !== undefined ? fleet.secretStores?.[caZone] : undefined;
  const { infrastructure, config } = infrastructureLayers(chart, fleet, issuer, {
    instance: GLOBAL_CLUSTER_NAME,
    components: GLOBAL_COMPONENTS,
    ...(caZone !== undefined && caStore ? { zone: caZone, store: caStore } : {}),
  });

  // The gateway's edge: the apex and every tenant host.
  const hosts = [fleet.domain, `*.${fleet.domain}`];
  const edgeLabels = objectLabels({ component: 'gateway', instance: namespace });
  const edge = new Chart(app, 'edge', { namespace, disableResourceNameHashes: true });
  const certificate = new TlsCertificate(edge, 'certificate', {
    name: 'gateway-tls',
    secretName: 'gateway-tls',
    dnsNames: hosts,
    labels: edgeLabels,
    namespace,
  });
  const backend = { service: { name: service.name, port: { number: service.port } } };
  new kplus.k8s.KubeIngress(edge, 'ingress', {
    metadata: { name: 'gateway', namespace, labels: edgeLabels },
    spec: {
      ingressClassName: props.ingressClassName ?? 'nginx',
      tls: [{ hosts, secretName: certificate.secretName }],
      rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } })),
    },
  });
  validateChart(chart);
  validateChart(edge);
  return { infrastructure: objectsOf(infrastructure), 'infrastructure-config': objectsOf(config), edge: objectsOf(edge) };
}
