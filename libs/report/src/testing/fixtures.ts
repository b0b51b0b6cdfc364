// Fixtures for the report's tests: a small fleet with the facts a reader must see,
// and a big one built without parsing, to measure size.
import { API_VERSION, type LoadedFleet, type Stamp, type Tenant } from '@stampyard/stamp-spec';
import { aFleet, aFleetSpec, aStamp, aTenant, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import type { DriftFinding, FleetViewInput, RolloutStatusInput, StampObservation } from '../model.ts';

export const FIXTURE_NOW = new Date('2026-11-28T12:00:00Z');

/**
 * Six stamps rolling out 1.5.0: wave 0 promoted but stamp-us-1 still runs 1.4.0 (a straggler),
 * wave 1 halted because stamp-eu-2 is unhealthy, wave 2 waiting. Zone eu is at 85%.
 */
export function aTroubledFleetInput(): FleetViewInput {
  const stamps = [
    aStamp({ name: 'stamp-eu-1', region: 'westeurope', wave: 0, version: '1.5.0', capacity: 100 }),
    aStamp({ name: 'stamp-us-1', region: 'eastus', wave: 0, version: '1.5.0', capacity: 100 }),
    aStamp({ name: 'stamp-eu-2', region: 'northeurope', wave: 1, version: '1.5.0', capacity: 100 }),
    aStamp({ name: 'stamp-us-2', region: 'westus2', wave: 1, version: '1.4.0', capacity: 100 }),
    aStamp({ name: 'stamp-eu-3', region: 'westeurope', wave: 2, version: '1.4.0', capacity: 50 }),
    aStamp({ name: 'stamp-us-3', region: 'eastus', wave: 2, version: '1.4.0', capacity: 100 }),
  ];
  const tenants: Tenant[] = [
    aTenant({ id: 'adatum', residency: 'eu', weight: 90, stamp: 'stamp-eu-1' }),
    aTenant({ id: 'contoso', residency: 'eu', weight: 80, stamp: 'stamp-eu-2' }),
    aTenant({ id: 'litware', residency: 'eu', weight: 40, stamp: 'stamp-eu-3' }),
    aTenant({ id: 'northwind', residency: 'eu', weight: 2, stamp: 'stamp-eu-3', status: 'suspended' }),
    aTenant({ id: 'tailspin', residency: 'us', weight: 20, stamp: 'stamp-us-1' }),
    aTenant({ id: 'wingtip', residency: 'us', weight: 5 }),
  ];
  const fleet = toLoadedFleet({ fleet: aFleetSpec(), stamps, tenantFiles: [tenants] });
  const rollout: RolloutStatusInput = {
    targetVersion: '1.5.0',
    waves: [
      { wave: 0, state: 'promoted' },
      { wave: 1, state: 'halted', reason: 'stamp-eu-2 is unhealthy: error rate 12% above 5%' },
      { wave: 2, state: 'waiting' },
    ],
  };
  const health: StampObservation[] = [
    { stamp: 'stamp-eu-1', health: 'healthy', observedVersion: '1.5.0' },
    { stamp: 'stamp-us-1', health: 'healthy', observedVersion: '1.4.0' },
    { stamp: 'stamp-eu-2', health: 'unhealthy', observedVersion: '1.5.0', message: 'error rate 12% above 5%' },
    { stamp: 'stamp-us-2', health: 'healthy', observedVersion: '1.4.0' },
    { stamp: 'stamp-eu-3', health: 'healthy', observedVersion: '1.4.0' },
    { stamp: 'stamp-us-3', health: 'progressing', observedVersion: '1.4.0' },
  ];
  const drift: DriftFinding[] = [
    { stamp: 'stamp-us-1', kind: 'version-mismatch', severity: 'error', message: 'declares 1.5.0 but runs 1.4.0' },
    { stamp: null, kind: 'stalled-rollout', severity: 'warning', message: 'wave 1 has made no progress for 26 h' },
    { stamp: 'stamp-eu-2', kind: 'unhealthy', severity: 'error', message: 'error rate 12% above 5%' },
  ];
  return { fleet, now: FIXTURE_NOW, rollout, health, healthSource: 'health.json', drift };
}

/**
 * A fleet of `stampCount` stamps and `tenantCount` tenants spread over them, built
 * directly (no YAML parsing) so that size tests stay fast. Sources are absent:
 * the report never reads them.
 */
export function aLargeFleetInput(stampCount = 1_000, tenantCount = 100_000): FleetViewInput {
  const { fleet, stamps } = aFleet(stampCount, { waves: 5, capacity: 200 });
  const rolled: Stamp[] = stamps.map((s) => (s.spec.wave < 2 ? { ...s, spec: { ...s.spec, version: '1.5.0' } } : s));
  const tenants: Tenant[] = Array.from({ length: tenantCount }, (_, i) => {
    const stamp = rolled[i % rolled.length]!;
    const zone = fleet.regions[stamp.spec.region]!.zone;
    return aTenant({
      id: `tenant-${i}`,
      residency: zone,
      weight: 1,
      stamp: stamp.metadata.name,
      status: i % 10 === 0 ? 'suspended' : 'active',
    });
  });
  const noSource = undefined as unknown as LoadedFleet['fleetSource'];
  const loaded: LoadedFleet = {
    fleet: { apiVersion: API_VERSION, kind: 'Fleet', metadata: { name: 'large' }, spec: fleet },
    fleetSource: noSource,
    stamps: rolled.map((stamp) => ({ stamp, source: noSource })),
    tenantLists: [{ list: { apiVersion: API_VERSION, kind: 'TenantList', items: tenants }, source: noSource }],
  };
  const health: StampObservation[] = rolled.map((s, i) => ({
    stamp: s.metadata.name,
    health: i % 97 === 0 ? 'unhealthy' : 'healthy',
    observedVersion: i % 53 === 0 ? '1.4.0' : s.spec.version,
  }));
  const drift: DriftFinding[] = rolled
    .filter((_, i) => i % 53 === 0)
    .map((s) => ({
      stamp: s.metadata.name,
      kind: 'version-mismatch',
      severity: 'error',
      message: `declares ${s.spec.version} but runs 1.4.0`,
    }));
  return {
    fleet: loaded,
    now: new Date('2026-11-28T12:00:00Z'),
    rollout: {
      targetVersion: '1.5.0',
      waves: [
        { wave: 0, state: 'promoted' },
        { wave: 1, state: 'baking', bakeEndsAt: '2026-11-28T12:25:00Z' },
      ],
    },
    health,
    healthSource: 'health.json',
    drift,
  };
}
