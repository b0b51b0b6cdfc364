// The ready-made questions, as SQL over the views. Each is one SELECT with bound parameters, so
// `stampyard analytics <question>`, `report --lake` and the benchmark all ask exactly the same thing.

/** A time window over `period_start`; both ends optional. */
export interface Window {
  /** Only periods starting at or after this time. @default - the lake's first period */
  readonly since?: Date;
  /** Only periods starting before this time. @default - the lake's last period */
  readonly until?: Date;
}

export interface Question {
  readonly sql: string;
  readonly parameters: Readonly<Record<string, string | number>>;
}

/** The measures top-tenants and version-errors share, computed the same way in both. */
const MEASURES = `sum(requests)::BIGINT AS requests,
       sum(errors)::BIGINT AS errors,
       round(100 * sum(errors) / nullif(sum(requests), 0), 2)::DOUBLE AS error_percent,
       round(sum(latency_sum_ms) / nullif(sum(latency_count), 0), 2)::DOUBLE AS mean_latency_ms`;

const WINDOW = `period_start >= $since::TIMESTAMPTZ AND period_start < $until::TIMESTAMPTZ`;

function windowParameters(window: Window): Record<string, string> {
  return { since: (window.since ?? new Date(0)).toISOString(), until: (window.until ?? new Date('9999-12-31T00:00:00Z')).toISOString() };
}

export interface TopTenantsOptions extends Window {
  /** How many tenants to list. @default 10 */
  readonly limit?: number;
}

/**
 * Tenants by requests across stamps, with their error rate, mean latency and where they were served.
 * Sums per tenant and stamp first and lists stamps only for the top tenants: a tenant's rows collapse to
 * a few before the expensive string aggregation.
 */
export function topTenants(options: TopTenantsOptions = {}): Question {
  return {
    sql: `WITH per_stamp AS (
  SELECT tenant, stamp, sum(requests) AS requests, sum(errors) AS errors, sum(latency_sum_ms) AS latency_sum_ms, sum(latency_count) AS latency_count
    FROM usage
   WHERE ${WINDOW}
   GROUP BY tenant, stamp
), top AS (
  SELECT tenant,
       ${MEASURES}
    FROM per_stamp
   GROUP BY tenant
   ORDER BY requests DESC, tenant
   LIMIT $limit
)
SELECT top.*, (SELECT string_agg(stamp, ',' ORDER BY stamp) FROM per_stamp p WHERE p.tenant = top.tenant) AS stamps
  FROM top
 ORDER BY requests DESC, tenant`,
    parameters: { ...windowParameters(options), limit: options.limit ?? 10 },
  };
}

export interface NoisyNeighboursOptions extends Window {
  /**
   * Flag a tenant when its share of its stamp's requests is at least this many times its share of the
   * stamp's placement weight.
   * @default 2
   */
  readonly ratio?: number;
  /** Ignore tenants below this share of their stamp's requests (percent), however light their weight. @default 5 */
  readonly minSharePercent?: number;
}

/**
 * Tenants whose share of their stamp's load is far above their placement weight: the input placement needs.
 * Expected share = the tenant's weight / the total weight of the tenants bound to that stamp (tenants/*.yaml);
 * a tenant with traffic but no binding to that stamp counts with its registry weight (1 if unknown).
 */
export function noisyNeighbours(options: NoisyNeighboursOptions = {}): Question {
  return {
    sql: `WITH load AS (
  SELECT stamp, tenant, sum(requests) AS requests FROM usage WHERE ${WINDOW} GROUP BY stamp, tenant
), stamp_load AS (
  SELECT stamp, sum(requests) AS requests FROM load GROUP BY stamp
), weights AS (
  SELECT load.stamp, load.tenant,
         coalesce(bound.weight, registered.weight, 1) AS weight,
         bound.id IS NOT NULL AS bound
    FROM load
    LEFT JOIN tenants bound ON bound.id = load.tenant AND bound.stamp = load.stamp
    LEFT JOIN (SELECT id, any_value(weight) AS weight FROM tenants GROUP BY id) registered ON registered.id = load.tenant
), stamp_weight AS (
  SELECT s.stamp, coalesce((SELECT sum(weight) FROM tenants t WHERE t.stamp = s.stamp), 0)
                  + coalesce((SELECT sum(weight) FROM weights w WHERE w.stamp = s.stamp AND NOT w.bound), 0) AS weight
    FROM stamp_load s
)
SELECT load.stamp, load.tenant,
       load.requests::BIGINT AS requests,
       round(100 * load.requests / nullif(stamp_load.requests, 0), 2)::DOUBLE AS load_percent,
       weights.weight::BIGINT AS weight,
       round(100 * weights.weight / nullif(stamp_weight.weight, 0), 2)::DOUBLE AS weight_percent,
       round((load.requests / nullif(stamp_load.requests, 0)) / (weights.weight / nullif(stamp_weight.weight, 0)), 2)::DOUBLE AS ratio
  FROM load
  JOIN stamp_load USING (stamp)
  JOIN weights USING (stamp, tenant)
  JOIN stamp_weight USING (stamp)
 WHERE 100 * load.requests / nullif(stamp_load.requests, 0) >= $min_share
   AND (load.requests / nullif(stamp_load.requests, 0)) >= $ratio * (weights.weight / nullif(stamp_weight.weight, 0))
 ORDER BY ratio DESC, load.stamp, load.tenant`,
    parameters: { ...windowParameters(options), ratio: options.ratio ?? 2, min_share: options.minSharePercent ?? 5 },
  };
}

/** Error rate and mean latency by release version across stamps: how a rollout's new version compares. */
export function versionErrors(options: Window = {}): Question {
  return {
    sql: `SELECT version,
       count(DISTINCT stamp)::BIGINT AS stamps,
       ${MEASURES},
       string_agg(DISTINCT stamp, ',' ORDER BY stamp) AS stamp_names
  FROM usage
 WHERE ${WINDOW}
 GROUP BY version
 ORDER BY list_transform(string_split(regexp_extract(version, '^[0-9.]+'), '.'), x -> TRY_CAST(x AS BIGINT)), version`,
    parameters: windowParameters(options),
  };
}

/** The ready-made questions by command name. */
export const QUESTIONS = {
  'top-tenants': topTenants,
  'noisy-neighbours': noisyNeighbours,
  'version-errors': versionErrors,
} as const;

export type QuestionName = keyof typeof QUESTIONS;
