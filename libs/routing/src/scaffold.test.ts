import { describe, expect, it } from 'vitest';
import { aStamp, aTenant, fleetOf } from './private/fixtures.ts';
import { planPlacement, stampLoads } from './placement.ts';
import { planPlacementWithScaffold } from './scaffold.ts';

describe('planPlacementWithScaffold', () => {
  it('adds enough stamps per zone, and a dedicated stamp per dedicated tenant, then places everybody', () => {
    const stamps = [
      aStamp({ name: 'stamp-eu-1', region: 'westeurope', capacity: 10, cidr: '10.1.0.0/16' }),
      aStamp({ name: 'stamp-us-1', region: 'eastus', capacity: 10, cidr: '10.2.0.0/16' }),
    ];
    const tenants = [
      ...Array.from({ length: 25 }, (_, i) => aTenant({ id: `eu${i}` })),
      aTenant({ id: 'heavy', residency: 'us', weight: 14 }),
      aTenant({ id: 'solo', isolation: 'dedicated', weight: 7 }),
    ];
    const fleet = fleetOf(stamps, [tenants]);
    expect(planPlacement(fleet).unplaced.map((g) => [g.zone, g.units])).toEqual([
      ['eu', 15],
      ['eu', 7],
      ['us', 14],
    ]);
    const result = planPlacementWithScaffold(fleet);
    expect(result.plan.unplaced).toEqual([]);
    expect(result.plan.assignments).toHaveLength(27);
    expect(result.stamps.map((s) => [s.path, s.stamp.spec.region, s.stamp.spec.capacity, s.stamp.spec.dedicatedTo ?? null])).toEqual([
      ['stamps/stamp-eu-2.yaml', 'northeurope', 10, null],
      ['stamps/stamp-eu-3.yaml', 'northeurope', 10, null],
      ['stamps/stamp-eu-solo.yaml', 'westeurope', 7, 'solo'],
      ['stamps/stamp-us-2.yaml', 'westus2', 14, null],
    ]);
    for (const load of stampLoads(result.fleet)) expect(load.used).toBe(0);
  });

  it('adds nothing when everybody fits', () => {
    const fleet = fleetOf([aStamp({ name: 'stamp-eu-1', cidr: '10.1.0.0/16' })], [[aTenant({ id: 'a' })]]);
    expect(planPlacementWithScaffold(fleet).stamps).toEqual([]);
  });
});
