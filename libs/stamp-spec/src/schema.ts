// The one definition of Stampyard's file formats. The same schemas give the
// TypeScript types, the runtime validation and the committed JSON Schemas.
import { z } from 'zod';
import semver from 'semver';
import { QUANTITY_PATTERN, quantityValue } from './quantity.ts';
import { parseIpv4Cidr } from './cidr.ts';
import { infrastructureFields } from './infrastructure-schema.ts';

export const API_VERSION = 'stampyard.dev/v1alpha1';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Each label at most 63 characters (RFC 1035).
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** The longest DNS name (RFC 1035), without the trailing dot. */
export const MAX_DNS_NAME = 253;
/** The longest tenant id; a tenant is served at `<id>.<domain>`. */
export const MAX_TENANT_ID = 63;
/** The longest fleet domain: `<63-character tenant id>.<domain>` must still be a DNS name. */
export const MAX_DOMAIN = MAX_DNS_NAME - MAX_TENANT_ID - 1;

/** A semantic version, as a JSON Schema pattern (semver.org's, without build metadata's edge cases). */
export const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$';
/** An IPv4 CIDR, as a JSON Schema pattern; the prefix range and host bits are checked by validate. */
export const IPV4_CIDR_PATTERN =
  '^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)/([0-9]|[12]\\d|3[0-2])$';

/**
 * Why `ref` is not a valid Git branch name, following `git check-ref-format
 * --branch`, or undefined when it is one.
 */
export function gitBranchProblem(ref: string): string | undefined {
  if (ref.length === 0) return 'is empty';
  if (ref.length > 255) return 'is longer than 255 characters';
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(ref)) return 'holds a space, a control character or one of ~ ^ : ? * [ \\';
  if (ref.startsWith('-')) return "starts with '-'";
  if (ref === '@') return "is '@'";
  if (ref.includes('..')) return "holds '..'";
  if (ref.includes('@{')) return "holds '@{'";
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return "starts or ends with '/', or holds '//'";
  if (ref.endsWith('.')) return "ends with '.'";
  if (ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')))
    return "has a part starting with '.' or ending with '.lock'";
  return undefined;
}

/** A DNS-1123 label of at most `max` characters. */
export const dnsLabel = (max: number, what: string) =>
  z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .regex(DNS_LABEL, {
      message: `must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit (${what})`,
    });

export const quantity = z
  .string()
  .regex(QUANTITY_PATTERN, { message: "must be a Kubernetes quantity such as '250m', '1', '512Mi' or '10Gi'" });

export const semverString = z
  .string()
  .refine((v) => semver.valid(v) === v, {
    message: 'must be a semantic version such as 1.4.0',
  })
  .meta({ pattern: SEMVER_PATTERN });

const ipv4Cidr = (minPrefix: number, maxPrefix: number) =>
  z
    .string()
    .superRefine((value, ctx) => {
      const range = parseIpv4Cidr(value);
      if (typeof range === 'string') {
        ctx.addIssue({ code: 'custom', message: range });
      } else if (range.prefixLength < minPrefix || range.prefixLength > maxPrefix) {
        ctx.addIssue({ code: 'custom', message: `must be between /${minPrefix} and /${maxPrefix}, e.g. 10.1.0.0/16` });
      }
    })
    .meta({ pattern: IPV4_CIDR_PATTERN });

const requestsAndLimit = z
  .strictObject({
    request: quantity.describe('What the scheduler reserves for each pod.'),
    limit: quantity.describe('The most each pod may use.'),
  })
  .refine((r) => (quantityValue(r.request) ?? 0) <= (quantityValue(r.limit) ?? 0), {
    message: 'request must not exceed limit',
    path: ['request'],
  });

const imageRef = z
  .strictObject({
    repository: z
      .string()
      .regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*$/, { message: 'must be an image repository such as ghcr.io/acme/api' })
      .describe('Image repository, without tag or digest.'),
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: 'must be an image tag such as 1.4.0' })
      .describe('Image tag.'),
    digest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/, { message: 'must be sha256: followed by 64 hex digits' })
      .optional()
      .describe(
        'Content digest. When given, the image is pulled as repository@digest (the tag stays in the version label). @default - pulled by tag',
      ),
  })
  .describe('A container image.');

export const sizeProfileSchema = z
  .strictObject({
    replicas: z.int().min(1).max(100).describe('Replicas of each app service before autoscaling; also the HPA minimum.'),
    autoscaling: z
      .strictObject({
        maxReplicas: z.int().min(1).max(500).describe('Upper bound for the HorizontalPodAutoscalers.'),
        targetCpuUtilizationPercent: z.int().min(10).max(100).default(75).describe('Average CPU utilization the HPAs aim for. @default 75'),
      })
      .describe('Autoscaling bounds of the app services.'),
    cpu: requestsAndLimit.describe('CPU per app container.'),
    memory: requestsAndLimit.describe('Memory per app container.'),
    storage: quantity.describe('PostgreSQL volume size per stamp, e.g. 20Gi.'),
  })
  .refine((s) => s.autoscaling.maxReplicas >= s.replicas, {
    message: 'autoscaling.maxReplicas must be at least replicas',
    path: ['autoscaling', 'maxReplicas'],
  })
  .describe('A size profile: how big each stamp of this size is.');

export const releaseSchema = z
  .strictObject({
    version: semverString.describe('The release version, as stamps name it in spec.version.'),
    upgradeFrom: z
      .string()
      .refine((r) => semver.validRange(r) !== null, { message: 'must be a semver range such as >=1.3.0 <2.0.0' })
      .optional()
      .describe('Versions this release can be upgraded from. @default - any version'),
    images: z
      .strictObject({
        api: imageRef.describe('Image of the api service.'),
        worker: imageRef.describe('Image of the worker service.'),
      })
      .describe('The image of every app service in this release.'),
  })
  .describe('One release of the application.');

const freezeWindowSchema = z
  .strictObject({
    start: z.iso.datetime({ offset: true }).describe('Start of the window, ISO-8601 with offset.'),
    end: z.iso.datetime({ offset: true }).describe('End of the window, ISO-8601 with offset.'),
    reason: z.string().min(1).describe('Why nothing may be promoted.'),
  })
  .refine((w) => Date.parse(w.start) < Date.parse(w.end), { message: 'end must be after start', path: ['end'] });

/** A Prometheus duration such as 15s, 5m or 1h30m. */
export const PROMETHEUS_DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;

export const analysisSchema = z
  .strictObject({
    name: dnsLabel(63, 'analysis name').describe('Names the analysis in every answer, e.g. error-rate.'),
    query: z
      .string()
      .min(1)
      .refine((q) => q.includes('$stamp'), { message: 'must use $stamp, e.g. sum(rate(http_errors_total{stamp="$stamp"}[$window]))' })
      .describe('PromQL giving one number per stamp; `$stamp` becomes the stamp name and `$window` the window.'),
    max: z.number().optional().describe('The stamp fails when the value is above this. @default - no upper bound'),
    min: z.number().optional().describe('The stamp fails when the value is below this. @default - no lower bound'),
    window: z
      .string()
      .regex(PROMETHEUS_DURATION, { message: 'must be a Prometheus duration such as 15s, 5m or 1h' })
      .default('5m')
      .describe('Substituted for `$window`: how far back each query looks. @default 5m'),
  })
  .refine((a) => a.max !== undefined || a.min !== undefined, { message: 'needs a bound: add max, min or both' })
  .refine((a) => a.max === undefined || a.min === undefined || a.min <= a.max, { message: 'min must not be above max', path: ['min'] })
  .describe('An analysis on real metrics: a query run for every promoted stamp, which passes only with data within its bounds.');

export const rolloutPolicySchema = z
  .strictObject({
    bakeMinutes: z
      .strictObject({
        default: z.int().min(0).default(60).describe('Minutes a wave bakes before the next one may start. @default 60'),
        waves: z
          .record(z.string().regex(/^[0-9]+$/, { message: 'must be a wave number' }), z.int().min(0))
          .default({})
          .describe('Bake minutes per wave, overriding the default. @default {}'),
      })
      .default({ default: 60, waves: {} })
      .describe('Bake time per wave.'),
    maxStampsPerStep: z.int().min(1).optional().describe('The most stamps promoted at once within a wave. @default - the whole wave'),
    onFailure: z.enum(['halt', 'rollback']).default('halt').describe('What an unhealthy stamp does to the rollout. @default halt'),
    freezeWindows: z.array(freezeWindowSchema).default([]).describe('Windows during which nothing is promoted. @default []'),
    drift: z
      .strictObject({
        maxVersions: z.int().min(1).default(2).describe('Most distinct versions the fleet may run at once. @default 2'),
        stallMinutes: z.int().min(1).default(1440).describe('A rollout with no progress for longer than this is flagged. @default 1440'),
      })
      .default({ maxVersions: 2, stallMinutes: 1440 })
      .describe('The version-drift policy.'),
    approval: z
      .strictObject({
        waves: z
          .array(z.int().min(0))
          .default([])
          .refine((w) => new Set(w).size === w.length, { message: 'lists a wave twice; list each wave once' })
          .describe('Waves that wait for `stampyard rollout approve --wave <n>` in every rollout. @default []'),
      })
      .default({ waves: [] })
      .describe('Which waves need a person to approve them.'),
    progressDeadlineMinutes: z
      .int()
      .min(1)
      .default(15)
      .describe(
        'Minutes a promoted stamp may converge (not ready, or still on the previous version) before it counts as failed. @default 15',
      ),
    analysis: z
      .array(analysisSchema)
      .default([])
      .superRefine((list, ctx) => {
        const seen = new Map<string, number>();
        list.forEach((a, index) => {
          const first = seen.get(a.name);
          if (first !== undefined)
            ctx.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `'${a.name}' is already the name of analysis[${first}]; give each analysis its own name`,
            });
          else seen.set(a.name, index);
        });
      })
      .describe('Analyses `--health prometheus` runs for every promoted stamp. @default []'),
  })
  .describe('How releases roll across waves.');

/** Central telemetry and the usage lake of one residency zone (`spec.zones.<zone>`). */
export const zoneSchema = z
  .strictObject({
    telemetry: z
      .strictObject({
        endpoint: z
          .string()
          .regex(/^https:\/\/[a-z0-9.-]+(:[0-9]{1,5})?\/?$/, {
            message:
              'must be an https:// OTLP/gRPC endpoint such as https://otel.eu.example.com:4317 (telemetry leaves the cluster, so it goes over TLS)',
          })
          .describe(
            "OTLP endpoint of the zone's central collector, which runs in the zone. Every stamp of the zone exports metrics, logs and traces there.",
          ),
      })
      .optional()
      .describe('Central monitoring of the zone. @default - stamps export only locally'),
    lake: z
      .string()
      .regex(/^(s3|gs|az|abfss|file):\/\/[^\s]+$/, {
        message: 'must be an object-store URL such as s3://acme-usage-eu/lake (or file:///path for a folder)',
      })
      .optional()
      .describe("Where the zone's usage lake lives; stamps of the zone export Parquet there. @default - no usage export"),
  })
  .describe('One residency zone.');

export const fleetSpecSchema = z
  .strictObject({
    domain: z
      .string()
      .max(MAX_DOMAIN, { message: `must be at most ${MAX_DOMAIN} characters, so <tenant id>.<domain> stays within DNS's ${MAX_DNS_NAME}` })
      .regex(DNS_SUBDOMAIN, { message: 'must be a DNS name such as stamps.example.com, each dot-separated label at most 63 characters' })
      .describe('Public domain. A stamp is served at <name>.<domain>, a tenant at <tenant>.<domain>.'),
    regions: z
      .record(
        dnsLabel(40, 'region name'),
        z.strictObject({
          zone: dnsLabel(20, 'residency zone').describe('Data-residency zone of the region, e.g. eu or us.'),
        }),
      )
      .refine((r) => Object.keys(r).length > 0, { message: 'must list at least one region' })
      .describe('The region catalog: each region and its data-residency zone.'),
    network: z
      .strictObject({
        pool: ipv4Cidr(8, 24).optional().describe('Address pool new stamps take their CIDR from. @default 10.0.0.0/8'),
        prefixLength: z.int().min(16).max(24).default(16).describe('Prefix length of new stamps. @default 16'),
      })
      .default({ prefixLength: 16 })
      .describe('How `stampyard stamp new` picks CIDRs.'),
    sizes: z
      .record(dnsLabel(20, 'size name'), sizeProfileSchema)
      .refine((r) => Object.keys(r).length > 0, { message: 'must define at least one size' })
      .describe('Size profiles, e.g. small, medium, large.'),
    defaultSize: z.string().optional().describe('Size of new stamps. @default - the first size listed'),
    releases: z.array(releaseSchema).min(1).describe('The release catalog.'),
    components: z
      .strictObject({
        postgres: imageRef.describe('PostgreSQL image.'),
        redis: imageRef.describe('Redis image.'),
        otelCollector: imageRef.describe('OpenTelemetry collector image.'),
        gateway: imageRef.describe('Image of the global gateway.'),
        usageExporter: imageRef
          .optional()
          .describe('Image of the stampyard CLI that the usage-export CronJob runs. Required when a zone has a lake. @default - none'),
      })
      .describe('Images of the platform components every stamp runs, independent of releases.'),
    source: z
      .strictObject({
        url: z
          .string()
          .regex(/^(https:\/\/|ssh:\/\/)\S+$/, { message: 'must be an https:// or ssh:// Git URL' })
          // A password or token in the URL would be committed and rendered into every cluster's manifests.
          .refine((url) => !/^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(url), {
            message: 'must not hold credentials (user:token@); put them in a Secret and name it in secretRef',
          })
          .describe('Git repository Flux pulls from.'),
        branch: z
          .string()
          .superRefine((ref, ctx) => {
            const problem = gitBranchProblem(ref);
            if (problem) ctx.addIssue({ code: 'custom', message: `must be a Git branch name such as main or release/1.x, but ${problem}` });
          })
          .default('main')
          .describe('Branch Flux follows. @default main'),
        interval: z
          .string()
          .regex(/^([0-9]+(ms|s|m|h))+$/, { message: 'must be a duration such as 1m or 1h30m' })
          .default('1m')
          .describe('How often Flux checks the source. @default 1m'),
        secretRef: z
          .string()
          .max(253)
          .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
            message: 'must be a Kubernetes Secret name such as fleet-git-auth',
          })
          .optional()
          .describe('Secret with Git credentials. @default - none (public repository)'),
      })
      .describe('The Git source Flux pulls from.'),
    rollout: rolloutPolicySchema.default(() => rolloutPolicySchema.parse({})).describe('Rollout policy.'),
    migration: z
      .strictObject({
        maxPhaseMinutes: z
          .int()
          .min(1)
          .default(60)
          .describe('A tenant migration in one phase for longer than this is flagged by status, drift and the report. @default 60'),
        retentionDays: z
          .int()
          .min(0)
          .default(7)
          .describe("Days the source stamp keeps a moved tenant's data after the migration is done, before the cleanup Job. @default 7"),
      })
      .default({ maxPhaseMinutes: 60, retentionDays: 7 })
      .describe('Tenant migration policy.'),
    ...infrastructureFields,
    requireImageDigests: z
      .boolean()
      .default(false)
      .describe('Refuse any image without a digest, instead of warning about it. @default false'),
    zones: z
      .record(dnsLabel(20, 'residency zone'), zoneSchema)
      .default({})
      .describe('Per residency zone: its central telemetry endpoint and its usage lake. Keys are zones of spec.regions. @default {}'),
  })
  .superRefine((spec, ctx) => {
    const seen = new Map<string, number>();
    spec.releases.forEach((release, index) => {
      const first = seen.get(release.version);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['releases', index, 'version'],
          message: `${release.version} is already listed at releases[${first}]; each version appears once`,
        });
      }
      seen.set(release.version, index);
    });
    if (spec.defaultSize !== undefined && !Object.hasOwn(spec.sizes, spec.defaultSize)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultSize'],
        message: `'${spec.defaultSize}' is not a size; use one of ${Object.keys(spec.sizes).join(', ')}`,
      });
    }
  });

export const fleetSchema = z
  .strictObject({
    $schema: z.string().optional(),
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Fleet'),
    metadata: z.strictObject({ name: dnsLabel(40, 'fleet name') }),
    spec: fleetSpecSchema,
  })
  .describe('fleet.yaml: fleet-wide settings.');

export const stampSchema = z
  .strictObject({
    $schema: z.string().optional(),
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Stamp'),
    metadata: z.strictObject({
      name: dnsLabel(40, 'stamp name; it must equal the file name').describe('Stamp name; equals the file name.'),
    }),
    spec: z.strictObject({
      region: z.string().min(1).describe('Region from the fleet catalog.'),
      capacity: z.int().min(1).describe('Tenant capacity units.'),
      wave: z.int().min(0).describe('Rollout wave; 0 is the canary wave.'),
      version: semverString.describe('Release from the fleet catalog.'),
      size: z.string().min(1).describe('Size profile name.'),
      network: z.strictObject({
        cidr: ipv4Cidr(16, 24).describe('IPv4 CIDR of the stamp, /16 to /24, unique in the fleet.'),
      }),
      dedicatedTo: dnsLabel(63, 'tenant id').optional().describe('Tenant this stamp is dedicated to (hard isolation). @default - shared'),
      status: z.enum(['active', 'draining']).default('active').describe('draining stamps take no new tenants. @default active'),
    }),
  })
  .describe('stamps/<name>.yaml: one deployment stamp.');

export const tenantSchema = z.strictObject({
  id: dnsLabel(MAX_TENANT_ID, 'tenant id').describe('Tenant id, unique across all tenant files.'),
  residency: z.string().min(1).describe("Residency zone from the region catalog, or 'any'."),
  weight: z.int().min(1).default(1).describe('Capacity units the tenant uses. @default 1'),
  isolation: z.enum(['shared', 'dedicated']).default('shared').describe('@default shared'),
  status: z.enum(['active', 'suspended']).default('active').describe('@default active'),
  stamp: dnsLabel(40, 'stamp name').optional().describe('Stamp the tenant is bound to. Written by placement; set by hand to pin.'),
  previousStamp: dnsLabel(40, 'stamp name')
    .optional()
    .describe('Stamp the tenant was last moved from. Written by `stampyard tenants move`. @default - none'),
  epoch: z
    .int()
    .min(0)
    .optional()
    .describe(
      'Bumped by each migration cutover; stamps refuse requests carrying an older epoch. Written by `stampyard tenants migration advance`. @default 0',
    ),
});

export const tenantListSchema = z
  .strictObject({
    $schema: z.string().optional(),
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('TenantList'),
    items: z.array(tenantSchema).default([]),
  })
  .describe('tenants/*.yaml: a list of tenants.');

export type FleetFile = z.output<typeof fleetSchema>;
export type FleetSpec = FleetFile['spec'];
export type ZoneSettings = z.output<typeof zoneSchema>;
export type SizeProfile = z.output<typeof sizeProfileSchema>;
export type Release = z.output<typeof releaseSchema>;
export type ImageRef = Release['images']['api'];
export type RolloutPolicy = z.output<typeof rolloutPolicySchema>;
export type FreezeWindow = RolloutPolicy['freezeWindows'][number];
export type Analysis = z.output<typeof analysisSchema>;
export type Stamp = z.output<typeof stampSchema>;
export type StampSpec = Stamp['spec'];
export type Tenant = z.output<typeof tenantSchema>;
export type TenantListFile = z.output<typeof tenantListSchema>;
