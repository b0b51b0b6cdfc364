// fleet.yaml's cluster infrastructure: chart pins, prerequisites, DNS, the certificate issuer and
// the secret store of each residency zone. Everything a fresh stamp cluster needs to converge
// from Flux alone. Kept apart from schema.ts so the fleet schema stays readable.
import { z } from 'zod';

/** The infrastructure components Stampyard can install with Flux, in install order. */
export const INFRASTRUCTURE_COMPONENTS = ['ingress-nginx', 'cert-manager', 'external-secrets', 'prometheus', 'external-dns'] as const;
export type InfrastructureComponent = (typeof INFRASTRUCTURE_COMPONENTS)[number];

/** The components a stamp cluster runs; the global cluster runs these and external-dns. */
export const STAMP_COMPONENTS: readonly InfrastructureComponent[] = ['ingress-nginx', 'cert-manager', 'external-secrets', 'prometheus'];
export const GLOBAL_COMPONENTS: readonly InfrastructureComponent[] = INFRASTRUCTURE_COMPONENTS;

const SHA256 = /^sha256:[a-f0-9]{64}$/;

export const chartPinSchema = z
  .strictObject({
    repository: z
      .string()
      .regex(/^(https:\/\/|oci:\/\/)\S+$/, {
        message: 'must be an https:// Helm repository or an oci:// registry, e.g. https://charts.jetstack.io',
      })
      .describe('Helm repository URL (https://) or OCI registry path without the chart name (oci://).'),
    chart: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a chart name such as cert-manager' })
      .describe('Chart name in the repository.'),
    version: z
      .string()
      .regex(/^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/, {
        message: 'must be an exact chart version such as 1.21.1 or v1.21.1, never a range',
      })
      .describe('Exact chart version.'),
    digest: z
      .string()
      .regex(SHA256, { message: 'must be sha256: followed by 64 hex digits' })
      .optional()
      .describe(
        'Digest of the chart artifact; needs an oci:// repository. When given, Flux pulls the chart by digest. @default - pinned by version only',
      ),
  })
  .refine((pin) => pin.digest === undefined || pin.repository.startsWith('oci://'), {
    message:
      'a chart digest needs an oci:// repository (Helm HTTP repositories serve no digests); remove the digest or use the OCI registry of the chart',
    path: ['digest'],
  })
  .describe('A pinned Helm chart.');
export type ChartPin = z.output<typeof chartPinSchema>;

export const chartPinsSchema = z
  .strictObject(
    Object.fromEntries(INFRASTRUCTURE_COMPONENTS.map((c) => [c, chartPinSchema.optional()])) as Record<
      InfrastructureComponent,
      z.ZodOptional<typeof chartPinSchema>
    >,
  )
  .describe('The chart of each infrastructure component. Every component a cluster runs needs one, unless spec.prerequisites lists it.');

const dnsLabelish = z.string().min(1);
const uuid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
  message: 'must be a GUID such as 00000000-0000-0000-0000-000000000000',
});

export const dnsProviderSchema = z
  .discriminatedUnion('provider', [
    z.strictObject({
      provider: z.literal('azure'),
      subscriptionID: uuid.describe('Subscription of the Azure DNS zone.'),
      tenantID: uuid.describe('Entra tenant of the workload identity.'),
      resourceGroupName: dnsLabelish.describe('Resource group of the DNS zone.'),
      clientID: uuid.describe('Client ID of the workload identity allowed to change the zone (DNS Zone Contributor).'),
    }),
    z.strictObject({
      provider: z.literal('aws'),
      region: dnsLabelish.describe('AWS region of the Route 53 API calls, e.g. us-east-1.'),
      hostedZoneID: z
        .string()
        .regex(/^Z[A-Z0-9]+$/, { message: 'must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ' })
        .describe('Hosted zone of the domain.'),
      roleArn: z
        .string()
        .regex(/^arn:aws[-a-z]*:iam::[0-9]{12}:role\/\S+$/, { message: 'must be an IAM role ARN' })
        .describe('IAM role (IRSA) allowed to change the zone.'),
    }),
  ])
  .describe(
    'The DNS provider of the domain: external-dns publishes tenant records there and ACME DNS-01 challenges are solved there. Credentials come from workload identity, never from git.',
  );
export type DnsProvider = z.output<typeof dnsProviderSchema>;

export const issuerSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('acme'),
      server: z
        .url({ protocol: /^https$/ })
        .default('https://acme-v02.api.letsencrypt.org/directory')
        .describe("ACME directory. @default Let's Encrypt production"),
      email: z.email().describe('Account e-mail for expiry notices.'),
    }),
    z.strictObject({
      type: z.literal('ca'),
      secretKey: z
        .string()
        .min(1)
        .default('issuer-ca')
        .describe("Key, in each cluster's secret store, of the CA's tls.crt and tls.key (a private fleet's own CA). @default issuer-ca"),
      globalZone: dnsLabelish.describe('Residency zone whose secret store the global cluster reads the CA from.'),
    }),
  ])
  .describe(
    'The cert-manager ClusterIssuer every cluster gets: ACME (solving DNS-01 through spec.dns, so wildcard tenant hosts work) or a CA for private fleets.',
  );
export type IssuerConfig = z.output<typeof issuerSchema>;

const pathPrefix = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: 'must be lowercase path segments such as stamps or prod/stamps',
  })
  .default('stamps')
  .describe("Prefix of every stamp's credentials: <prefix>/<stamp>/<credential>. @default stamps");

export const secretStoreSchema = z
  .discriminatedUnion('provider', [
    z.strictObject({
      provider: z.literal('vault'),
      server: z.url({ protocol: /^https$/ }).describe('Vault address, e.g. https://vault.eu.example.com.'),
      path: z.string().min(1).default('secret').describe('KV v2 mount. @default secret'),
      role: z.string().min(1).describe("Vault role of the Kubernetes auth method bound to external-secrets' service account."),
      authMountPath: z.string().min(1).default('kubernetes').describe('Mount path of the Kubernetes auth method. @default kubernetes'),
      pathPrefix,
    }),
    z.strictObject({
      provider: z.literal('azure-key-vault'),
      vaultUrl: z.url({ protocol: /^https$/ }).describe('Key Vault URL, e.g. https://contoso-eu.vault.azure.net.'),
      tenantID: uuid.describe('Entra tenant of the workload identity.'),
      clientID: uuid.describe('Client ID of the workload identity external-secrets uses (Key Vault Secrets User).'),
      pathPrefix,
    }),
    z.strictObject({
      provider: z.literal('generated'),
      passwordLength: z.int().min(16).max(128).default(32).describe('Length of generated passwords. @default 32'),
    }),
  ])
  .describe(
    "Where a zone's stamps read their credentials: a secret store (vault or azure-key-vault), or `generated` to create them inside each cluster with external-secrets' Password generator.",
  );
export type SecretStoreConfig = z.output<typeof secretStoreSchema>;

/** The infrastructure fields of `fleet.spec`, merged into the fleet spec schema. */
export const infrastructureFields = {
  prerequisites: z
    .array(z.enum(INFRASTRUCTURE_COMPONENTS))
    .default([])
    .refine((list) => new Set(list).size === list.length, { message: 'must list each component once' })
    .describe("Components every cluster already runs; Stampyard doesn't install them, and each cluster's README lists them. @default []"),
  charts: chartPinsSchema.optional().describe('Chart pins of the infrastructure components. @default - none: synth asks for them'),
  dns: dnsProviderSchema.optional(),
  issuer: issuerSchema.optional(),
  secretStores: z
    .record(dnsLabelish, secretStoreSchema)
    .optional()
    .describe("The secret store of each residency zone, by zone name. A stamp only ever reads from its own zone's store."),
};

interface InfrastructureSpec {
  readonly prerequisites: readonly InfrastructureComponent[];
  readonly charts?: Partial<Record<InfrastructureComponent, ChartPin>> | undefined;
  readonly dns?: DnsProvider | undefined;
  readonly issuer?: IssuerConfig | undefined;
  readonly secretStores?: Readonly<Record<string, SecretStoreConfig>> | undefined;
  readonly regions: Readonly<Record<string, { readonly zone: string }>>;
}

/** A problem of the infrastructure configuration: the field path below `spec` and its message. */
export interface InfrastructureProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Everything a fleet must say before its clusters can converge from Flux alone: a chart for each
 * component not in `prerequisites`, an issuer, a secret store for every zone, and a DNS provider
 * when external-dns is installed or the issuer is ACME. Pure; empty when complete. Synth reports
 * these; parsing alone doesn't, so fleets that never render (e.g. report fixtures) stay valid.
 */
export function infrastructureProblems(spec: InfrastructureSpec): InfrastructureProblem[] {
  const problems: InfrastructureProblem[] = [];
  const installed = INFRASTRUCTURE_COMPONENTS.filter((c) => !spec.prerequisites.includes(c));
  for (const component of installed) {
    if (!spec.charts?.[component]) {
      problems.push({
        path: ['charts', component],
        message: `no chart pinned for ${component}; pin one (repository, chart, version), or list ${component} in spec.prerequisites if every cluster already runs it`,
      });
    }
  }
  if (!spec.issuer)
    problems.push({
      path: ['issuer'],
      message: 'no certificate issuer; add `issuer: { type: acme, email: … }` or `issuer: { type: ca, globalZone: … }`',
    });
  const zones = [...new Set(Object.values(spec.regions).map((r) => r.zone))].sort();
  for (const zone of zones) {
    if (!spec.secretStores?.[zone]) {
      problems.push({
        path: ['secretStores'],
        message: `zone ${zone} has no secret store; add secretStores.${zone} (provider vault, azure-key-vault or generated)`,
      });
    }
  }
  if (spec.issuer?.type === 'ca') {
    if (!zones.includes(spec.issuer.globalZone)) {
      problems.push({
        path: ['issuer', 'globalZone'],
        message: `'${spec.issuer.globalZone}' is not a zone of the region catalog; use one of ${zones.join(', ')}`,
      });
    }
    for (const zone of zones) {
      if (spec.secretStores?.[zone]?.provider === 'generated') {
        problems.push({
          path: ['secretStores', zone],
          message: `a CA issuer reads the CA from each zone's store, but zone ${zone} generates its credentials; give it a vault or azure-key-vault store, or use an ACME issuer`,
        });
      }
    }
  }
  const needsDns = installed.includes('external-dns') || spec.issuer?.type === 'acme';
  if (needsDns && !spec.dns) {
    problems.push({
      path: ['dns'],
      message:
        'no DNS provider: external-dns and ACME DNS-01 challenges need one; add `dns: { provider: azure, … }` or `dns: { provider: aws, … }`',
    });
  }
  return problems;
}
