// Tenant placement: which stamp each tenant is bound to. Pure; the shell writes.
//
// Rules (the issue's, restated so the code can be checked against them):
// - A tenant that has a stamp keeps it. Placement never moves anybody.
// - A tenant without a stamp goes only to an active (not draining) stamp in its
//   residency zone (`any` = every zone) that has room for its weight.
// - A dedicated tenant goes only to the stamp whose `dedicatedTo` names it; a
//   shared tenant never goes to a dedicated stamp.
// - Among the candidates, the least utilized (used/capacity) wins; ties go to
//   the name that sorts first, so the same files always give the same plan.
// - Suspended tenants are placed too: a suspended tenant keeps a binding, so
//   its data has one home and reactivating it needs no placement. Its weight
//   counts against the stamp's capacity (stamp-spec's capacity rule counts it too).
//
// Unplaced tenants are taken in a fixed order: dedicated first, then tenants
// bound to one zone before `any` tenants (which can go anywhere), then heavier
// before lighter (first-fit-decreasing packs better), then by id.
import { stampZone, type LoadedFleet, type Tenant } from '@stampyard/stamp-spec';

/** Where a tenant sits in the tenant files. */
export interface TenantLocation {
  /** Index into `LoadedFleet.tenantLists`. */
  readonly list: number;
  /** Index into that list's `items`. */
  readonly index: number;
  /** Path of the tenant file, relative to the fleet root. */
  readonly file: string;
}

/** One new binding. */
export interface Assignment extends TenantLocation {
  readonly tenantId: string;
  readonly stamp: string;
}

/** A zone that lacks room, and what it would take to fit its tenants. */
export interface Shortfall {
  /** The residency zone, or `any` for tenants that may go to every zone. */
  readonly zone: string;
  /** Capacity units of the tenants that did not fit. */
  readonly units: number;
  /** Ids of the tenants that did not fit, sorted. */
  readonly tenants: readonly string[];
  /** The heaviest of those tenants: a new stamp needs at least this capacity. */
  readonly largestWeight: number;
  /** Set when the tenants are dedicated: each needs its own stamp with `dedicatedTo`. */
  readonly dedicated: boolean;
}

export interface PlacementPlan {
  /** New bindings, in the order they were decided. Empty when nothing was unplaced. */
  readonly assignments: readonly Assignment[];
  /** Per-zone shortfall, sorted by zone then dedicated. Empty when every tenant fits. */
  readonly unplaced: readonly Shortfall[];
}

/** Capacity use of one stamp. */
export interface StampLoad {
  readonly name: string;
  readonly zone: string;
  readonly region: string;
  readonly capacity: number;
  /** Weight of every tenant bound to it, suspended ones included. */
  readonly used: number;
  readonly status: 'active' | 'draining';
  readonly dedicatedTo?: string;
}

/** A tenant with where it is defined. */
export interface LocatedTenant extends TenantLocation {
  readonly tenant: Tenant;
}

/** Every tenant of the fleet, in file order. */
export function fleetTenants(fleet: LoadedFleet): LocatedTenant[] {
  const out: LocatedTenant[] = [];
  fleet.tenantLists.forEach((entry, list) => {
    entry.list.items.forEach((tenant, index) => out.push({ tenant, list, index, file: entry.source.path }));
  });
  return out;
}

/** Capacity use of every stamp, sorted by name. */
export function stampLoads(fleet: LoadedFleet): StampLoad[] {
  const used = new Map<string, number>();
  for (const entry of fleet.tenantLists) {
    for (const tenant of entry.list.items) {
      if (tenant.stamp !== undefined) used.set(tenant.stamp, (used.get(tenant.stamp) ?? 0) + tenant.weight);
    }
  }
  // A migration in flight reserves the tenant's weight on its target until the
  // contract commit binds it there, so the target keeps room for the whole migration.
  for (const { migration } of fleet.migrations ?? []) {
    const tenant = fleet.tenantLists.flatMap((l) => l.list.items).find((t) => t.id === migration.metadata.name);
    if (tenant && tenant.stamp === migration.spec.from) used.set(migration.spec.to, (used.get(migration.spec.to) ?? 0) + tenant.weight);
  }
  const spec = fleet.fleet.spec;
  return fleet.stamps.map(({ stamp }) => ({
    name: stamp.metadata.name,
    zone: stampZone(spec, stamp) ?? '',
    region: stamp.spec.region,
    capacity: stamp.spec.capacity,
    used: used.get(stamp.metadata.name) ?? 0,
    status: stamp.spec.status,
    ...(stamp.spec.dedicatedTo !== undefined ? { dedicatedTo: stamp.spec.dedicatedTo } : {}),
  }));
}

/** Why a stamp can't take a tenant, or undefined when it can. Shared by place and move. */
export function refusal(load: StampLoad, tenant: Tenant): string | undefined {
  if (load.status !== 'active') return `${load.name} is ${load.status} and takes no new tenants`;
  if (tenant.residency !== 'any' && load.zone !== tenant.residency) {
    return `${load.name} is in zone '${load.zone}' but tenant '${tenant.id}' must stay in '${tenant.residency}'`;
  }
  if (tenant.isolation === 'dedicated' && load.dedicatedTo !== tenant.id) {
    return `tenant '${tenant.id}' is dedicated and ${load.name} is ${load.dedicatedTo ? `dedicated to '${load.dedicatedTo}'` : 'shared'}; it needs the stamp whose spec.dedicatedTo is '${tenant.id}'`;
  }
  if (tenant.isolation === 'shared' && load.dedicatedTo !== undefined) {
    return `${load.name} is dedicated to '${load.dedicatedTo}' and takes no shared tenants`;
  }
  if (load.used + tenant.weight > load.capacity) {
    return `${load.name} has ${load.capacity - load.used} of ${load.capacity} capacity units free and tenant '${tenant.id}' needs ${tenant.weight}`;
  }
  return undefined;
}

function placementOrder(a: LocatedTenant, b: LocatedTenant): number {
  const rank = (t: Tenant) => (t.isolation === 'dedicated' ? 0 : t.residency === 'any' ? 2 : 1);
  return (
    rank(a.tenant) - rank(b.tenant) ||
    b.tenant.weight - a.tenant.weight ||
    (a.tenant.id < b.tenant.id ? -1 : a.tenant.id > b.tenant.id ? 1 : 0)
  );
}

interface MutableLoad {
  readonly load: StampLoad;
  used: number;
}

/** Whether `a` is less utilized than `b` (ties: the name that sorts first). Integer math, no rounding. */
function lessUtilized(a: MutableLoad, b: MutableLoad): boolean {
  const left = a.used * b.load.capacity;
  const right = b.used * a.load.capacity;
  return left < right || (left === right && a.load.name < b.load.name);
}

/**
 * Binds every tenant that has no stamp. Pure: same fleet, same plan.
 * Tenants that don't fit are reported per zone in `unplaced`; the caller
 * decides whether to write the rest (the CLI writes nothing then).
 */
export function planPlacement(fleet: LoadedFleet): PlacementPlan {
  const loads = stampLoads(fleet).map((load) => ({ load, used: load.used }));
  // Candidates by zone, shared stamps only; dedicated stamps by tenant id.
  const shared = new Map<string, MutableLoad[]>();
  const dedicated = new Map<string, MutableLoad>();
  for (const entry of loads) {
    if (entry.load.status !== 'active') continue;
    if (entry.load.dedicatedTo !== undefined) {
      dedicated.set(entry.load.dedicatedTo, entry);
      continue;
    }
    const list = shared.get(entry.load.zone) ?? [];
    list.push(entry);
    shared.set(entry.load.zone, list);
  }
  const everywhere = [...shared.values()].flat();
  const todo = fleetTenants(fleet)
    .filter((t) => t.tenant.stamp === undefined)
    .sort(placementOrder);
  const assignments: Assignment[] = [];
  const missing = new Map<string, { zone: string; dedicated: boolean; units: number; tenants: string[]; largestWeight: number }>();

  for (const located of todo) {
    const { tenant } = located;
    let chosen: MutableLoad | undefined;
    if (tenant.isolation === 'dedicated') {
      const own = dedicated.get(tenant.id);
      if (own && refusal({ ...own.load, used: own.used }, tenant) === undefined) chosen = own;
    } else {
      const candidates = tenant.residency === 'any' ? everywhere : (shared.get(tenant.residency) ?? []);
      for (const candidate of candidates) {
        if (candidate.used + tenant.weight > candidate.load.capacity) continue;
        if (!chosen || lessUtilized(candidate, chosen)) chosen = candidate;
      }
    }
    if (chosen) {
      chosen.used += tenant.weight;
      assignments.push({ tenantId: tenant.id, stamp: chosen.load.name, list: located.list, index: located.index, file: located.file });
      continue;
    }
    const isDedicated = tenant.isolation === 'dedicated';
    const key = `${tenant.residency}\0${isDedicated}`;
    const gap = missing.get(key) ?? { zone: tenant.residency, dedicated: isDedicated, units: 0, tenants: [], largestWeight: 0 };
    gap.units += tenant.weight;
    gap.tenants.push(tenant.id);
    gap.largestWeight = Math.max(gap.largestWeight, tenant.weight);
    missing.set(key, gap);
  }

  const unplaced = [...missing.values()]
    .map((gap) => ({ ...gap, tenants: [...gap.tenants].sort() }))
    .sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : Number(a.dedicated) - Number(b.dedicated)));
  return { assignments, unplaced };
}

/** One line per shortfall, for people: what is missing and how to fix it. */
export function describeShortfall(gap: Shortfall): string {
  const where = gap.zone === 'any' ? 'any zone' : `zone '${gap.zone}'`;
  if (gap.dedicated) {
    return `${where}: dedicated tenant${gap.tenants.length === 1 ? '' : 's'} ${gap.tenants.join(', ')} need${gap.tenants.length === 1 ? 's' : ''} ${gap.units} capacity units on a stamp of their own; add a stamp with spec.dedicatedTo (stampyard tenants place --scaffold-stamps does)`;
  }
  const shown =
    gap.tenants.length > 5 ? `${gap.tenants.slice(0, 5).join(', ')} and ${gap.tenants.length - 5} more` : gap.tenants.join(', ');
  return `${where} lacks room: ${gap.units} more capacity units needed for ${gap.tenants.length} tenant${gap.tenants.length === 1 ? '' : 's'} (${shown}); add a stamp (stampyard tenants place --scaffold-stamps) or raise a stamp's capacity`;
}
