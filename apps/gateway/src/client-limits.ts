// Client-side time limits, decided by a pure function over one exchange's progress.
// One sweeper timer checks every exchange in flight; no timer per request.

export interface ClientLimits {
  /** Longest idle gap while the request body arrives. */
  readonly requestBodyTimeoutMs: number;
  /** Longest time to receive the whole request. */
  readonly requestTimeoutMs: number;
  /** Longest time a response write may wait for the client to read. */
  readonly clientWriteTimeoutMs: number;
}

export type ClientLimit = 'request-body' | 'request' | 'client-write';

export interface ExchangeProgress {
  readonly startedMs: number;
  /** Whether the whole request (head and body) has arrived. */
  readonly requestComplete: boolean;
  /** Last time request bytes arrived (the start, if none since). */
  readonly lastReadMs: number;
  /** Whether the response has started: request limits no longer apply then. */
  readonly responding: boolean;
  /** Since when a response write waits for the client to read. @default - not waiting */
  readonly writeStalledSinceMs?: number;
}

/**
 * The limit this exchange has run past at `nowMs`, if any. The request limits stop once the
 * response starts, so they never cut a response that is streaming back.
 */
export function expiredLimit(progress: ExchangeProgress, nowMs: number, limits: ClientLimits): ClientLimit | undefined {
  if (!progress.requestComplete && !progress.responding) {
    if (nowMs - progress.startedMs >= limits.requestTimeoutMs) return 'request';
    if (nowMs - progress.lastReadMs >= limits.requestBodyTimeoutMs) return 'request-body';
  }
  if (progress.writeStalledSinceMs !== undefined && nowMs - progress.writeStalledSinceMs >= limits.clientWriteTimeoutMs)
    return 'client-write';
  return undefined;
}

/** How often the sweeper looks: a quarter of the shortest limit, between 10 ms and 1 s. */
export function sweepIntervalMs(limits: ClientLimits): number {
  return Math.min(
    1000,
    Math.max(10, Math.floor(Math.min(limits.requestBodyTimeoutMs, limits.requestTimeoutMs, limits.clientWriteTimeoutMs) / 4)),
  );
}
