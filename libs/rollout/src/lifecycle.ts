// Starting, halting, resuming and rolling back a rollout: pure state transitions.
import { findRelease } from '@stampyard/stamp-spec';
import { upgradePathProblem, type FleetView, type VersionChange } from './fleet-view.ts';
import { planRollbackChanges } from './promote.ts';
import { isInProgress, newRolloutState, withEvent, type RolloutState } from './state.ts';

/** A state transition: the new state and stamp changes, or the reasons it is refused. */
export type Transition =
  | { readonly ok: true; readonly state: RolloutState; readonly changes: readonly VersionChange[]; readonly message: string }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Whether a new rollout may replace this one: none, complete, or halted with nothing left promoted. */
function canReplace(state: RolloutState | undefined): boolean {
  return !isInProgress(state) || (state.halted !== undefined && Object.keys(state.stamps).length === 0);
}

/**
 * Begins a rollout of `version`. Refuses a version not in the catalog, any stamp whose version is
 * outside the release's upgradeFrom (naming the release it needs first), and a second rollout while one
 * is in progress (a halted rollout whose stamps were all rolled back may be replaced).
 */
export function planStart(fleet: FleetView, state: RolloutState | undefined, version: string, now: Date): Transition {
  const release = findRelease(fleet.spec, version);
  if (!release) {
    return { ok: false, problems: [`${version} is not in the release catalog; use one of ${fleet.spec.releases.map((r) => r.version).join(', ')} or add it to fleet.yaml spec.releases`] };
  }
  const problems: string[] = [];
  if (state && !canReplace(state)) {
    problems.push(
      `a rollout of ${state.target.version} is in progress (started ${state.target.startedAt}${state.halted ? ', halted' : ''}); let it complete, or halt it and run \`stampyard rollout rollback\` first`,
    );
  }
  for (const stamp of [...fleet.stamps].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const problem = upgradePathProblem(fleet.spec, stamp, release);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) return { ok: false, problems };
  const at = now.toISOString();
  const behind = fleet.stamps.filter((s) => s.spec.version !== version).length;
  const message = `rollout of ${version} started: ${behind} of ${fleet.stamps.length} stamps to promote`;
  const fresh = newRolloutState(version, now, state);
  return { ok: true, state: withEvent({ ...fresh, revision: fresh.revision + 1 }, { at, event: 'started', message }), changes: [], message };
}

/** Halts the rollout in progress with a reason; nothing is promoted until resume. */
export function planHalt(state: RolloutState | undefined, reason: string, now: Date): Transition {
  if (!isInProgress(state)) return { ok: false, problems: ['no rollout in progress; nothing to halt'] };
  const at = now.toISOString();
  const next = withEvent({ ...state, revision: state.revision + 1, halted: { reason, at } }, { at, event: 'halted', message: reason });
  return { ok: true, state: next, changes: [], message: `rollout of ${state.target.version} halted: ${reason}` };
}

/** Clears a halt so promote may continue. */
export function planResume(state: RolloutState | undefined, now: Date): Transition {
  if (!isInProgress(state)) return { ok: false, problems: ['no rollout in progress; nothing to resume'] };
  if (!state.halted) return { ok: false, problems: [`the rollout of ${state.target.version} is not halted`] };
  const at = now.toISOString();
  const { halted: _halted, ...rest } = state;
  const message = `rollout of ${state.target.version} resumed (was halted: ${state.halted.reason})`;
  return { ok: true, state: withEvent({ ...rest, revision: state.revision + 1 }, { at, event: 'resumed', message }), changes: [], message };
}

/** Every stamp this rollout promoted back to its recorded previous version; the rollout stays halted. */
export function planRollback(fleet: FleetView, state: RolloutState | undefined, now: Date): Transition {
  if (!isInProgress(state)) return { ok: false, problems: ['no rollout in progress; nothing to roll back'] };
  const at = now.toISOString();
  const halted = state.halted ?? { reason: 'rolled back by hand', at };
  const { state: next, changes } = planRollbackChanges(fleet, { ...state, revision: state.revision + 1, halted }, now);
  return { ok: true, state: next, changes, message: `rolled back ${changes.length} stamp(s) from ${state.target.version}; the rollout is halted` };
}
