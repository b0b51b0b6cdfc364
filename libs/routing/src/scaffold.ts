// `stampyard tenants place --scaffold-stamps`: add the stamps a fleet lacks, then place.
import {
  InternalError,
  ValidationError,
  parseFleet,
  planNewStamp,
  stampZone,
  type LoadedFleet,
  type PlannedStamp,
  type SourceFile,
  type Stamp,
} from '@stampyard/stamp-spec';
import { planPlacement, stampLoads, type PlacementPlan, type Shortfall } from './placement.ts';

export interface ScaffoldedPlacement {
  /** New stamp files, as `stampyard stamp new` would write them. */
  readonly stamps: readonly PlannedStamp[];
  /** The fleet with those stamps, parsed and validated again. */
  readonly fleet: LoadedFleet;
  /** Placement on that fleet; its `unplaced` is empty. */
  readonly plan: PlacementPlan;
}

/** The source files a loaded fleet came from, so it can be parsed again with changes. */
export function fleetSourcesOf(fleet: LoadedFleet, extraStamps: readonly SourceFile[] = []) {
  const file = (s: { path: string; text: string }): SourceFile => ({ path: s.path, text: s.text });
  return {
    fleet: file(fleet.fleetSource),
    stamps: [...fleet.stamps.map((s) => file(s.source)), ...extraStamps],
    tenants: fleet.tenantLists.map((t) => file(t.source)),
    migrations: (fleet.migrations ?? []).map((m) => file(m.source)),
  };
}

/** The zone `any` tenants spill into: the one with the most free shared capacity, ties by name. */
function roomiestZone(fleet: LoadedFleet): string {
  const free = new Map<string, number>();
  for (const zone of new Set(Object.values(fleet.fleet.spec.regions).map((r) => r.zone))) free.set(zone, 0);
  for (const load of stampLoads(fleet)) {
    if (load.status === 'active' && load.dedicatedTo === undefined)
      free.set(load.zone, (free.get(load.zone) ?? 0) + load.capacity - load.used);
  }
  return [...free].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

/** The region of a zone with the fewest stamps (ties by name), so new stamps spread out. */
function regionFor(fleet: LoadedFleet, zone: string, stamps: readonly Stamp[]): string {
  const regions = Object.entries(fleet.fleet.spec.regions)
    .filter(([, r]) => r.zone === zone)
    .map(([name]) => name)
    .sort();
  const count = (region: string) => stamps.filter((s) => s.spec.region === region).length;
  return [...regions].sort((a, b) => count(a) - count(b))[0]!;
}

function medianCapacity(stamps: readonly Stamp[]): number {
  const capacities = stamps
    .filter((s) => s.spec.dedicatedTo === undefined)
    .map((s) => s.spec.capacity)
    .sort((a, b) => a - b);
  return capacities[Math.floor(capacities.length / 2)] ?? 100;
}

function stampsFor(fleet: LoadedFleet, gap: Shortfall, existing: Stamp[]): PlannedStamp[] {
  const spec = fleet.fleet.spec;
  const zone = gap.zone === 'any' ? roomiestZone(fleet) : gap.zone;
  const planned: PlannedStamp[] = [];
  const add = (options: { capacity: number; dedicatedTo?: string; name?: string }) => {
    const stamp = planNewStamp(
      spec,
      existing,
      { region: regionFor(fleet, zone, existing), ...options },
      fleet.tenantLists.flatMap((t) => t.list.items.map((i) => i.id)),
    );
    existing.push(stamp.stamp);
    planned.push(stamp);
  };
  if (gap.dedicated) {
    const tenants = new Map(fleet.tenantLists.flatMap((t) => t.list.items).map((t) => [t.id, t]));
    for (const id of gap.tenants) {
      const name = `stamp-${zone}-${id}`;
      const free = name.length <= 40 && !existing.some((s) => s.metadata.name === name);
      add({ capacity: tenants.get(id)?.weight ?? 1, dedicatedTo: id, ...(free ? { name } : {}) });
    }
    return planned;
  }
  const capacity = Math.max(medianCapacity(existing), gap.largestWeight);
  for (let units = 0; units < gap.units; units += capacity) add({ capacity });
  return planned;
}

/**
 * Adds stamps until every tenant fits, then places. Pure. New stamps get the
 * fleet's median shared capacity (at least the heaviest waiting tenant's weight)
 * and a region of the zone that has the fewest stamps; a dedicated tenant gets a
 * stamp of its own sized to its weight. `any` tenants go to the zone with the
 * most free room. The result is parsed and validated like files on disk.
 */
export function planPlacementWithScaffold(fleet: LoadedFleet): ScaffoldedPlacement {
  const planned: PlannedStamp[] = [];
  let current = fleet;
  for (let round = 0; round < 10; round++) {
    const plan = planPlacement(current);
    if (plan.unplaced.length === 0) return { stamps: planned, fleet: current, plan };
    const existing = current.stamps.map((s) => s.stamp);
    for (const gap of plan.unplaced) planned.push(...stampsFor(current, gap, existing));
    const reparsed = parseFleet(
      fleetSourcesOf(
        fleet,
        planned.map((p) => ({ path: p.path, text: p.text })),
      ),
    );
    if (!reparsed.fleet) throw new ValidationError(reparsed.issues);
    current = reparsed.fleet;
  }
  // Each round adds at least the missing units, so this is only reached on a bug.
  const zones = planPlacement(current)
    .unplaced.map((g) => g.zone)
    .join(', ');
  throw new InternalError(`could not scaffold enough stamps for zones ${zones} in 10 rounds`);
}

/** The zone of a planned stamp, for messages. */
export function plannedZone(fleet: LoadedFleet, stamp: PlannedStamp): string {
  return stampZone(fleet.fleet.spec, stamp.stamp) ?? '';
}
