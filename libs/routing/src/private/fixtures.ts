// Test helpers shared by this package's tests. Not exported.
import { aFleetSpec, aStamp, aTenant, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import { parseYamlSource, type LoadedFleet, type Stamp, type Tenant } from '@stampyard/stamp-spec';
import type { Assignment } from '../placement.ts';

/** A small fleet: eu-1 (10), eu-2 (10), us-1 (10), eu-dedicated to 'big' (20), eu-old draining (50). */
export function smallStamps(): Stamp[] {
  return [
    aStamp({ name: 'stamp-eu-1', region: 'westeurope', capacity: 10, cidr: '10.1.0.0/16' }),
    aStamp({ name: 'stamp-eu-2', region: 'northeurope', capacity: 10, cidr: '10.2.0.0/16' }),
    aStamp({ name: 'stamp-us-1', region: 'eastus', capacity: 10, cidr: '10.3.0.0/16' }),
    aStamp({ name: 'stamp-eu-big', region: 'westeurope', capacity: 20, cidr: '10.4.0.0/16', dedicatedTo: 'big' }),
    aStamp({ name: 'stamp-eu-old', region: 'westeurope', capacity: 50, cidr: '10.5.0.0/16', status: 'draining' }),
  ];
}

export function fleetOf(stamps: readonly Stamp[], tenants: readonly Tenant[][]): LoadedFleet {
  return toLoadedFleet({ stamps, tenantFiles: tenants });
}

/** The tenants of a fleet with the plan's bindings applied, as tenant files. */
export function withAssignments(fleet: LoadedFleet, assignments: readonly Assignment[]): Tenant[][] {
  const byId = new Map(assignments.map((a) => [a.tenantId, a.stamp]));
  return fleet.tenantLists.map((entry) => entry.list.items.map((t) => (byId.has(t.id) ? { ...t, stamp: byId.get(t.id)! } : t)));
}

export { aStamp, aTenant };

/**
 * A LoadedFleet built without parsing YAML, for tests of 100,000 tenants:
 * stamps round-robin over the four regions, tenants round-robin over the stamps
 * of their zone. Sources are empty, so issues would point at line 1.
 */
export function bigFleet(stampCount: number, tenantCount: number, spec = aFleetSpec()): LoadedFleet {
  const empty = parseYamlSource({ path: 'tenants/big.yaml', text: '{}' }).source!;
  const regions = Object.keys(spec.regions);
  const stamps = Array.from({ length: stampCount }, (_, i) =>
    aStamp({ name: `stamp-${i}`, region: regions[i % regions.length]!, capacity: 1000, cidr: `10.${Math.floor(i / 256)}.${i % 256}.0/24` }),
  );
  const items: Tenant[] = Array.from({ length: tenantCount }, (_, i) =>
    aTenant({
      id: `tenant-${i}`,
      residency: 'any',
      stamp: `stamp-${i % stampCount}`,
      ...(i % 50 === 0 ? { status: 'suspended' as const } : {}),
    }),
  );
  return {
    fleet: { apiVersion: 'stampyard.dev/v1alpha1', kind: 'Fleet', metadata: { name: 'big' }, spec } as LoadedFleet['fleet'],
    fleetSource: empty,
    stamps: stamps.map((stamp) => ({ stamp, source: empty })),
    tenantLists: [{ list: { apiVersion: 'stampyard.dev/v1alpha1', kind: 'TenantList', items }, source: empty }],
  };
}
