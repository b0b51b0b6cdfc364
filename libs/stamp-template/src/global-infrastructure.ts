// The global cluster's infrastructure (the stamps' components and external-dns), and the
// gateway's edge: its certificate and Ingress.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { GLOBAL_COMPONENTS, infrastructureProblems, InternalError, type FleetSpec } from '@stampyard/stamp-spec';
import { TlsCertificate } from './constructs/certificates.ts';
import { Infrastructure } from './constructs/infrastructure.ts';
import { InfrastructureConfig } from './constructs/infrastructure-config.ts';
import { objectLabels } from './private/labels.ts';
import { objectsOf, validateChart } from './private/clean.ts';
import type { ApiObjectJson } from './types.ts';

/** The global cluster's name, as `instance` label and Prometheus' `cluster` label. */
export const GLOBAL_CLUSTER_NAME = 'global';

/** The global cluster's objects beside the gateway: its Flux layers, and the gateway's edge. */
export interface GlobalInfrastructureManifests {
  /** Namespaces, Helm sources and HelmReleases: the stamps' components and external-dns. */
  readonly infrastructure: readonly ApiObjectJson[];
  /** The ClusterIssuer (and, for a CA issuer, the store and the CA's key pair). */
  readonly 'infrastructure-config': readonly ApiObjectJson[];
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

/** Renders the global cluster's infrastructure and the gateway's edge. Pure: same input, same output. */
export function synthesizeGlobalInfrastructure(fleet: FleetSpec, props: GlobalInfrastructureProps = {}): GlobalInfrastructureManifests {
  const problems = infrastructureProblems(fleet);
  if (problems.length > 0 || !fleet.issuer) {
    throw new InternalError(`the global cluster: ${problems.map((p) => `spec.${p.path.join('.')}: ${p.message}`).join('; ')}; validate the fleet before synthesis`);
  }
  const namespace = props.gatewayNamespace ?? 'stampyard-gateway';
  const service = props.gatewayService ?? { name: 'gateway', port: 80 };
  const app = new App();
  const chart = new Chart(app, GLOBAL_CLUSTER_NAME, { disableResourceNameHashes: true });
  const infrastructure = new Infrastructure(chart, 'infrastructure', {
    cluster: GLOBAL_CLUSTER_NAME,
    components: GLOBAL_COMPONENTS.filter((c) => !fleet.prerequisites.includes(c)),
    charts: fleet.charts ?? {},
    domain: fleet.domain,
    ...(fleet.dns ? { dns: fleet.dns } : {}),
    // The global cluster reads a store only for a CA issuer's key pair, from the zone the fleet names.
    ...(fleet.issuer.type === 'ca' && fleet.secretStores?.[fleet.issuer.globalZone] ? { secretStore: fleet.secretStores[fleet.issuer.globalZone]! } : {}),
  });
  const labels = objectLabels({ component: 'infrastructure-config', instance: GLOBAL_CLUSTER_NAME });
  const config = new InfrastructureConfig(chart, 'infrastructure-config', {
    issuer: fleet.issuer,
    domain: fleet.domain,
    ...(fleet.dns ? { dns: fleet.dns } : {}),
    ...(fleet.issuer.type === 'ca' ? { zone: fleet.issuer.globalZone, store: fleet.secretStores![fleet.issuer.globalZone]! } : {}),
    labels,
  });

  // The gateway's edge: the apex and every tenant host.
  const hosts = [fleet.domain, `*.${fleet.domain}`];
  const edgeLabels = objectLabels({ component: 'gateway', instance: namespace });
  const edge = new Chart(app, 'edge', { namespace, disableResourceNameHashes: true });
  const certificate = new TlsCertificate(edge, 'certificate', { name: 'gateway-tls', secretName: 'gateway-tls', dnsNames: hosts, labels: edgeLabels, namespace });
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
