// What a rollout would do: waves, bake times and blockers. Pure.
import semver from 'semver';
import { findRelease } from '@stampyard/stamp-spec';
import { activeFreezeWindow, bakeMinutesFor, groupByWave } from './policy.ts';
import { upgradePathProblem, type FleetView } from './fleet-view.ts';
import { isInProgress, type RolloutState } from './state.ts';
import { healthVerdict, describeHealth, type HealthReport } from './health/report.ts';
import { planPromotion, type PromotionPlan } from './promote.ts';

export interface PlannedStamp {
  readonly name: string;
  readonly version: string;
  /** Whether the stamp already runs the target. */
  readonly done: boolean;
}

export interface PlannedWave {
  readonly wave: number;
  readonly bakeMinutes: number;
  readonly stamps: readonly PlannedStamp[];
}

export interface RolloutPlan {
  readonly target: string;
  readonly waves: readonly PlannedWave[];
  /** Steps `promote` would take at most: batches per wave. */
  readonly steps: number;
  /** What would stop the rollout; empty when it can start (or continue). */
  readonly blockers: readonly string[];
}

/** The newest release in the catalog. */
export function newestRelease(fleet: FleetView): string {
  return [...fleet.spec.releases].sort((a, b) => semver.rcompare(a.version, b.version))[0]!.version;
}

/** Plans a rollout of `target`: waves in order, bake times and whatever blocks it. */
export function planRollout(fleet: FleetView, state: RolloutState | undefined, target: string, now: Date): RolloutPlan {
  const policy = fleet.spec.rollout;
  const blockers: string[] = [];
  const release = findRelease(fleet.spec, target);
  if (!release) blockers.push(`${target} is not in the release catalog; use one of ${fleet.spec.releases.map((r) => r.version).join(', ')}`);
  if (isInProgress(state)) {
    if (state.target.version !== target) blockers.push(`a rollout of ${state.target.version} is in progress`);
    if (state.halted) blockers.push(`the rollout is halted since ${state.halted.at}: ${state.halted.reason}`);
  }
  const freeze = activeFreezeWindow(policy, now);
  if (freeze) blockers.push(`freeze window until ${freeze.end}: ${freeze.reason}`);
  const batch = policy.maxStampsPerStep;
  let steps = 0;
  const waves = groupByWave(fleet.stamps).map(({ wave, stamps }) => {
    const pending = stamps.filter((s) => s.spec.version !== target).length;
    steps += pending === 0 ? 0 : Math.ceil(pending / (batch ?? pending));
    if (release) for (const s of stamps) {
      const problem = upgradePathProblem(fleet.spec, s, release);
      if (problem) blockers.push(problem);
    }
    return {
      wave,
      bakeMinutes: bakeMinutesFor(policy, wave),
      stamps: stamps.map((s) => ({ name: s.metadata.name, version: s.spec.version, done: s.spec.version === target })),
    };
  });
  return { target, waves, steps, blockers };
}

export interface StampStatus {
  readonly name: string;
  readonly wave: number;
  readonly declared: string;
  /** Observed version, or null when unknown. */
  readonly observed: string | null;
  /** 'healthy' | 'unknown' | 'unready' | 'wrong-version', against the declared version. */
  readonly health: string;
  readonly detail: string;
  /** When this rollout promoted the stamp, or null. */
  readonly promotedAt: string | null;
  /** Whole minutes since then, or null. */
  readonly minutesSincePromotion: number | null;
}

export interface RolloutStatus {
  /** 'none' | 'progressing' | 'halted' | 'complete'. */
  readonly phase: 'none' | 'progressing' | 'halted' | 'complete';
  readonly target: string | null;
  readonly stamps: readonly StampStatus[];
  /** What promote would do now. */
  readonly next: PromotionPlan;
}

/** Every stamp against the rollout, and what happens next (promote's plan, not applied). */
export function planStatus(input: { fleet: FleetView; state: RolloutState | undefined; health: HealthReport; now: Date }): RolloutStatus {
  const { fleet, state, health, now } = input;
  const stamps = [...fleet.stamps]
    .sort((a, b) => a.spec.wave - b.spec.wave || a.metadata.name.localeCompare(b.metadata.name))
    .map((s) => {
      const name = s.metadata.name;
      const record = state?.stamps[name];
      return {
        name,
        wave: s.spec.wave,
        declared: s.spec.version,
        observed: health.stamps[name]?.version ?? null,
        health: healthVerdict(health, name, s.spec.version),
        detail: describeHealth(health, name),
        promotedAt: record?.promotedAt ?? null,
        minutesSincePromotion: record ? Math.floor((now.getTime() - Date.parse(record.promotedAt)) / 60_000) : null,
      };
    });
  const phase = state === undefined ? 'none' : state.phase === 'complete' ? 'complete' : state.halted ? 'halted' : 'progressing';
  return { phase, target: state?.target.version ?? null, stamps, next: planPromotion(input) };
}
