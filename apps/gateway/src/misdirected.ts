// What the gateway does when a stamp answers 421 Misdirected Request: the stamp
// refused a tenant that is not on its list (or at an older epoch), so it did not
// process the request, and the gateway's own table is the stale party.
import type { CompiledStamp, CompiledTable } from './route.ts';

/** Header the gateway sends with the tenant's epoch from its table. */
export const EPOCH_HEADER = 'x-stampyard-epoch';

/** Seconds a client is told to wait when the gateway can't send a misdirected request elsewhere. */
export const MISDIRECTED_RETRY_AFTER_SECONDS = 2;

/** The tenant's epoch in a table (0 when the table leaves it out). */
export function epochOf(table: CompiledTable, tenant: string): number {
  const route = Object.hasOwn(table.tenants, tenant) ? table.tenants[tenant] : undefined;
  return route?.epoch ?? 0;
}

/** What the gateway remembers of one attempt, to decide after a 421. */
export interface MisdirectedAttempt {
  /** The request has no body, so it can be sent again. */
  readonly replayable: boolean;
  /** This attempt is already the one retry. */
  readonly retried: boolean;
  /** The tenant came from a verified token (kept for the retry's header handling). */
  readonly byToken: boolean;
}

export type MisdirectedDecision =
  | { readonly kind: 'retry'; readonly stamp: CompiledStamp; readonly epoch: number }
  | { readonly kind: 'unavailable'; readonly message: string };

/**
 * After a 421 from `refusedBy`, with `table` re-read: send the request once to
 * the stamp the re-read table names, if it names a different one and the
 * request can be sent again; otherwise 503 + Retry-After. Pure.
 *
 * Invariants: at most one retry per request (`retried`), never to the stamp that
 * refused, never to a stamp the table doesn't name; a request whose body was
 * already streamed to the refusing stamp (`replayable` false) is never re-sent,
 * so the client retries it instead.
 */
export function decideAfterMisdirected(
  table: CompiledTable,
  tenant: string,
  refusedBy: string,
  replayable: boolean,
  retried: boolean,
): MisdirectedDecision {
  const route = Object.hasOwn(table.tenants, tenant) ? table.tenants[tenant] : undefined;
  const stamp = route ? table.stamps.get(route.stamp) : undefined;
  if (!route || !stamp)
    return {
      kind: 'unavailable',
      message: `stamp ${refusedBy} refused tenant ${tenant} (421), and the re-read table (${table.revision}) no longer routes it; retry later`,
    };
  if (stamp.name === refusedBy) {
    return {
      kind: 'unavailable',
      message: `stamp ${refusedBy} refused tenant ${tenant} (421) though the re-read table (${table.revision}) still routes it there: the stamp's tenant list and the table disagree while a change propagates; retry later`,
    };
  }
  if (retried) return { kind: 'unavailable', message: `stamp ${refusedBy} refused tenant ${tenant} (421) after a retry; retry later` };
  if (!replayable)
    return {
      kind: 'unavailable',
      message: `stamp ${refusedBy} refused tenant ${tenant} (421); the table now routes it to ${stamp.name}, but the request body was already sent, so retry the request`,
    };
  return { kind: 'retry', stamp, epoch: route.epoch ?? 0 };
}
