// Fair share within a stamp: each tenant gets a share of its stamp's bulkhead, and each client
// address a cap across every stamp, because naming a tenant (by host or header) needs no
// credentials and one client could name several tenants. Counts are per process.

export interface ShareLimits {
  /** Requests in flight to one stamp. */
  readonly perStamp: number;
  /** Requests in flight for one tenant (within its stamp's bulkhead). */
  readonly perTenant: number;
  /** Requests in flight from one client address, whatever it names. */
  readonly perClient: number;
}

export type ShareRefusal = 'stamp-busy' | 'tenant-busy' | 'client-busy';

/**
 * Whether one more request fits, given what is in flight now. The narrowest share is
 * checked first, so a refusal names the share that is actually used up by this caller:
 * a tenant at its share hears `tenant-busy` even when the stamp is also full.
 */
export function decideShare(
  inFlight: { readonly stamp: number; readonly tenant: number; readonly client: number },
  limits: ShareLimits,
): ShareRefusal | undefined {
  if (inFlight.client >= limits.perClient) return 'client-busy';
  if (inFlight.tenant >= limits.perTenant) return 'tenant-busy';
  if (inFlight.stamp >= limits.perStamp) return 'stamp-busy';
  return undefined;
}

/** A tenant's share by default: a quarter of its stamp's bulkhead, at least 1. */
export function defaultTenantShare(perStamp: number): number {
  return Math.max(1, Math.floor(perStamp / 4));
}

/** Counts in flight by key; a key whose count returns to 0 is forgotten, so nothing grows. */
export class Counts {
  private readonly counts = new Map<string, number>();

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  increment(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  decrement(key: string): void {
    const count = this.counts.get(key) ?? 0;
    if (count <= 1) this.counts.delete(key);
    else this.counts.set(key, count - 1);
  }

  get size(): number {
    return this.counts.size;
  }

  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }
}

/** A slot held by one admitted request; release it exactly once. */
export interface Slot {
  readonly stamp: string;
  readonly tenant: string;
  readonly client: string;
}

/** Every share's count in one place: acquire checks all three and takes all three, or none. */
export class Occupancy {
  readonly stamps = new Counts();
  readonly tenants = new Counts();
  readonly clients = new Counts();

  constructor(private readonly limits: ShareLimits) {}

  /** Takes a slot, or names the share that is full. */
  acquire(stamp: string, tenant: string, client: string): Slot | ShareRefusal {
    // Tenants are keyed within their stamp: after a move, in-flight requests still count where they run.
    const tenantKey = `${stamp}/${tenant}`;
    const refusal = decideShare(
      { stamp: this.stamps.get(stamp), tenant: this.tenants.get(tenantKey), client: this.clients.get(client) },
      this.limits,
    );
    if (refusal !== undefined) return refusal;
    this.stamps.increment(stamp);
    this.tenants.increment(tenantKey);
    this.clients.increment(client);
    return { stamp, tenant, client };
  }

  release(slot: Slot): void {
    this.stamps.decrement(slot.stamp);
    this.tenants.decrement(`${slot.stamp}/${slot.tenant}`);
    this.clients.decrement(slot.client);
  }
}
