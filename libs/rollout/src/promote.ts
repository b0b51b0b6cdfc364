// One rollout step, planned purely: promote the next batch, or say why not.
import { findRelease, type Stamp } from '@stampyard/stamp-spec';
import { healthVerdict, describeHealth, type HealthReport } from './health/report.ts';
import { activeFreezeWindow, bakeMinutesFor, groupByWave } from './policy.ts';
import { upgradePathProblem, type FleetView, type VersionChange } from './fleet-view.ts';
import { withEvent, type RolloutState } from './state.ts';

/**
 * What a promote step does.
 * - `promoted`: the next batch was set to the target version.
 * - `waiting`: a gate is not met yet (bake time, health); `until` says when bake time ends.
 * - `frozen`: a freeze window is active; `until` is its end.
 * - `complete`: every stamp runs the target, is healthy and baked.
 * - `halted`: a promoted stamp failed (or the rollout was halted before); nothing is promoted.
 * - `blocked`: a stamp can't take the target (upgrade path, target missing); a person must act.
 * - `idle`: no rollout in progress.
 */
export type PromotionAction = 'promoted' | 'waiting' | 'frozen' | 'complete' | 'halted' | 'blocked' | 'idle';

export interface PromotionInput {
  readonly fleet: FleetView;
  /** rollout.yaml; undefined when there is none. */
  readonly state: RolloutState | undefined;
  readonly health: HealthReport;
  readonly now: Date;
  /**
   * When the current rollout.yaml landed on the branch Flux follows (its last
   * commit there). A promotion takes effect only once its pull request is
   * merged, so bake time and the grace for a stamp to converge count from no
   * earlier than this: review and merge time never shorten a bake.
   * @default - the recorded promotion times alone
   */
  readonly landedAt?: Date;
}

export interface PromotionPlan {
  readonly action: PromotionAction;
  /** The wave concerned, or null. */
  readonly wave: number | null;
  /** Stamps whose version this step changes (promoted, or rolled back). */
  readonly stamps: readonly string[];
  /** Why, in a sentence. */
  readonly reason: string;
  /** ISO time the wait or freeze ends, when known. @default - none */
  readonly until?: string;
  /** The state to write; undefined when nothing changes. */
  readonly state?: RolloutState;
  /** Stamp version changes to write. */
  readonly changes: readonly VersionChange[];
}

const nothing = (action: PromotionAction, reason: string, extra: Partial<PromotionPlan> = {}): PromotionPlan => ({
  action,
  wave: null,
  stamps: [],
  reason,
  changes: [],
  ...extra,
});

/**
 * Plans one promote step. Pure: the same input gives the same plan.
 *
 * Gates, in order: no rollout → idle; halted → halted; freeze window → frozen; any stamp already on the
 * target that is not ready, or runs another version (except one still on its previous version within
 * its wave's bake time, which Flux may not have applied yet) → halted (and rolled back under
 * `onFailure: rollback`). Then the first wave with stamps below the target gets its next batch of at most
 * `maxStampsPerStep` stamps, once every stamp of every earlier wave is healthy and each earlier wave has
 * baked since its last promotion, and the batch promoted before in the same wave is healthy. Batches
 * within a wave do not bake; the wave bakes once, from its last promotion. A stamp whose health is
 * unknown is never healthy: the rollout waits for it, but does not halt.
 */
export function planPromotion(input: PromotionInput): PromotionPlan {
  const { fleet, state, health, now } = input;
  if (state === undefined) return nothing('idle', 'no rollout in progress; start one with `stampyard rollout start <version>`');
  const target = state.target.version;
  if (state.phase === 'complete') {
    return nothing('complete', `the rollout of ${target} completed at ${state.completedAt ?? state.target.startedAt}`);
  }
  if (state.halted) {
    return nothing('halted', `halted at ${state.halted.at}: ${state.halted.reason}; fix it, then run \`stampyard rollout resume\``);
  }
  const policy = fleet.spec.rollout;
  const freeze = activeFreezeWindow(policy, now);
  if (freeze) {
    return nothing('frozen', `freeze window until ${freeze.end}: ${freeze.reason}`, { until: new Date(freeze.end).toISOString() });
  }
  const release = findRelease(fleet.spec, target);
  if (!release) {
    return nothing('blocked', `the target ${target} is no longer in the release catalog; add it back to fleet.yaml or roll back`);
  }

  const failure = findFailures(input, target);
  if (failure.length > 0) return haltForFailure(input, state, failure);

  const waves = groupByWave(fleet.stamps);
  let gateEnd = 0;
  let gateWave: number | null = null;
  const earlierUnhealthy: Stamp[] = [];
  for (const { wave, stamps } of waves) {
    const pending = stamps.filter((s) => s.spec.version !== target);
    if (pending.length === 0) {
      earlierUnhealthy.push(...stamps.filter((s) => healthVerdict(health, s.metadata.name, target) !== 'healthy'));
      const bakeEnd = effectiveStart(lastPromotion(state, stamps), input.landedAt) + bakeMinutesFor(policy, wave) * 60_000;
      if (bakeEnd > gateEnd) {
        gateEnd = bakeEnd;
        gateWave = wave;
      }
      continue;
    }
    const sameWaveUnhealthy = stamps.filter((s) => s.spec.version === target && healthVerdict(health, s.metadata.name, target) !== 'healthy');
    const unhealthy = [...earlierUnhealthy, ...sameWaveUnhealthy];
    if (unhealthy.length > 0) return waitForHealth(health, unhealthy, wave);
    if (gateEnd > now.getTime()) {
      return nothing('waiting', `wave ${gateWave} bakes until ${new Date(gateEnd).toISOString()}; then wave ${wave} gets ${target}`, {
        wave,
        until: new Date(gateEnd).toISOString(),
      });
    }
    const problems = pending.map((s) => upgradePathProblem(fleet.spec, s, release)).filter((p) => p !== undefined);
    if (problems.length > 0) return nothing('blocked', problems.join('; '), { wave });
    const batch = pending.slice(0, policy.maxStampsPerStep ?? pending.length);
    const changes = batch.map((s) => ({ stamp: s.metadata.name, from: s.spec.version, to: target }));
    const names = changes.map((c) => c.stamp);
    const at = now.toISOString();
    const rest = pending.length - batch.length;
    const reason = `wave ${wave}: ${names.join(', ')} set to ${target}${rest > 0 ? `; ${rest} more in this wave after these are healthy` : ''}`;
    let next: RolloutState = {
      ...state,
      revision: state.revision + 1,
      stamps: { ...state.stamps, ...Object.fromEntries(changes.map((c) => [c.stamp, { fromVersion: c.from, promotedAt: at }])) },
    };
    next = withEvent(next, { at, event: 'promoted', wave, stamps: names, message: reason });
    return { action: 'promoted', wave, stamps: names, reason, state: next, changes };
  }

  if (earlierUnhealthy.length > 0) return waitForHealth(health, earlierUnhealthy, null);
  if (gateEnd > now.getTime()) {
    return nothing('waiting', `wave ${gateWave} bakes until ${new Date(gateEnd).toISOString()}; then the rollout is complete`, {
      wave: gateWave,
      until: new Date(gateEnd).toISOString(),
    });
  }
  const at = now.toISOString();
  const reason = `every stamp runs ${target}, healthy and baked`;
  const next = withEvent({ ...state, revision: state.revision + 1, phase: 'complete', completedAt: at }, { at, event: 'completed', message: reason });
  return { action: 'complete', wave: null, stamps: [], reason, state: next, changes: [] };
}

/** When a promotion took effect: not before it landed. 0 (never promoted) stays 0. */
function effectiveStart(promotedMs: number, landedAt: Date | undefined): number {
  return promotedMs === 0 || landedAt === undefined ? promotedMs : Math.max(promotedMs, landedAt.getTime());
}

/** The latest promotion time of these stamps in this rollout, in ms; 0 when none was promoted by it. */
function lastPromotion(state: RolloutState, stamps: readonly Stamp[]): number {
  let last = 0;
  for (const s of stamps) {
    const record = state.stamps[s.metadata.name];
    if (record) last = Math.max(last, Date.parse(record.promotedAt));
  }
  return last;
}

function waitForHealth(health: HealthReport, stamps: readonly Stamp[], wave: number | null): PromotionPlan {
  const shown = stamps.slice(0, 5).map((s) => `${s.metadata.name} (${describeHealth(health, s.metadata.name)})`);
  const more = stamps.length > 5 ? ` and ${stamps.length - 5} more` : '';
  return nothing('waiting', `waiting for ${shown.join(', ')}${more} to be ready on the target version`, { wave });
}

/** Stamps on the target that failed: not ready, or running a version that is neither the target nor a still-converging previous one. */
function findFailures(input: PromotionInput, target: string): string[] {
  const { fleet, state, health, now } = input;
  const failures: string[] = [];
  for (const stamp of fleet.stamps) {
    if (stamp.spec.version !== target) continue;
    const name = stamp.metadata.name;
    const verdict = healthVerdict(health, name, target);
    if (verdict === 'unready') failures.push(`${name} is not ready (${describeHealth(health, name)})`);
    if (verdict === 'wrong-version') {
      const record = state?.stamps[name];
      const observed = health.stamps[name]?.version;
      const converging =
        record !== undefined &&
        observed === record.fromVersion &&
        now.getTime() < effectiveStart(Date.parse(record.promotedAt), input.landedAt) + bakeMinutesFor(fleet.spec.rollout, stamp.spec.wave) * 60_000;
      if (!converging) failures.push(`${name} runs ${observed ?? 'an unknown version'}, expected ${target}`);
    }
  }
  return failures;
}

function haltForFailure(input: PromotionInput, state: RolloutState, failures: readonly string[]): PromotionPlan {
  const at = input.now.toISOString();
  const reason = failures.join('; ');
  let next: RolloutState = withEvent(
    { ...state, revision: state.revision + 1, halted: { reason, at } },
    { at, event: 'halted', message: reason },
  );
  if (input.fleet.spec.rollout.onFailure !== 'rollback') {
    return { action: 'halted', wave: null, stamps: [], reason: `${reason}; halted`, state: next, changes: [] };
  }
  const rollback = planRollbackChanges(input.fleet, next, input.now);
  next = rollback.state;
  return {
    action: 'halted',
    wave: null,
    stamps: rollback.changes.map((c) => c.stamp),
    reason: `${reason}; halted and rolled back ${rollback.changes.length} stamp(s)`,
    state: next,
    changes: rollback.changes,
  };
}

/** Every stamp this rollout promoted back to its previous version; the records are dropped. Pure. */
export function planRollbackChanges(fleet: FleetView, state: RolloutState, now: Date): { state: RolloutState; changes: VersionChange[] } {
  const target = state.target.version;
  const changes: VersionChange[] = [];
  const stamps = { ...state.stamps };
  for (const stamp of [...fleet.stamps].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const record = state.stamps[stamp.metadata.name];
    if (!record) continue;
    delete stamps[stamp.metadata.name];
    if (stamp.spec.version === target && record.fromVersion !== target) {
      changes.push({ stamp: stamp.metadata.name, from: target, to: record.fromVersion });
    }
  }
  const at = now.toISOString();
  const next = withEvent(
    { ...state, stamps },
    { at, event: 'rolled-back', stamps: changes.map((c) => c.stamp), message: `${changes.length} stamp(s) returned to their previous versions` },
  );
  return { state: next, changes };
}
