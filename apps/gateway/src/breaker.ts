// A per-stamp circuit breaker as a pure state machine: time comes in as a parameter.
//
// The breaker measures the stamp, not one tenant or one client (in the manner of Envoy's
// outlier detection). It opens on either:
// - consecutive connect failures (refused, DNS, connect timeout): a client can't cause those,
//   because no request of theirs has reached the stamp yet; or
// - a failure rate over a sliding window, with a minimum volume, where the failures came from
//   several tenants and several client addresses. One tenant's hanging path, or one client
//   naming many tenants, never satisfies both.
// Requests refused before reaching the stamp (back-off, fair share, bulkhead) are never recorded.

/** What happened to one admitted request. */
export type Outcome =
  | { readonly kind: 'success' }
  /** No connection to the stamp at all: refused, unresolvable, connect timeout. */
  | { readonly kind: 'connect-failure' }
  /** Connected, then no answer in time or the connection broke: may be one path's fault. */
  | { readonly kind: 'failure'; readonly tenant: string; readonly client: string };

export const SUCCESS: Outcome = { kind: 'success' };

/** One slice of the sliding window. Failing tenants and clients are kept only up to the policy's minimums. */
export interface WindowBucket {
  readonly startMs: number;
  readonly requests: number;
  readonly failures: number;
  readonly tenants: readonly string[];
  readonly clients: readonly string[];
}

export type BreakerState =
  | { readonly kind: 'closed'; readonly connectFailures: number; readonly window: readonly WindowBucket[] }
  | { readonly kind: 'open'; readonly untilMs: number }
  | { readonly kind: 'half-open'; readonly probeInFlight: boolean };

export interface BreakerPolicy {
  /** Consecutive connect failures that open the breaker. */
  readonly connectFailures: number;
  /** Length of the sliding window. */
  readonly windowMs: number;
  /** Buckets the window is cut into (its resolution). @default 10 */
  readonly buckets?: number;
  /** Requests in the window below which the rate is not judged. */
  readonly minRequests: number;
  /** Failure rate, 0–100, at or above which the breaker opens. */
  readonly failureRatePercent: number;
  /** Distinct tenants among the window's failures needed to open. */
  readonly minTenants: number;
  /** Distinct client addresses among the window's failures needed to open. */
  readonly minClients: number;
  /** How long the breaker stays open before one half-open probe is let through. */
  readonly cooldownMs: number;
}

export const CLOSED: BreakerState = { kind: 'closed', connectFailures: 0, window: [] };

/** Whether a request may go to the stamp now, and the state after letting it (or not). */
export function breakerAdmit(state: BreakerState, nowMs: number): { readonly allowed: boolean; readonly next: BreakerState } {
  switch (state.kind) {
    case 'closed':
      return { allowed: true, next: state };
    case 'open':
      if (nowMs < state.untilMs) return { allowed: false, next: state };
      return { allowed: true, next: { kind: 'half-open', probeInFlight: true } };
    case 'half-open':
      // No probe in flight: the last one ended without a verdict (the client left); send another.
      if (state.probeInFlight) return { allowed: false, next: state };
      return { allowed: true, next: { kind: 'half-open', probeInFlight: true } };
  }
}

/** Adds `value` to `list` unless it is there or the list already holds `cap` entries. */
function addCapped(list: readonly string[], value: string, cap: number): readonly string[] {
  return list.length >= cap || list.includes(value) ? list : [...list, value];
}

/** The window after one outcome: buckets older than the window dropped, the current one counted. */
export function windowRecord(
  window: readonly WindowBucket[],
  outcome: Outcome,
  nowMs: number,
  policy: BreakerPolicy,
): readonly WindowBucket[] {
  const width = Math.max(1, Math.floor(policy.windowMs / (policy.buckets ?? 10)));
  const startMs = nowMs - (nowMs % width);
  const oldest = startMs - policy.windowMs + width;
  const kept = window[0] !== undefined && window[0].startMs < oldest ? window.filter((b) => b.startMs >= oldest) : window;
  const last = kept.at(-1);
  const current: WindowBucket =
    last !== undefined && last.startMs === startMs ? last : { startMs, requests: 0, failures: 0, tenants: [], clients: [] };
  const failed = outcome.kind === 'failure';
  const next: WindowBucket = {
    startMs,
    requests: current.requests + 1,
    failures: current.failures + (failed ? 1 : 0),
    tenants: failed ? addCapped(current.tenants, outcome.tenant, policy.minTenants) : current.tenants,
    clients: failed ? addCapped(current.clients, outcome.client, policy.minClients) : current.clients,
  };
  return current === last ? [...kept.slice(0, -1), next] : [...kept, next];
}

/** Whether the window's failures are stamp-level: enough volume, rate and spread. */
export function windowTrips(window: readonly WindowBucket[], policy: BreakerPolicy): boolean {
  let requests = 0;
  let failures = 0;
  const tenants = new Set<string>();
  const clients = new Set<string>();
  for (const bucket of window) {
    requests += bucket.requests;
    failures += bucket.failures;
    for (const t of bucket.tenants) tenants.add(t);
    for (const c of bucket.clients) clients.add(c);
  }
  return (
    requests >= policy.minRequests &&
    failures * 100 >= policy.failureRatePercent * requests &&
    tenants.size >= policy.minTenants &&
    clients.size >= policy.minClients
  );
}

/** The state after a request that was admitted finished. */
export function breakerRecord(state: BreakerState, outcome: Outcome, nowMs: number, policy: BreakerPolicy): BreakerState {
  const open: BreakerState = { kind: 'open', untilMs: nowMs + policy.cooldownMs };
  switch (state.kind) {
    case 'open':
      // A request admitted before the breaker opened ended late: the breaker still waits
      // out its cool-down and closes only through a half-open probe.
      return state;
    case 'half-open':
      return outcome.kind === 'success' ? CLOSED : open;
    case 'closed': {
      const connectFailures = outcome.kind === 'connect-failure' ? state.connectFailures + 1 : 0;
      if (connectFailures >= policy.connectFailures) return open;
      const window = windowRecord(state.window, outcome, nowMs, policy);
      if (outcome.kind === 'failure' && windowTrips(window, policy)) return open;
      return { kind: 'closed', connectFailures, window };
    }
  }
}

/** The state after an admitted request ended without a verdict (the client left first). */
export function breakerAbandon(state: BreakerState): BreakerState {
  return state.kind === 'half-open' && state.probeInFlight ? { kind: 'half-open', probeInFlight: false } : state;
}

/** The breaker state as a number for the metric: 0 closed, 1 half-open, 2 open. */
export function breakerGaugeValue(state: BreakerState): number {
  return state.kind === 'closed' ? 0 : state.kind === 'half-open' ? 1 : 2;
}
