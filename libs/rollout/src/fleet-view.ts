// The part of a fleet the rollout reasons about: the spec and the stamps.
import semver from 'semver';
import type { FleetSpec, LoadedFleet, Release, Stamp } from '@stampyard/stamp-spec';

/** What the rollout planners read: fleet.yaml's spec and every stamp. Build it with `fleetView(loaded)`. */
export interface FleetView {
  /** fleet.yaml spec: the release catalog and the rollout policy. */
  readonly spec: FleetSpec;
  /** Every stamp, in any order. */
  readonly stamps: readonly Stamp[];
}

export function fleetView(loaded: LoadedFleet): FleetView {
  return { spec: loaded.fleet.spec, stamps: loaded.stamps.map((s) => s.stamp) };
}

/** One stamp version change a plan asks for. */
export interface VersionChange {
  readonly stamp: string;
  readonly from: string;
  readonly to: string;
}

/** Whether `release` may be installed over `version` (its `upgradeFrom` range; no range allows any). */
export function upgradeAllowed(release: Release, version: string): boolean {
  if (release.version === version) return true;
  return release.upgradeFrom === undefined || semver.satisfies(version, release.upgradeFrom, { includePrerelease: true });
}

/**
 * The release a stamp on `version` needs first to reach `target`: the newest catalog release
 * it can upgrade to that `target` can upgrade from. Undefined when none bridges the gap.
 */
export function bridgeRelease(spec: FleetSpec, version: string, target: Release): Release | undefined {
  return [...spec.releases]
    .filter((r) => r.version !== version && r.version !== target.version && upgradeAllowed(r, version) && upgradeAllowed(target, r.version))
    .sort((a, b) => semver.rcompare(a.version, b.version))[0];
}

/** A sentence naming why a stamp can't take `target`, and the release it needs first. */
export function upgradePathProblem(spec: FleetSpec, stamp: Stamp, target: Release): string | undefined {
  if (upgradeAllowed(target, stamp.spec.version)) return undefined;
  const bridge = bridgeRelease(spec, stamp.spec.version, target);
  return `${stamp.metadata.name} runs ${stamp.spec.version}, outside ${target.version}'s upgradeFrom '${target.upgradeFrom ?? '*'}'; ${
    bridge ? `roll out ${bridge.version} to it first` : 'no release in the catalog bridges the gap; add one to fleet.yaml spec.releases'
  }`;
}
