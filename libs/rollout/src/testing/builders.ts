// Builders for rollout tests: fleets as views, health reports, and applying a plan's changes in memory.
import { aFleet } from '@stampyard/stamp-spec/testing';
import type { FleetSpec, RolloutPolicy, Stamp } from '@stampyard/stamp-spec';
import type { FleetView, VersionChange } from '../fleet-view.ts';
import type { HealthReport, StampHealth } from '../health/report.ts';

/** A fleet view of `count` stamps in `waves` waves on `version`, with policy overrides. */
export function aRolloutFleet(count = 9, options: { waves?: number; version?: string; policy?: Partial<RolloutPolicy> } = {}): FleetView {
  const { fleet, stamps } = aFleet(count, { waves: options.waves ?? 3, version: options.version ?? '1.4.0' });
  return { spec: withPolicy(fleet, options.policy ?? {}), stamps };
}

export function withPolicy(spec: FleetSpec, policy: Partial<RolloutPolicy>): FleetSpec {
  return { ...spec, rollout: { ...spec.rollout, ...policy } };
}

/** The fleet with version changes applied, as the stamp files would be after a write. */
export function applyChanges(fleet: FleetView, changes: readonly VersionChange[]): FleetView {
  const to = new Map(changes.map((c) => [c.stamp, c.to]));
  return {
    ...fleet,
    stamps: fleet.stamps.map((s) =>
      to.has(s.metadata.name) ? ({ ...s, spec: { ...s.spec, version: to.get(s.metadata.name)! } } as Stamp) : s,
    ),
  };
}

/** Every stamp ready and running what it declares (what Flux shows once it applied git). */
export function convergedHealth(fleet: FleetView, overrides: Record<string, StampHealth | undefined> = {}): HealthReport {
  const stamps: Record<string, StampHealth> = {};
  for (const s of fleet.stamps) {
    const override = Object.hasOwn(overrides, s.metadata.name) ? overrides[s.metadata.name] : { ready: true, version: s.spec.version };
    if (override) stamps[s.metadata.name] = override;
  }
  return { source: 'test', stamps };
}

export const minutes = (start: Date, n: number): Date => new Date(start.getTime() + n * 60_000);
