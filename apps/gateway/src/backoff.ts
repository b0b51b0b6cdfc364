// Per-tenant back-off: a tenant whose own requests keep timing out (or breaking) on its stamp
// is refused for a while with 503 and Retry-After, before its failures can look like the
// stamp's. Pure functions over one tenant's entry; the caller keeps the entries in a bounded map.

export interface BackoffPolicy {
  /** Consecutive failures of one tenant's requests that start a back-off. */
  readonly failures: number;
  /** The first back-off; each one that follows without a success in between doubles it. */
  readonly baseMs: number;
  /** The longest back-off. */
  readonly maxMs: number;
}

/** One tenant's record. Absent means no recent failure. */
export interface BackoffEntry {
  /** Consecutive failures since the last success. */
  readonly failures: number;
  /** Back-offs so far in this streak (0 before the first). */
  readonly level: number;
  /** Refused until then (0: not backing off). */
  readonly untilMs: number;
}

export type BackoffVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

const ALLOWED: BackoffVerdict = { allowed: true };

/** Whether the tenant's request may go on now. */
export function backoffAdmit(entry: BackoffEntry | undefined, nowMs: number): BackoffVerdict {
  if (entry === undefined || nowMs >= entry.untilMs) return ALLOWED;
  return { allowed: false, retryAfterMs: entry.untilMs - nowMs };
}

/**
 * The entry after one of the tenant's admitted requests ended: `undefined` after a success
 * (the streak is over, and the map forgets the tenant). A failure during a back-off (a request
 * admitted before it began) doesn't extend it.
 */
export function backoffRecord(
  entry: BackoffEntry | undefined,
  failed: boolean,
  nowMs: number,
  policy: BackoffPolicy,
): BackoffEntry | undefined {
  if (!failed) return undefined;
  const current = entry ?? { failures: 0, level: 0, untilMs: 0 };
  if (nowMs < current.untilMs) return current;
  const failures = current.failures + 1;
  if (failures < policy.failures) return { failures, level: current.level, untilMs: current.untilMs };
  const delayMs = Math.min(policy.maxMs, policy.baseMs * 2 ** current.level);
  // After a back-off, the next failure alone starts the next one.
  return { failures: policy.failures - 1, level: current.level + 1, untilMs: nowMs + delayMs };
}

/** `Retry-After` in whole seconds, rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
