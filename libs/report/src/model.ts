// The report's narrow input and output model. The CLI adapts the rollout and
// health libraries to these inputs, so the renderers depend on nothing else.
import type { LoadedFleet } from '@stampyard/stamp-spec';

/** A health word, shown as text beside every colour. */
export type HealthWord = 'healthy' | 'progressing' | 'degraded' | 'unhealthy' | 'unknown';

/** What a health source observed for one stamp. */
export interface StampObservation {
  /** Stamp name, as in `metadata.name`. */
  readonly stamp: string;
  readonly health: HealthWord;
  /** The version the stamp reports running. @default - not observed */
  readonly observedVersion?: string;
  /** Why the stamp is in this state. @default - none */
  readonly message?: string;
}

/** Where one wave of the rollout is. */
/** The rollout decision's wave verdict (libs/rollout `WaveState`). */
export type WaveState = 'promoted' | 'baking' | 'promoting' | 'waiting' | 'halted';

export interface WaveStatusInput {
  readonly wave: number;
  readonly state: WaveState;
  /** When the wave's bake ends, ISO-8601. Set for `baking`. @default - unknown */
  readonly bakeEndsAt?: string;
  /** Why the wave is halted or waiting. @default - none */
  readonly reason?: string;
}

/** The rollout's state, as the rollout library reports it. */
export interface RolloutStatusInput {
  /** The release being rolled out. */
  readonly targetVersion: string;
  /** Every wave the fleet has; waves not listed count as `waiting`. */
  readonly waves: readonly WaveStatusInput[];
  /** The rollout was started with --allow-downgrade. @default false */
  readonly allowDowngrade?: boolean;
}

/** One drift finding, exactly as `stampyard drift` reports it. */
export interface DriftFinding {
  /** The stamp concerned, or null for a fleet-wide finding. */
  readonly stamp: string | null;
  readonly kind: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export type FileChangeKind = 'added' | 'removed' | 'modified' | 'renamed';

export interface ChangedFile {
  readonly path: string;
  readonly change: FileChangeKind;
}

export interface StampChange {
  readonly name: string;
  /** `rendered` when only the stamp's rendered files changed. */
  readonly change: 'added' | 'removed' | 'changed' | 'rendered';
  /** The stamp's rendered files that changed, sorted by path. */
  readonly renderedFiles: readonly ChangedFile[];
}

export interface TenantChange {
  readonly id: string;
  readonly change: 'placed' | 'moved' | 'unplaced' | 'added' | 'removed';
  /** The stamp at the base. @default - none */
  readonly from?: string;
  /** The stamp now. @default - none */
  readonly to?: string;
}

/** What changed since a base git ref (pull-request mode). */
export interface BaseDiff {
  /** The git ref compared against, as given to `--base`. */
  readonly ref: string;
  /** Stamps added, removed or changed, sorted by name. */
  readonly stamps: readonly StampChange[];
  /** Rendered files that belong to no stamp (fleet-wide output), sorted by path. */
  readonly otherRenderedFiles: readonly ChangedFile[];
  /** Tenants placed, moved, unplaced, added or removed, sorted by id. */
  readonly tenants: readonly TenantChange[];
  /** The routing table's revision at the base and now. @default - absent when there is no table */
  readonly routingRevision: { readonly before?: string; readonly after?: string };
}

/** Everything a report is built from. */
export interface FleetViewInput {
  /** The validated fleet: the intended state. */
  readonly fleet: LoadedFleet;
  /** The time the report is made at; baking time left is measured from it. */
  readonly now: Date;
  /** The rollout state. @default - derived from the stamp files: the target is the highest declared version */
  readonly rollout?: RolloutStatusInput;
  /** Observed state per stamp. @default - none: every stamp's health is `unknown` */
  readonly health?: readonly StampObservation[];
  /** Name of the health source, shown in the report. @default - none */
  readonly healthSource?: string;
  /**
   * Why the health source told nothing (`healthSourceProblem` of the rollout library), shown once.
   * @default - the source answered, or there is none (then the view says how to add one)
   */
  readonly healthProblem?: string;
  /** Drift findings, from the drift library. @default [] */
  readonly drift?: readonly DriftFinding[];
  /** Changes since a base ref. @default - not in pull-request mode */
  readonly base?: BaseDiff;
}

export interface TenantCounts {
  readonly active: number;
  readonly suspended: number;
  /** Tenants with no stamp yet. */
  readonly unplaced: number;
}

export interface RegionView {
  readonly region: string;
  /** Stamp names in this region, sorted. */
  readonly stamps: readonly string[];
}

export interface ZoneView {
  readonly zone: string;
  readonly regions: readonly RegionView[];
  readonly stampCount: number;
  /** Sum of the zone's stamps' capacities. */
  readonly capacityUnits: number;
  /** Sum of the weights of the tenants placed on the zone's stamps. */
  readonly usedUnits: number;
  /** usedUnits / capacityUnits, in percent, one decimal. 0 when there is no capacity. */
  readonly usedPercent: number;
  /** Tenants placed in the zone, or unplaced with this residency. */
  readonly tenants: TenantCounts;
  /** The most free units on one active shared stamp of the zone. */
  readonly largestFreeUnits: number;
  /** The largest weight among the zone's unplaced tenants, or its active tenants when none is unplaced. */
  readonly largestTenantWeight: number;
  /** Why the zone is short of room. Empty when it is fine. */
  readonly warnings: readonly string[];
}

export interface StampView {
  readonly name: string;
  readonly region: string;
  readonly zone: string;
  readonly wave: number;
  readonly status: 'active' | 'draining';
  readonly dedicatedTo?: string;
  readonly declaredVersion: string;
  readonly observedVersion?: string;
  readonly health: HealthWord;
  readonly healthMessage?: string;
  readonly capacityUnits: number;
  readonly usedUnits: number;
  readonly tenantCount: number;
  /** In a promoted or baking wave but not running the target (declared or observed). */
  readonly straggler: boolean;
  /** The messages of the drift errors about this stamp. A stamp with any is never shown healthy. */
  readonly driftErrors: readonly string[];
}

export interface WaveView {
  readonly wave: number;
  readonly state: WaveState;
  readonly stampCount: number;
  /** Stamps whose declared (and, where observed, observed) version is the target. */
  readonly onTarget: number;
  /** Minutes of bake left, rounded up; set for `baking`. */
  readonly bakeMinutesLeft?: number;
  readonly bakeEndsAt?: string;
  readonly reason?: string;
}

/** The fleet view every renderer draws. Deterministic for the same input. */
export interface FleetView {
  readonly fleetName: string;
  readonly domain: string;
  /** ISO-8601 time the report was made at. */
  readonly generatedAt: string;
  readonly healthSource?: string;
  /**
   * Said once instead of "unknown" on every stamp: there is no health source (and the flag that adds one),
   * or the source answered for no stamp, and why.
   * @default - the health source answered
   */
  readonly healthNote?: string;
  /** Releases in the catalog, oldest first. */
  readonly releases: readonly string[];
  readonly targetVersion?: string;
  /** Where the rollout state came from. */
  readonly rolloutSource: 'rollout-state' | 'stamp-files';
  /** The rollout was started with --allow-downgrade (its target is lower than some stamp's version). @default false */
  readonly allowDowngrade?: boolean;
  readonly totals: { readonly stamps: number; readonly regions: number; readonly zones: number; readonly tenants: TenantCounts };
  /** Tenants with residency `any` and no stamp. */
  readonly unplacedAnyResidency: number;
  readonly zones: readonly ZoneView[];
  /** Every stamp, sorted by name. */
  readonly stamps: readonly StampView[];
  readonly waves: readonly WaveView[];
  /** Sorted: errors first, then by stamp, kind, message. */
  readonly drift: readonly DriftFinding[];
  readonly base?: BaseDiff;
  /** The facts a reader must see first: halted waves, zones short of room, stragglers, unhealthy stamps, each drift error. */
  readonly alerts: readonly string[];
}
