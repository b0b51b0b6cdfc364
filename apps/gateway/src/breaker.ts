// A per-stamp circuit breaker as a pure state machine: time comes in as a parameter.

export type BreakerState =
  | { readonly kind: 'closed'; readonly failures: number }
  | { readonly kind: 'open'; readonly untilMs: number }
  | { readonly kind: 'half-open'; readonly probeInFlight: boolean };

export interface BreakerPolicy {
  /** Consecutive failures (unreachable, timeout) that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker stays open before one half-open probe is let through. */
  readonly cooldownMs: number;
}

export const CLOSED: BreakerState = { kind: 'closed', failures: 0 };

/** Whether a request may go to the stamp now, and the state after letting it (or not). */
export function breakerAdmit(state: BreakerState, nowMs: number): { readonly allowed: boolean; readonly next: BreakerState } {
  switch (state.kind) {
    case 'closed':
      return { allowed: true, next: state };
    case 'open':
      if (nowMs < state.untilMs) return { allowed: false, next: state };
      return { allowed: true, next: { kind: 'half-open', probeInFlight: true } };
    case 'half-open':
      if (state.probeInFlight) return { allowed: false, next: state };
      return { allowed: true, next: { kind: 'half-open', probeInFlight: true } };
  }
}

/** The state after a request that was admitted finished, successfully or not. */
export function breakerRecord(state: BreakerState, success: boolean, nowMs: number, policy: BreakerPolicy): BreakerState {
  if (success) {
    // A request admitted before the breaker opened may succeed late: the breaker
    // still waits out its cool-down and closes only through a half-open probe.
    if (state.kind === 'open') return state;
    return state.kind === 'closed' && state.failures === 0 ? state : CLOSED;
  }
  switch (state.kind) {
    case 'closed': {
      const failures = state.failures + 1;
      return failures >= policy.failureThreshold ? { kind: 'open', untilMs: nowMs + policy.cooldownMs } : { kind: 'closed', failures };
    }
    case 'half-open':
      return { kind: 'open', untilMs: nowMs + policy.cooldownMs };
    case 'open':
      // A request admitted before the breaker opened failed late: stay open.
      return state;
  }
}

/** The breaker state as a number for the metric: 0 closed, 1 half-open, 2 open. */
export function breakerGaugeValue(state: BreakerState): number {
  return state.kind === 'closed' ? 0 : state.kind === 'half-open' ? 1 : 2;
}
