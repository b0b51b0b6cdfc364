// Starting, halting, resuming and rolling back a rollout: pure state transitions.
import semver from 'semver';
import { findRelease } from '@stampyard/stamp-spec';
import { upgradePathProblem, type FleetView, type VersionChange } from './fleet-view.ts';
import { planRollbackChanges } from './promote.ts';
import { isUnderWay, phaseOf } from './phase.ts';
import { newRolloutState, withEvent, type RolloutState } from './state.ts';

/** A state transition: the new state and stamp changes, or the reasons it is refused. */
export type Transition =
  | { readonly ok: true; readonly state: RolloutState; readonly changes: readonly VersionChange[]; readonly message: string }
  | { readonly ok: false; readonly problems: readonly string[] };

export interface StartOptions {
  /**
   * Allow a target lower than some stamp's current version; recorded in rollout.yaml.
   * @default false
   */
  readonly allowDowngrade?: boolean;
}

/**
 * Whether a new rollout may replace this one: none, complete, rolled back or aborted. A halted rollout
 * still has promoted stamps: roll it back (or resume it) first.
 */
function canReplace(state: RolloutState | undefined): boolean {
  return !isUnderWay(state);
}

/**
 * Everything that stops a rollout of `version` from starting: a version not in the catalog, a rollout
 * under way, any stamp outside the release's upgradeFrom (naming the release it needs first), and a
 * downgrade (any stamp on a higher version) unless `allowDowngrade`. `plan` and `start` both ask this.
 */
export function startProblems(fleet: FleetView, state: RolloutState | undefined, version: string, options: StartOptions = {}): string[] {
  const release = findRelease(fleet.spec, version);
  if (!release) {
    return [
      `${version} is not in the release catalog; use one of ${fleet.spec.releases.map((r) => r.version).join(', ')} or add it to fleet.yaml spec.releases`,
    ];
  }
  const problems: string[] = [];
  if (state && !canReplace(state)) {
    const halted = phaseOf(state) === 'halted';
    problems.push(
      `a rollout of ${state.target.version} is ${halted ? 'halted' : 'in progress'} (started ${state.target.startedAt}); ${
        halted
          ? 'roll it back with `stampyard rollout rollback`, or resume it'
          : 'let it complete, or halt it and run `stampyard rollout rollback` first'
      }`,
    );
  }
  const stamps = [...fleet.stamps].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const stamp of stamps) {
    const problem = upgradePathProblem(fleet.spec, stamp, release);
    if (problem) problems.push(problem);
  }
  const higher = stamps.filter((s) => semver.valid(s.spec.version) !== null && semver.gt(s.spec.version, version));
  if (higher.length > 0 && !options.allowDowngrade) {
    const shown = higher
      .slice(0, 10)
      .map((s) => `${s.metadata.name} (${s.spec.version})`)
      .join(', ');
    problems.push(
      `${version} is a downgrade for ${higher.length} stamp(s): ${shown}${higher.length > 10 ? ', ...' : ''}; roll out a version at least as high, or pass --allow-downgrade if you mean it`,
    );
  }
  return problems;
}

/** Begins a rollout of `version`, or says every reason it can't (`startProblems`). */
export function planStart(
  fleet: FleetView,
  state: RolloutState | undefined,
  version: string,
  now: Date,
  options: StartOptions = {},
): Transition {
  const problems = startProblems(fleet, state, version, options);
  if (problems.length > 0) return { ok: false, problems };
  const at = now.toISOString();
  const behind = fleet.stamps.filter((s) => s.spec.version !== version).length;
  const downgrade =
    options.allowDowngrade && fleet.stamps.some((s) => semver.gt(s.spec.version, version))
      ? ' (a downgrade, allowed with --allow-downgrade)'
      : '';
  const message = `rollout of ${version} started${downgrade}: ${behind} of ${fleet.stamps.length} stamps to promote`;
  const fresh = newRolloutState(version, now, state, { allowDowngrade: options.allowDowngrade === true });
  return {
    ok: true,
    state: withEvent({ ...fresh, revision: fresh.revision + 1 }, { at, event: 'started', message }),
    changes: [],
    message,
  };
}

/**
 * Halts the rollout under way with a reason; nothing is promoted until resume. A second halt is appended
 * to the history, and the first reason stays the headline.
 */
export function planHalt(state: RolloutState | undefined, reason: string, now: Date): Transition {
  if (!isUnderWay(state)) return { ok: false, problems: ['no rollout in progress; nothing to halt'] };
  const at = now.toISOString();
  const already = phaseOf(state) === 'halted';
  const halted = already && state.halted ? state.halted : { reason, at };
  const next = withEvent({ ...state, revision: state.revision + 1, phase: 'halted', halted }, { at, event: 'halted', message: reason });
  const message = already
    ? `rollout of ${state.target.version} was already halted (${halted.reason}); recorded: ${reason}`
    : `rollout of ${state.target.version} halted: ${reason}`;
  return { ok: true, state: next, changes: [], message };
}

/**
 * Clears a halt so promote may continue. After a rollback it refuses (resuming would promote the bad
 * release again) unless `force`.
 */
export function planResume(state: RolloutState | undefined, now: Date, options: { readonly force?: boolean } = {}): Transition {
  if (state === undefined) return { ok: false, problems: ['no rollout in progress; nothing to resume'] };
  const phase = phaseOf(state);
  if (phase === 'rolled-back' && !options.force) {
    return {
      ok: false,
      problems: [
        `the rollout of ${state.target.version} was rolled back (${state.halted?.reason ?? 'by hand'}); resuming would promote ${state.target.version} again. Start a fixed release with \`stampyard rollout start <version>\`, or pass --force to resume anyway`,
      ],
    };
  }
  if (phase !== 'halted' && phase !== 'rolled-back') {
    return {
      ok: false,
      problems: [
        phase === 'progressing'
          ? `the rollout of ${state.target.version} is not halted`
          : `the rollout of ${state.target.version} is ${phase}; nothing to resume`,
      ],
    };
  }
  const at = now.toISOString();
  const { halted: _halted, ...rest } = state;
  const message = `rollout of ${state.target.version} resumed (was ${phase === 'halted' ? 'halted' : 'rolled back'}: ${state.halted?.reason ?? 'by hand'})`;
  return {
    ok: true,
    state: withEvent({ ...rest, phase: 'progressing', revision: state.revision + 1 }, { at, event: 'resumed', message }),
    changes: [],
    message,
  };
}

/** Every stamp this rollout promoted back to its recorded previous version; the phase becomes rolled-back. */
export function planRollback(fleet: FleetView, state: RolloutState | undefined, now: Date): Transition {
  if (!isUnderWay(state)) return { ok: false, problems: ['no rollout in progress; nothing to roll back'] };
  const at = now.toISOString();
  const halted = state.halted ?? { reason: 'rolled back by hand', at };
  const { state: next, changes } = planRollbackChanges(fleet, { ...state, revision: state.revision + 1, halted }, now);
  return {
    ok: true,
    state: next,
    changes,
    message: `rolled back ${changes.length} stamp(s) from ${state.target.version}; start a fixed release to continue`,
  };
}
