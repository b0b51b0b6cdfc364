import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LoadedFleet, Stamp, Tenant } from '@stampyard/stamp-spec';
import { aStamp, aTenant, fleetOf, smallStamps, withAssignments } from './private/fixtures.ts';
import { describeShortfall, planPlacement, stampLoads } from './placement.ts';

const zoneOf: Record<string, string> = { westeurope: 'eu', northeurope: 'eu', eastus: 'us', westus2: 'us' };

describe('planPlacement', () => {
  it('puts each tenant on the least-utilized stamp of its zone, ties by name', () => {
    const fleet = fleetOf(smallStamps(), [
      [aTenant({ id: 'a', weight: 3 }), aTenant({ id: 'b', weight: 2 }), aTenant({ id: 'c', residency: 'us' })],
    ]);
    const plan = planPlacement(fleet);
    expect(plan.unplaced).toEqual([]);
    expect(plan.assignments.map((a) => [a.tenantId, a.stamp])).toEqual([
      ['a', 'stamp-eu-1'],
      ['b', 'stamp-eu-2'],
      ['c', 'stamp-us-1'],
    ]);
  });

  it('never uses draining stamps and puts a dedicated tenant only on its own stamp', () => {
    const fleet = fleetOf(smallStamps(), [
      [aTenant({ id: 'big', weight: 15, isolation: 'dedicated' }), aTenant({ id: 'x', weight: 10 }), aTenant({ id: 'y', weight: 10 })],
    ]);
    const plan = planPlacement(fleet);
    expect(Object.fromEntries(plan.assignments.map((a) => [a.tenantId, a.stamp]))).toEqual({
      big: 'stamp-eu-big',
      x: 'stamp-eu-1',
      y: 'stamp-eu-2',
    });
  });

  it('reports the shortfall per zone and says how to fix it', () => {
    const fleet = fleetOf(smallStamps(), [
      [
        aTenant({ id: 'a', weight: 9 }),
        aTenant({ id: 'b', weight: 9 }),
        aTenant({ id: 'c', weight: 4 }),
        aTenant({ id: 'solo', isolation: 'dedicated' }),
      ],
    ]);
    const plan = planPlacement(fleet);
    expect(plan.unplaced).toEqual([
      { zone: 'eu', dedicated: false, units: 4, tenants: ['c'], largestWeight: 4 },
      { zone: 'eu', dedicated: true, units: 1, tenants: ['solo'], largestWeight: 1 },
    ]);
    expect(describeShortfall(plan.unplaced[0]!)).toBe(
      "zone 'eu' lacks room: 4 more capacity units needed for 1 tenant (c); add a stamp (stampyard tenants place --scaffold-stamps) or raise a stamp's capacity",
    );
    expect(describeShortfall(plan.unplaced[1]!)).toContain('dedicated tenant solo needs 1 capacity units on a stamp of their own');
  });

  it('places suspended tenants too, and counts them against capacity', () => {
    const fleet = fleetOf(smallStamps(), [
      [aTenant({ id: 's', weight: 10, status: 'suspended', residency: 'us' }), aTenant({ id: 't', residency: 'us' })],
    ]);
    const plan = planPlacement(fleet);
    expect(plan.assignments.map((a) => a.tenantId)).toEqual(['s']);
    expect(plan.unplaced).toMatchObject([{ zone: 'us', units: 1, tenants: ['t'] }]);
  });

  it('leaves bound tenants where they are, even when another stamp is emptier', () => {
    const fleet = fleetOf(smallStamps(), [[aTenant({ id: 'a', weight: 5, stamp: 'stamp-eu-2' }), aTenant({ id: 'b' })]]);
    expect(planPlacement(fleet).assignments.map((a) => [a.tenantId, a.stamp])).toEqual([['b', 'stamp-eu-1']]);
  });
});

// Random fleets: a few stamps over the four regions, some draining, some dedicated.
const REGIONS = ['westeurope', 'northeurope', 'eastus', 'westus2'];
const stampArb = fc.record({
  region: fc.constantFrom(...REGIONS),
  capacity: fc.integer({ min: 1, max: 20 }),
  draining: fc.boolean(),
  dedicated: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined, freq: 4 }),
});
const tenantArb = fc.record({
  residency: fc.constantFrom('eu', 'us', 'any'),
  weight: fc.integer({ min: 1, max: 6 }),
  suspended: fc.boolean(),
  dedicated: fc.boolean(),
});
const fleetArb = fc.record({ stamps: fc.array(stampArb, { minLength: 1, maxLength: 6 }), tenants: fc.array(tenantArb, { maxLength: 30 }) });

type Input = typeof fleetArb extends fc.Arbitrary<infer T> ? T : never;

function build(input: Input): { stamps: Stamp[]; tenants: Tenant[][] } {
  const dedicatedIds = new Set<string>();
  const stamps = input.stamps.map((s, i) => {
    const dedicatedTo = s.dedicated !== undefined && !dedicatedIds.has(`t${s.dedicated}`) ? `t${s.dedicated}` : undefined;
    if (dedicatedTo) dedicatedIds.add(dedicatedTo);
    return aStamp({
      name: `s${i}`,
      region: s.region,
      capacity: s.capacity,
      cidr: `10.${i + 1}.0.0/16`,
      status: s.draining ? 'draining' : 'active',
      ...(dedicatedTo ? { dedicatedTo } : {}),
    });
  });
  const tenants = input.tenants.map((t, i) =>
    aTenant({
      id: `t${i}`,
      residency: t.residency,
      weight: t.weight,
      status: t.suspended ? 'suspended' : 'active',
      isolation: t.dedicated && dedicatedIds.has(`t${i}`) ? 'dedicated' : 'shared',
    }),
  );
  return { stamps, tenants: [tenants.slice(0, 15), tenants.slice(15)] };
}

function checkInvariants(fleet: LoadedFleet): void {
  const stamps = new Map(fleet.stamps.map((s) => [s.stamp.metadata.name, s.stamp]));
  for (const load of stampLoads(fleet)) expect(load.used).toBeLessThanOrEqual(load.capacity);
  for (const tenant of fleet.tenantLists.flatMap((t) => t.list.items)) {
    if (tenant.stamp === undefined) continue;
    const stamp = stamps.get(tenant.stamp)!;
    if (tenant.residency !== 'any') expect(zoneOf[stamp.spec.region]).toBe(tenant.residency);
    if (stamp.spec.dedicatedTo !== undefined) expect(tenant.id).toBe(stamp.spec.dedicatedTo);
    if (tenant.isolation === 'dedicated') expect(stamp.spec.dedicatedTo).toBe(tenant.id);
  }
}

describe('planPlacement properties', () => {
  it('binds every tenant to exactly one stamp or reports it, within residency, capacity and isolation; re-running moves nobody', () => {
    fc.assert(
      fc.property(fleetArb, (input) => {
        const { stamps, tenants } = build(input);
        const fleet = fleetOf(stamps, tenants);
        const plan = planPlacement(fleet);
        const all = tenants
          .flat()
          .map((t) => t.id)
          .sort();
        const assigned = plan.assignments.map((a) => a.tenantId);
        const unplaced = plan.unplaced.flatMap((g) => g.tenants);
        expect([...assigned, ...unplaced].sort()).toEqual(all);
        for (const a of plan.assignments) expect(stamps.find((s) => s.metadata.name === a.stamp)!.spec.status).toBe('active');
        // Applying the plan gives a fleet stamp-spec's rules accept, and the invariants hold.
        const placed = fleetOf(stamps, withAssignments(fleet, plan.assignments));
        checkInvariants(placed);
        const again = planPlacement(placed);
        expect(again.assignments).toEqual([]);
        expect(again.unplaced.flatMap((g) => g.tenants).sort()).toEqual([...unplaced].sort());
      }),
      { numRuns: 60 },
    );
  });

  it('adding stamps or tenants never moves a tenant that is already placed', () => {
    fc.assert(
      fc.property(
        fleetArb,
        fc.array(stampArb, { maxLength: 3 }),
        fc.array(tenantArb, { maxLength: 10 }),
        (input, moreStamps, moreTenants) => {
          const { stamps, tenants } = build(input);
          const fleet = fleetOf(stamps, tenants);
          const placed = withAssignments(fleet, planPlacement(fleet).assignments);
          const before = new Map(
            placed
              .flat()
              .filter((t) => t.stamp)
              .map((t) => [t.id, t.stamp]),
          );
          const extraStamps = moreStamps.map((s, i) =>
            aStamp({ name: `n${i}`, region: s.region, capacity: s.capacity, cidr: `10.${100 + i}.0.0/16` }),
          );
          const extraTenants = moreTenants.map((t, i) => aTenant({ id: `new${i}`, residency: t.residency, weight: t.weight }));
          const grown = fleetOf([...stamps, ...extraStamps], [...placed, extraTenants]);
          const plan = planPlacement(grown);
          for (const a of plan.assignments) expect(before.has(a.tenantId)).toBe(false);
          const after = withAssignments(grown, plan.assignments).flat();
          for (const t of after) if (before.has(t.id)) expect(t.stamp).toBe(before.get(t.id));
          checkInvariants(fleetOf([...stamps, ...extraStamps], withAssignments(grown, plan.assignments)));
        },
      ),
      { numRuns: 40 },
    );
  });
});
