// The infrastructure layer of a cluster: Flux HelmRepository (or OCIRepository) and HelmRelease
// for each component the fleet doesn't list as a prerequisite, with values typed here.
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { ChartPin, DnsProvider, InfrastructureComponent, SecretStoreConfig } from '@stampyard/stamp-spec';
import { CUSTOM_KINDS, customResource } from '../private/custom-resources.ts';
import { objectLabels } from '../private/labels.ts';

/** Namespace of Flux and of the HelmRepositories and HelmReleases. */
export const FLUX_NAMESPACE = 'flux-system';

/** What a component's chart provides, for references to it: namespace, CRD kinds, classes, service accounts. */
export interface ComponentProvides {
  /** The namespace the component runs in. */
  readonly namespace: string;
  /** Custom resource kinds whose CRDs the chart installs, as `group/Kind`. */
  readonly kinds: readonly string[];
  /** IngressClasses the chart creates. */
  readonly ingressClasses: readonly string[];
  /** ServiceAccounts the chart creates, as `namespace/name` (release name = component). */
  readonly serviceAccounts: readonly string[];
}

/**
 * What each chart provides. Chart contents can't be read at render time, so this map is the
 * declared contract the closure test trusts; keep it beside the values that make it true
 * (the release names, `ingressClassResource`, `crds.enabled`, `installCRDs`).
 */
export const COMPONENT_PROVIDES: Readonly<Record<InfrastructureComponent, ComponentProvides>> = {
  'ingress-nginx': { namespace: 'ingress-nginx', kinds: [], ingressClasses: ['nginx'], serviceAccounts: ['ingress-nginx/ingress-nginx'] },
  'cert-manager': {
    namespace: 'cert-manager',
    kinds: [
      'cert-manager.io/Certificate',
      'cert-manager.io/CertificateRequest',
      'cert-manager.io/Issuer',
      'cert-manager.io/ClusterIssuer',
      'acme.cert-manager.io/Order',
      'acme.cert-manager.io/Challenge',
    ],
    ingressClasses: [],
    serviceAccounts: ['cert-manager/cert-manager'],
  },
  'external-secrets': {
    namespace: 'external-secrets',
    kinds: [
      'external-secrets.io/ExternalSecret',
      'external-secrets.io/ClusterExternalSecret',
      'external-secrets.io/SecretStore',
      'external-secrets.io/ClusterSecretStore',
      'generators.external-secrets.io/Password',
    ],
    ingressClasses: [],
    serviceAccounts: ['external-secrets/external-secrets'],
  },
  prometheus: { namespace: 'monitoring', kinds: [], ingressClasses: [], serviceAccounts: ['monitoring/prometheus-server'] },
  'external-dns': {
    namespace: 'external-dns',
    kinds: ['externaldns.k8s.io/DNSEndpoint'],
    ingressClasses: [],
    serviceAccounts: ['external-dns/external-dns'],
  },
};

/** ingress-nginx chart values Stampyard sets. */
export interface IngressNginxValues {
  readonly controller: {
    readonly replicaCount: number;
    readonly ingressClass: string;
    readonly ingressClassResource: {
      readonly name: string;
      readonly enabled: boolean;
      readonly default: boolean;
      readonly controllerValue: string;
    };
    readonly service: { readonly externalTrafficPolicy: 'Local' | 'Cluster' };
    readonly metrics: { readonly enabled: boolean };
    readonly podAnnotations: Readonly<Record<string, string>>;
  };
}

/** Workload identity of a chart's service account and pods. */
interface IdentityValues {
  readonly serviceAccount?: { readonly annotations?: Readonly<Record<string, string>>; readonly labels?: Readonly<Record<string, string>> };
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** cert-manager chart values Stampyard sets. */
export interface CertManagerValues extends IdentityValues {
  readonly crds: { readonly enabled: boolean; readonly keep: boolean };
  readonly prometheus: { readonly enabled: boolean };
  readonly podAnnotations: Readonly<Record<string, string>>;
}

/** external-secrets chart values Stampyard sets. */
export interface ExternalSecretsValues extends IdentityValues {
  readonly installCRDs: boolean;
}

/** prometheus-community/prometheus chart values Stampyard sets. */
export interface PrometheusValues {
  readonly alertmanager: { readonly enabled: boolean };
  readonly 'prometheus-pushgateway': { readonly enabled: boolean };
  readonly server: { readonly retention: string; readonly global: { readonly external_labels: Readonly<Record<string, string>> } };
}

/** external-dns (kubernetes-sigs) chart values Stampyard sets. */
export interface ExternalDnsValues extends IdentityValues {
  readonly provider: { readonly name: 'azure' | 'aws' };
  readonly sources: readonly string[];
  readonly domainFilters: readonly string[];
  readonly txtOwnerId: string;
  readonly policy: 'sync' | 'upsert-only';
  readonly registry: 'txt';
  readonly env?: readonly { readonly name: string; readonly value: string }[];
  readonly extraArgs?: readonly string[];
  readonly extraVolumes?: readonly object[];
  readonly extraVolumeMounts?: readonly object[];
}

/** The ConfigMap holding external-dns' azure.json: no secret in it, the workload identity signs in. */
export const EXTERNAL_DNS_AZURE_CONFIG = 'external-dns-azure';

const AZURE_WI_LABEL = { 'azure.workload.identity/use': 'true' } as const;

/** Workload identity for Azure (client ID) or AWS (IRSA role), the same shape for every chart. */
function identity(
  provider: { readonly provider: 'azure'; readonly clientID: string } | { readonly provider: 'aws'; readonly roleArn: string },
): IdentityValues {
  return provider.provider === 'azure'
    ? {
        serviceAccount: { annotations: { 'azure.workload.identity/client-id': provider.clientID }, labels: AZURE_WI_LABEL },
        podLabels: AZURE_WI_LABEL,
      }
    : { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': provider.roleArn } } };
}

export interface InfrastructureProps {
  /** The cluster (or the zone's clusters), the `app.kubernetes.io/instance` label of every object, e.g. `global` or `zone-eu`. */
  readonly cluster: string;
  /** Components to install, in order; prerequisites already left out. */
  readonly components: readonly InfrastructureComponent[];
  /** Chart pin of each component to install. */
  readonly charts: Readonly<Partial<Record<InfrastructureComponent, ChartPin>>>;
  /** The fleet's domain: external-dns manages only it, and owns its records as `stampyard-<domain>`. */
  readonly domain: string;
  /**
   * DNS provider: external-dns writes there, cert-manager solves DNS-01 there.
   * @default - none (only valid when neither needs it)
   */
  readonly dns?: DnsProvider;
  /**
   * The cluster's secret store: external-secrets signs in with its workload identity.
   * @default - none
   */
  readonly secretStore?: SecretStoreConfig;
  /**
   * Prometheus' external labels, naming the cluster its series come from.
   * @default { cluster: <cluster> }
   */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /**
   * How often Flux reconciles the releases.
   * @default '1h'
   */
  readonly interval?: string;
}

/** The HelmRelease name of every component: its chart's release name. */
export function helmReleaseName(component: InfrastructureComponent): string {
  return component;
}

/** Namespaces, Helm sources and HelmReleases of a cluster's infrastructure. */
export class Infrastructure extends Construct {
  /** The HelmReleases, by component: the infrastructure layer's health checks. */
  readonly releases: readonly { readonly component: InfrastructureComponent; readonly name: string; readonly namespace: string }[];

  constructor(scope: Construct, id: string, props: InfrastructureProps) {
    super(scope, id);
    const interval = props.interval ?? '1h';
    const releases: { component: InfrastructureComponent; name: string; namespace: string }[] = [];
    for (const component of props.components) {
      const pin = props.charts[component];
      if (!pin) continue; // infrastructureProblems() reports it before rendering
      const labels = objectLabels({ component, instance: props.cluster, componentVersion: pin.version });
      const namespace = COMPONENT_PROVIDES[component].namespace;
      new kplus.Namespace(this, `${component}-namespace`, { metadata: { name: namespace, labels } });
      const name = helmReleaseName(component);
      let chart: object;
      if (pin.digest) {
        customResource(
          this,
          `${component}-source`,
          CUSTOM_KINDS.ociRepository,
          { name, namespace: FLUX_NAMESPACE, labels },
          {
            interval,
            url: `${pin.repository.replace(/\/$/, '')}/${pin.chart}`,
            ref: { digest: pin.digest },
            layerSelector: { mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', operation: 'copy' },
          },
        );
        chart = { chartRef: { kind: 'OCIRepository', name, namespace: FLUX_NAMESPACE } };
      } else {
        customResource(
          this,
          `${component}-source`,
          CUSTOM_KINDS.helmRepository,
          { name, namespace: FLUX_NAMESPACE, labels },
          {
            interval,
            url: pin.repository,
            ...(pin.repository.startsWith('oci://') ? { type: 'oci' } : {}),
          },
        );
        chart = { chart: { spec: { chart: pin.chart, version: pin.version, sourceRef: { kind: 'HelmRepository', name }, interval } } };
      }
      if (component === 'external-dns' && props.dns?.provider === 'azure') {
        const dns = props.dns;
        new kplus.ConfigMap(this, 'external-dns-azure-config', {
          metadata: { name: EXTERNAL_DNS_AZURE_CONFIG, namespace, labels },
          data: {
            'azure.json': `${JSON.stringify({ tenantId: dns.tenantID, subscriptionId: dns.subscriptionID, resourceGroup: dns.resourceGroupName, useWorkloadIdentityExtension: true }, null, 2)}\n`,
          },
        });
      }
      customResource(
        this,
        `${component}-release`,
        CUSTOM_KINDS.helmRelease,
        { name, namespace: FLUX_NAMESPACE, labels },
        {
          interval,
          releaseName: name,
          targetNamespace: namespace,
          ...chart,
          install: { crds: 'CreateReplace', remediation: { retries: 3 } },
          upgrade: { crds: 'CreateReplace', remediation: { retries: 3, remediateLastFailure: true } },
          values: this.values(component, props),
        },
      );
      releases.push({ component, name, namespace: FLUX_NAMESPACE });
    }
    this.releases = releases;
  }

  private values(component: InfrastructureComponent, props: InfrastructureProps): object {
    const scrape = (port: number) => ({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port) });
    switch (component) {
      case 'ingress-nginx':
        return {
          controller: {
            replicaCount: 2,
            ingressClass: 'nginx',
            ingressClassResource: { name: 'nginx', enabled: true, default: false, controllerValue: 'k8s.io/ingress-nginx' },
            service: { externalTrafficPolicy: 'Local' },
            metrics: { enabled: true },
            podAnnotations: scrape(10254),
          },
        } satisfies IngressNginxValues;
      case 'cert-manager':
        return {
          crds: { enabled: true, keep: true },
          prometheus: { enabled: true },
          podAnnotations: scrape(9402),
          ...(props.dns ? identity(props.dns) : {}),
        } satisfies CertManagerValues;
      case 'external-secrets':
        return {
          installCRDs: true,
          ...(props.secretStore?.provider === 'azure-key-vault'
            ? identity({ provider: 'azure', clientID: props.secretStore.clientID })
            : {}),
        } satisfies ExternalSecretsValues;
      case 'prometheus':
        return {
          alertmanager: { enabled: false },
          'prometheus-pushgateway': { enabled: false },
          server: { retention: '15d', global: { external_labels: { ...(props.externalLabels ?? { cluster: props.cluster }) } } },
        } satisfies PrometheusValues;
      case 'external-dns': {
        const dns = props.dns;
        const common = {
          sources: ['crd'],
          domainFilters: [props.domain],
          txtOwnerId: `stampyard-${props.domain}`,
          policy: 'sync',
          registry: 'txt',
        } as const;
        if (dns?.provider === 'aws') {
          return {
            ...common,
            ...identity(dns),
            provider: { name: 'aws' },
            env: [{ name: 'AWS_DEFAULT_REGION', value: dns.region }],
            extraArgs: [`--zone-id-filter=${dns.hostedZoneID}`],
          } satisfies ExternalDnsValues;
        }
        return {
          ...common,
          ...(dns ? identity(dns) : {}),
          provider: { name: 'azure' },
          extraVolumes: [{ name: 'azure-config', configMap: { name: EXTERNAL_DNS_AZURE_CONFIG } }],
          extraVolumeMounts: [{ name: 'azure-config', mountPath: '/etc/kubernetes', readOnly: true }],
        } satisfies ExternalDnsValues;
      }
    }
  }
}
