// What a rollout would do: waves, bake times and blockers. Pure.
import semver from 'semver';
import { activeFreezeWindow, bakeMinutesFor, groupByWave } from './policy.ts';
import type { FleetView } from './fleet-view.ts';
import { isUnderWay } from './phase.ts';
import { startProblems } from './lifecycle.ts';
import { planPromotion, type PromotionPlan } from './promote.ts';
import { decideRollout, describeBlocker, type DecisionInput, type RolloutDecision, type StampDecision } from './decision.ts';

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

/**
 * Plans a rollout of `target`: waves in order, bake times and whatever blocks it. For the rollout under
 * way, the blockers are the decision's (halted, blocked); for another version, what `start` would refuse.
 */
export function planRollout(input: DecisionInput & { readonly target: string; readonly allowDowngrade?: boolean }): RolloutPlan {
  const { fleet, state, target, now } = input;
  const policy = fleet.spec.rollout;
  const blockers: string[] = [];
  const current = isUnderWay(state) && state.target.version === target;
  if (current) {
    const next = decideRollout(input).next;
    if (next.kind === 'halted') blockers.push(`the rollout is halted since ${next.at}: ${next.reason}`);
    if (next.kind === 'blocked') blockers.push(...next.blockers.map(describeBlocker));
  } else {
    blockers.push(...startProblems(fleet, state, target, { allowDowngrade: input.allowDowngrade === true }));
  }
  const freeze = activeFreezeWindow(policy, now);
  if (freeze) blockers.push(`freeze window until ${freeze.end}: ${freeze.reason}`);
  const batch = policy.maxStampsPerStep;
  let steps = 0;
  const waves = groupByWave(fleet.stamps).map(({ wave, stamps }) => {
    const pending = stamps.filter((s) => s.spec.version !== target).length;
    steps += pending === 0 ? 0 : Math.ceil(pending / (batch ?? pending));
    return {
      wave,
      bakeMinutes: bakeMinutesFor(policy, wave),
      stamps: stamps.map((s) => ({ name: s.metadata.name, version: s.spec.version, done: s.spec.version === target })),
    };
  });
  return { target, waves, steps, blockers };
}

export interface RolloutStatus {
  /** 'none' without rollout.yaml; else rollout.yaml's phase. */
  readonly phase: RolloutDecision['phase'];
  readonly target: string | null;
  /** Whether the rollout was started with --allow-downgrade. */
  readonly allowDowngrade: boolean;
  /** The first halt reason, when halted or rolled back. */
  readonly halted: { readonly reason: string; readonly at: string } | null;
  readonly waves: RolloutDecision['waves'];
  readonly stamps: readonly StampStatus[];
  /** What promote would do now. */
  readonly next: PromotionPlan;
}

export interface StampStatus extends StampDecision {
  /** Whole minutes since its bake started (landing, else promotion), or null. */
  readonly minutesSincePromotion: number | null;
}

/** Every stamp against the rollout, and what happens next (promote's plan, not applied). */
export function planStatus(input: DecisionInput): RolloutStatus {
  const next = planPromotion(input);
  const { decision } = next;
  const state = input.state;
  return {
    phase: decision.phase,
    target: decision.target,
    allowDowngrade: state?.target.allowDowngrade === true,
    halted: decision.phase === 'halted' || decision.phase === 'rolled-back' ? (state?.halted ?? null) : null,
    waves: decision.waves,
    stamps: decision.stamps.map((s) => ({
      ...s,
      minutesSincePromotion: s.bakeStartsAt === null ? null : Math.floor((input.now.getTime() - Date.parse(s.bakeStartsAt)) / 60_000),
    })),
    next,
  };
}
