// The gateway's Prometheus metrics, on a registry of its own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Requests by stamp ('' when none was chosen) and status code. */
  readonly requests: Counter<'stamp' | 'status'>;
  readonly latency: Histogram<'stamp'>;
  /** 1 for the revision in use, labelled by revision. */
  readonly tableRevision: Gauge<'revision'>;
  readonly tenants: Gauge;
  readonly reloads: Counter<'result'>;
  /** 0 closed, 1 half-open, 2 open. */
  readonly breakerState: Gauge<'stamp'>;
  readonly inFlight: Gauge<'stamp'>;
  readonly tokenStampMismatches: Counter;
  /** 421 answers by the stamp that gave them: each one means this gateway's table was stale. */
  readonly misdirected: Counter<'stamp'>;
  /** Requests refused before reaching a stamp to protect it or its other tenants, by reason; `tenant` bounded (see boundedLabel). */
  readonly refusals: Counter<'stamp' | 'tenant' | 'reason'>;
  /** Client time limits that cut an exchange, by limit. */
  readonly clientTimeouts: Counter<'limit'>;
  /** Stamp answers the gateway could not pass on, by kind. */
  readonly upstreamAnomalies: Counter<'stamp' | 'kind'>;
  /** Per-tenant back-offs started. */
  readonly tenantBackoffs: Counter<'stamp'>;
}

/** Label used for every tenant beyond the first `max` that were counted. */
export const OTHER_TENANTS = '_other';

/**
 * Keeps a label's cardinality bounded: the first `max` distinct values keep their own
 * series (a Prometheus counter can't be taken back), every later one is `_other`.
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return OTHER_TENANTS;
    seen.add(value);
    return value;
  };
}

/** @param inFlight - read at scrape time, so the hot path only bumps a plain counter */
export function createMetrics(inFlight: () => Iterable<readonly [stamp: string, count: number]> = () => []): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stampyard_gateway_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'stampyard_gateway_requests_total',
      help: 'Requests answered, by stamp and HTTP status.',
      labelNames: ['stamp', 'status'],
      registers,
    }),
    latency: new Histogram({
      name: 'stampyard_gateway_request_duration_seconds',
      help: 'Time from request to response headers, by stamp.',
      labelNames: ['stamp'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    tableRevision: new Gauge({
      name: 'stampyard_gateway_table_revision',
      help: 'The routing table revision in use (value 1).',
      labelNames: ['revision'],
      registers,
    }),
    tenants: new Gauge({ name: 'stampyard_gateway_table_tenants', help: 'Tenants in the routing table in use.', registers }),
    reloads: new Counter({
      name: 'stampyard_gateway_table_reloads_total',
      help: 'Table loads by result: loaded, rejected, unchanged.',
      labelNames: ['result'],
      registers,
    }),
    breakerState: new Gauge({
      name: 'stampyard_gateway_breaker_state',
      help: 'Circuit breaker per stamp: 0 closed, 1 half-open, 2 open.',
      labelNames: ['stamp'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'stampyard_gateway_in_flight_requests',
      help: 'Requests in flight to each stamp (its bulkhead use).',
      labelNames: ['stamp'],
      registers,
      collect() {
        this.reset();
        for (const [stamp, count] of inFlight()) this.set({ stamp }, count);
      },
    }),
    misdirected: new Counter({
      name: 'stampyard_gateway_misdirected_total',
      help: 'Requests a stamp refused with 421 (not on its tenant list, or an older epoch): the gateway re-read its table. By the refusing stamp.',
      labelNames: ['stamp'],
      registers,
    }),
    tokenStampMismatches: new Counter({
      name: 'stampyard_gateway_token_stamp_mismatch_total',
      help: 'Tokens whose stamp claim disagreed with the routing table (the table won).',
      registers,
    }),
    refusals: new Counter({
      name: 'stampyard_gateway_refusals_total',
      help: 'Requests refused to protect a stamp or its other tenants: tenant-busy, client-busy, stamp-busy, tenant-backoff, circuit-open. Tenants beyond --metrics-max-tenants are "_other".',
      labelNames: ['stamp', 'tenant', 'reason'],
      registers,
    }),
    clientTimeouts: new Counter({
      name: 'stampyard_gateway_client_timeouts_total',
      help: 'Exchanges cut by a client time limit: request-body, request, client-write.',
      labelNames: ['limit'],
      registers,
    }),
    upstreamAnomalies: new Counter({
      name: 'stampyard_gateway_upstream_anomalies_total',
      help: 'Stamp answers that could not be passed on (invalid header, body where none is allowed, broken framing).',
      labelNames: ['stamp', 'kind'],
      registers,
    }),
    tenantBackoffs: new Counter({
      name: 'stampyard_gateway_tenant_backoffs_total',
      help: 'Per-tenant back-offs started, by stamp.',
      labelNames: ['stamp'],
      registers,
    }),
  };
}
