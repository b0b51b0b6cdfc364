// One rollout step, planned purely: promote the next batch, or say why not.
import type { FleetView, VersionChange } from './fleet-view.ts';
import { withEvent, type RolloutState } from './state.ts';
import { decideRollout, describeBlocker, type DecisionInput, type RolloutDecision } from './decision.ts';

/**
 * What a promote step does (or, for status and a dry run, would do).
 * - `promoted`: the next batch was set to the target version.
 * - `waiting`: a gate is not met yet (bake time, health, convergence); `until` says when bake time ends.
 * - `waiting-approval`: the next wave is ready but needs `stampyard rollout approve --wave <n>`.
 * - `frozen`: a freeze window is active; `until` is its end.
 * - `complete`: every stamp runs the target, is healthy and baked.
 * - `halted`: a promoted stamp failed (or the rollout was halted before); nothing is promoted.
 * - `rolled-back`: the rollout was rolled back; start a fixed release.
 * - `aborted`: the rollout was abandoned; nothing is promoted.
 * - `blocked`: a stamp can't take the target (upgrade path, target missing); a person must act.
 * - `idle`: no rollout in progress.
 */
export type PromotionAction =
  'promoted' | 'waiting' | 'waiting-approval' | 'frozen' | 'complete' | 'halted' | 'rolled-back' | 'aborted' | 'blocked' | 'idle';

/** What a promote step is planned from: the decision's input. */
export type PromotionInput = DecisionInput;

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
  /** The decision this step was planned from: every wave's and stamp's verdict. */
  readonly decision: RolloutDecision;
}

/**
 * Plans one promote step from the one decision (`decideRollout`). Pure: the same input gives the same plan.
 * Turns the decision's next action into the state to write: a promotion records each stamp's previous
 * version, the time and the revision that promoted it; a failure halts (and, under `onFailure: rollback`,
 * rolls back); a finished rollout is marked complete.
 */
export function planPromotion(input: PromotionInput): PromotionPlan {
  const decision = decideRollout(input);
  return planFromDecision(decision, input);
}

/** The step a decision asks for. Pure. */
export function planFromDecision(decision: RolloutDecision, input: PromotionInput): PromotionPlan {
  const { state, now } = input;
  const next = decision.next;
  const nothing = (action: PromotionAction, reason: string, extra: Partial<PromotionPlan> = {}): PromotionPlan => ({
    action,
    wave: null,
    stamps: [],
    reason,
    changes: [],
    decision,
    ...extra,
  });
  const target = decision.target ?? '';
  const at = now.toISOString();
  switch (next.kind) {
    case 'idle':
      return nothing('idle', 'no rollout in progress; start one with `stampyard rollout start <version>`');
    case 'completed':
      return nothing('complete', `the rollout of ${target} completed at ${next.at}`);
    case 'aborted':
      return nothing('aborted', `the rollout of ${target} was aborted; start a new one with \`stampyard rollout start <version>\``);
    case 'rolled-back':
      return nothing(
        'rolled-back',
        `rolled back after a halt at ${next.at}: ${next.reason}; fix the release and start a new one with \`stampyard rollout start <version>\` (resuming would promote ${target} again)`,
        { wave: next.wave },
      );
    case 'halted':
      return nothing(
        'halted',
        `halted at ${next.at}: ${next.reason}; fix it, then run \`stampyard rollout resume\` (or \`stampyard rollout rollback\`)`,
        { wave: next.wave },
      );
    case 'frozen':
      return nothing('frozen', `freeze window until ${next.until}: ${next.reason}`, { until: next.until });
    case 'blocked':
      return nothing('blocked', next.blockers.map(describeBlocker).join('; '), { wave: next.wave });
    case 'wait': {
      const then = next.nextWave === null ? 'then the rollout is complete' : `then wave ${next.nextWave} gets ${target}`;
      const approvalOnly = next.blockers.every((b) => b.kind === 'approval');
      return nothing(approvalOnly ? 'waiting-approval' : 'waiting', `${next.blockers.map(describeBlocker).join('; ')}; ${then}`, {
        wave: next.nextWave ?? next.wave,
        ...(next.until ? { until: next.until } : {}),
      });
    }
    case 'halt':
      return haltForFailure(decision, input, next.failures, next.wave, next.rollback);
    case 'promote': {
      const s = state!;
      const names = next.changes.map((c) => c.stamp);
      const revision = s.revision + 1;
      const reason = `wave ${next.wave}: ${names.join(', ')} set to ${target}${next.remainingInWave > 0 ? `; ${next.remainingInWave} more in this wave after these are healthy` : ''}`;
      const stamps = new Map(Object.entries(s.stamps));
      for (const c of next.changes) stamps.set(c.stamp, { fromVersion: c.from, promotedAt: at, revision });
      const promoted = withEvent(
        { ...s, revision, stamps: Object.fromEntries(stamps) },
        { at, event: 'promoted', wave: next.wave, stamps: names, message: reason },
      );
      return { action: 'promoted', wave: next.wave, stamps: names, reason, state: promoted, changes: next.changes, decision };
    }
    case 'complete': {
      const s = state!;
      const excluded = Object.entries(s.excluded).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const except =
        excluded.length > 0
          ? `, except ${excluded.length} excluded: ${excluded.map(([name, e]) => `${name} (${e.reason})`).join(', ')}`
          : '';
      const reason = `every stamp runs ${target}, healthy and baked${except}`;
      const done = withEvent(
        { ...s, revision: s.revision + 1, phase: 'complete', completedAt: at },
        { at, event: 'completed', message: reason },
      );
      return { action: 'complete', wave: null, stamps: [], reason, state: done, changes: [], decision };
    }
  }
}

function haltForFailure(
  decision: RolloutDecision,
  input: PromotionInput,
  failures: readonly string[],
  wave: number | null,
  rollback: boolean,
): PromotionPlan {
  const state = input.state!;
  const at = input.now.toISOString();
  const reason = failures.join('; ');
  let next: RolloutState = withEvent(
    { ...state, revision: state.revision + 1, phase: 'halted', halted: { reason, at } },
    { at, event: 'halted', ...(wave !== null ? { wave } : {}), message: reason },
  );
  if (!rollback) {
    return { action: 'halted', wave, stamps: [], reason: `${reason}; halted`, state: next, changes: [], decision };
  }
  const rolledBack = planRollbackChanges(input.fleet, next, input.now);
  next = rolledBack.state;
  return {
    action: 'rolled-back',
    wave,
    stamps: rolledBack.changes.map((c) => c.stamp),
    reason: `${reason}; halted and rolled back ${rolledBack.changes.length} stamp(s)`,
    state: next,
    changes: rolledBack.changes,
    decision,
  };
}

/** Every stamp this rollout promoted back to its previous version; the records are dropped. Pure. */
export function planRollbackChanges(fleet: FleetView, state: RolloutState, now: Date): { state: RolloutState; changes: VersionChange[] } {
  const target = state.target.version;
  const changes: VersionChange[] = [];
  const records = new Map(Object.entries(state.stamps));
  const stamps = new Map(records);
  for (const stamp of [...fleet.stamps].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const record = records.get(stamp.metadata.name);
    if (!record) continue;
    stamps.delete(stamp.metadata.name);
    if (stamp.spec.version === target && record.fromVersion !== target) {
      changes.push({ stamp: stamp.metadata.name, from: target, to: record.fromVersion });
    }
  }
  const at = now.toISOString();
  const next = withEvent(
    { ...state, phase: 'rolled-back', stamps: Object.fromEntries(stamps) },
    {
      at,
      event: 'rolled-back',
      stamps: changes.map((c) => c.stamp),
      message: `${changes.length} stamp(s) returned to their previous versions`,
    },
  );
  return { state: next, changes };
}
