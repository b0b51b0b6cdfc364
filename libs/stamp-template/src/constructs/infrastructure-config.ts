// What the controllers of the infrastructure layer need before anything can use them: the
// ClusterIssuer and the zone's ClusterSecretStore.
import { Construct } from 'constructs';
import type { DnsProvider, IssuerConfig, SecretStoreConfig } from '@stampyard/stamp-spec';
import { CUSTOM_KINDS, customResource } from '../private/custom-resources.ts';
import { CLUSTER_ISSUER_NAME } from './certificates.ts';
import { secretStoreName } from './credentials.ts';
import { COMPONENT_PROVIDES } from './infrastructure.ts';

/** The Secret, in cert-manager's namespace, holding a CA issuer's key pair (synced from the store). */
export const CA_SECRET_NAME = 'stampyard-ca';
/** The Secret cert-manager keeps the ACME account key in (cert-manager creates it). */
export const ACME_ACCOUNT_SECRET_NAME = 'stampyard-acme-account';

export interface InfrastructureConfigProps {
  /** The fleet's issuer. */
  readonly issuer: IssuerConfig;
  /** The fleet's domain, the DNS-01 zone. */
  readonly domain: string;
  /**
   * DNS provider solving ACME DNS-01 challenges.
   * @default - none (a CA issuer needs none)
   */
  readonly dns?: DnsProvider;
  /**
   * The residency zone whose store this cluster reads.
   * @default - none: the cluster reads no store
   */
  readonly zone?: string;
  /**
   * That zone's store.
   * @default - none
   */
  readonly store?: SecretStoreConfig;
  /**
   * A label whose presence lets a namespace read the store (a stamp's namespace carries `stampyard.dev/stamp`);
   * cert-manager's namespace may read it too for a CA issuer.
   * @default - none: no namespace but cert-manager's
   */
  readonly readerLabel?: string;
  /** Labels of every object. */
  readonly labels: Readonly<Record<string, string>>;
}

function dns01Solver(dns: DnsProvider, domain: string): object {
  return dns.provider === 'azure'
    ? {
        azureDNS: {
          subscriptionID: dns.subscriptionID,
          resourceGroupName: dns.resourceGroupName,
          hostedZoneName: domain,
          environment: 'AzurePublicCloud',
          managedIdentity: { clientID: dns.clientID },
        },
      }
    : { route53: { region: dns.region, hostedZoneID: dns.hostedZoneID } };
}

function storeProvider(store: Exclude<SecretStoreConfig, { provider: 'generated' }>): object {
  const externalSecrets = COMPONENT_PROVIDES['external-secrets'].namespace;
  return store.provider === 'vault'
    ? {
        vault: {
          server: store.server,
          path: store.path,
          version: 'v2',
          auth: { kubernetes: { mountPath: store.authMountPath, role: store.role } },
        },
      }
    : {
        azurekv: {
          authType: 'WorkloadIdentity',
          vaultUrl: store.vaultUrl,
          tenantId: store.tenantID,
          serviceAccountRef: { name: 'external-secrets', namespace: externalSecrets },
        },
      };
}

/** The ClusterIssuer `stampyard`, the zone's ClusterSecretStore, and a CA issuer's key pair. */
export class InfrastructureConfig extends Construct {
  constructor(scope: Construct, id: string, props: InfrastructureConfigProps) {
    super(scope, id);
    const { issuer, store, zone, labels } = props;
    const readable = store && zone !== undefined && store.provider !== 'generated' ? { store, zone } : undefined;
    if (readable) {
      customResource(
        this,
        'secret-store',
        CUSTOM_KINDS.clusterSecretStore,
        { name: secretStoreName(readable.zone), labels },
        {
          provider: storeProvider(readable.store),
          // Only the stamp's namespace (and cert-manager's, for a CA) may read it.
          conditions: [
            ...(props.readerLabel ? [{ namespaceSelector: { matchExpressions: [{ key: props.readerLabel, operator: 'Exists' }] } }] : []),
            ...(issuer.type === 'ca' ? [{ namespaces: [COMPONENT_PROVIDES['cert-manager'].namespace] }] : []),
          ],
        },
      );
    }
    if (issuer.type === 'acme') {
      customResource(
        this,
        'issuer',
        CUSTOM_KINDS.clusterIssuer,
        { name: CLUSTER_ISSUER_NAME, labels },
        {
          acme: {
            server: issuer.server,
            email: issuer.email,
            privateKeySecretRef: { name: ACME_ACCOUNT_SECRET_NAME },
            solvers: props.dns ? [{ dns01: dns01Solver(props.dns, props.domain) }] : [],
          },
        },
      );
    } else {
      // infrastructureProblems() guarantees a CA issuer a readable store in every cluster.
      if (readable) {
        customResource(
          this,
          'ca-secret',
          CUSTOM_KINDS.externalSecret,
          { name: CA_SECRET_NAME, namespace: COMPONENT_PROVIDES['cert-manager'].namespace, labels },
          {
            refreshInterval: '1h',
            secretStoreRef: { kind: 'ClusterSecretStore', name: secretStoreName(readable.zone) },
            target: { name: CA_SECRET_NAME, creationPolicy: 'Owner', deletionPolicy: 'Retain', template: { type: 'kubernetes.io/tls' } },
            data: ['tls.crt', 'tls.key'].map((key) => ({ secretKey: key, remoteRef: { key: issuer.secretKey, property: key } })),
          },
        );
      }
      customResource(
        this,
        'issuer',
        CUSTOM_KINDS.clusterIssuer,
        { name: CLUSTER_ISSUER_NAME, labels },
        { ca: { secretName: CA_SECRET_NAME } },
      );
    }
  }
}
