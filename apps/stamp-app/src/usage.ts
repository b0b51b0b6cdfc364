// Per-tenant usage counters and the export endpoint the usage-export CronJob reads (GET /usage on the admin port).
//
// Periods are aligned to multiples of `periodSeconds` since the epoch (UTC), except a process's first
// period, which starts when the process started: a restarted stamp-app never reports a period it did not
// see from its start, so its export cannot overwrite the object its predecessor wrote.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One tenant's counts in one period. */
export interface TenantUsage {
  readonly tenant: string;
  readonly requests: number;
  /** Answers with a 5xx status. */
  readonly errors: number;
  readonly latencySumMs: number;
  readonly latencyCount: number;
  /** Bytes the tenant stores here (request bodies received since start), at the period's end. */
  readonly storageBytes: number;
}

/** One period: [start, end). `closed` is false for the period still being counted. */
export interface UsagePeriod {
  readonly start: string;
  readonly end: string;
  readonly closed: boolean;
  readonly tenants: readonly TenantUsage[];
}

/** What GET /usage answers. The stampyard analytics export reads exactly this shape. */
export interface UsageSnapshot {
  readonly stamp: string;
  readonly version: string;
  readonly periodSeconds: number;
  readonly periods: readonly UsagePeriod[];
}

/** Closed periods kept for the exporter to catch up after missed runs. */
export const RETAINED_PERIODS = 48;

type Counts = { requests: number; errors: number; latencySumMs: number; latencyCount: number };

export interface UsageCounters {
  /** Counts one answered request. `at` is when it was answered (ms since the epoch). */
  readonly record: (tenant: string, status: number, latencyMs: number, bodyBytes: number, at: number) => void;
  /** The retained closed periods, oldest first, plus the open one (cut at `now`) when asked. */
  readonly snapshot: (now: number, includeOpen: boolean) => UsageSnapshot;
}

export interface UsageCountersOptions {
  readonly stamp: string;
  readonly version: string;
  /** Length of a period. @default 3600 */
  readonly periodSeconds: number;
  /** When the process started (ms since the epoch); the first period starts here. */
  readonly startedAt: number;
}

/** Creates the counters. Time is passed in to every call; nothing here reads the clock. */
export function createUsageCounters(options: UsageCountersOptions): UsageCounters {
  const periodMs = options.periodSeconds * 1000;
  const startedAt = Math.floor(options.startedAt / 1000) * 1000;
  const storage = new Map<string, number>();
  const closed: UsagePeriod[] = [];
  let open: { start: number; end: number; counts: Map<string, Counts> } = newPeriod(startedAt);

  function newPeriod(at: number) {
    const aligned = Math.floor(at / periodMs) * periodMs;
    return { start: Math.max(aligned, startedAt), end: aligned + periodMs, counts: new Map<string, Counts>() };
  }

  const freeze = (period: typeof open, end: number, isClosed: boolean): UsagePeriod => ({
    start: new Date(period.start).toISOString(),
    end: new Date(end).toISOString(),
    closed: isClosed,
    tenants: [...new Set([...period.counts.keys(), ...storage.keys()])].sort().map((tenant) => {
      const c = period.counts.get(tenant) ?? { requests: 0, errors: 0, latencySumMs: 0, latencyCount: 0 };
      return { tenant, ...c, storageBytes: storage.get(tenant) ?? 0 };
    }),
  });

  /** Closes the open period once `now` is past its end. Periods with no requests are not kept. */
  const roll = (now: number): void => {
    if (now < open.end) return;
    if (open.counts.size > 0) closed.push(freeze(open, open.end, true));
    while (closed.length > RETAINED_PERIODS) closed.shift();
    open = newPeriod(now);
  };

  return {
    record(tenant, status, latencyMs, bodyBytes, at) {
      roll(at);
      const counts = open.counts.get(tenant) ?? { requests: 0, errors: 0, latencySumMs: 0, latencyCount: 0 };
      counts.requests += 1;
      if (status >= 500) counts.errors += 1;
      counts.latencySumMs += latencyMs;
      counts.latencyCount += 1;
      open.counts.set(tenant, counts);
      storage.set(tenant, (storage.get(tenant) ?? 0) + bodyBytes);
    },
    snapshot(now, includeOpen) {
      roll(now);
      const periods = [...closed];
      if (includeOpen && open.counts.size > 0 && now > open.start) periods.push(freeze(open, now, false));
      return { stamp: options.stamp, version: options.version, periodSeconds: options.periodSeconds, periods };
    },
  };
}

/**
 * Answers `GET /usage` (`?include_open=1` adds the open period so far). Returns false for any other path,
 * so an admin server can try its other handlers (e.g. /metrics).
 */
export function handleUsageRequest(req: IncomingMessage, res: ServerResponse, counters: UsageCounters, now: () => number): boolean {
  const url = req.url ?? '/';
  const path = url.split('?')[0];
  if (path !== '/usage') return false;
  if (req.method !== 'GET') {
    res.writeHead(405, { allow: 'GET', 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'use GET' }));
    return true;
  }
  const body = JSON.stringify(counters.snapshot(now(), /[?&]include_open=1(&|$)/.test(url)));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
  return true;
}

/** `handleUsageRequest` as one of the admin listener's handlers. */
export function usageAdminHandler(
  counters: UsageCounters,
  now: () => number = Date.now,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => handleUsageRequest(req, res, counters, now);
}
