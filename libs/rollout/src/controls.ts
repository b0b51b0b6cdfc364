// The controls people use on a rollout under way: approve a wave, exclude or include a stamp, abort.
// Pure state transitions; each is written as one commit through the same lock and compare-and-swap as
// every other rollout step. What they mean for promotion is decided in one place, `decideRollout`.
import type { FleetView, VersionChange } from './fleet-view.ts';
import type { Transition } from './lifecycle.ts';
import { isUnderWay, phaseOf } from './phase.ts';
import { planRollbackChanges } from './promote.ts';
import { withEvent, type RolloutState } from './state.ts';

const nothingUnderWay = (what: string): Transition => ({
  ok: false,
  problems: [`no rollout in progress; nothing to ${what}. Start one with \`stampyard rollout start <version>\``],
});

/** The stamp names of `wave`, sorted. */
function waveMembers(fleet: FleetView, wave: number): string[] {
  return fleet.stamps
    .filter((s) => s.spec.wave === wave)
    .map((s) => s.metadata.name)
    .sort();
}

export interface ApproveOptions {
  readonly wave: number;
  /** Who approves. */
  readonly by: string;
  /** Why, for the record. @default - none */
  readonly reason?: string;
}

/**
 * Records a person's approval of one wave of the rollout under way. Refused for a wave fleet.yaml does
 * not list under `rollout.approval.waves`, a wave with no stamps, a wave already promoted, and a second
 * approval of the same wave. An approval belongs to this rollout only: `start` begins with none.
 */
export function planApprove(fleet: FleetView, state: RolloutState | undefined, options: ApproveOptions, now: Date): Transition {
  if (!isUnderWay(state)) return nothingUnderWay('approve');
  const { wave, by } = options;
  const waves = fleet.spec.rollout.approval.waves;
  const members = waveMembers(fleet, wave);
  const problems: string[] = [];
  if (by.trim() === '') problems.push('--by: name who approves, e.g. --by alice');
  if (members.length === 0) {
    const known = [...new Set(fleet.stamps.map((s) => s.spec.wave))].sort((a, b) => a - b);
    problems.push(`wave ${wave} has no stamps; the fleet's waves are ${known.join(', ')}`);
  } else if (!waves.includes(wave)) {
    problems.push(
      `wave ${wave} needs no approval: fleet.yaml rollout.approval.waves lists ${waves.length > 0 ? waves.join(', ') : 'none'}`,
    );
  }
  const earlier = state.approvals.find((a) => a.wave === wave);
  if (earlier)
    problems.push(`wave ${wave} of the rollout of ${state.target.version} was already approved by ${earlier.by} at ${earlier.at}`);
  const excluded = new Set(Object.keys(state.excluded));
  const included = members.filter((name) => !excluded.has(name));
  const onTarget = new Set(fleet.stamps.filter((s) => s.spec.version === state.target.version).map((s) => s.metadata.name));
  if (members.length > 0 && included.every((name) => onTarget.has(name))) {
    problems.push(`wave ${wave} already runs ${state.target.version}; there is nothing left to approve`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const at = now.toISOString();
  const reason = options.reason?.trim() ? options.reason.trim() : undefined;
  const message = `wave ${wave} of the rollout of ${state.target.version} approved by ${by}${reason ? `: ${reason}` : ''}`;
  const next = withEvent(
    { ...state, revision: state.revision + 1, approvals: [...state.approvals, { wave, by, at, ...(reason ? { reason } : {}) }] },
    { at, event: 'approved', wave, message },
  );
  return { ok: true, state: next, changes: [], message };
}

/**
 * Keeps one stamp out of the rollout under way: it is never promoted and never holds its wave, and the
 * rollout completes without it. A stamp the rollout already promoted stays where it is (and its health
 * no longer holds the rollout); `rollback` and `abort --rollback` still return it.
 */
export function planExclude(fleet: FleetView, state: RolloutState | undefined, stamp: string, reason: string, now: Date): Transition {
  if (!isUnderWay(state)) return nothingUnderWay('exclude a stamp from');
  const found = fleet.stamps.find((s) => s.metadata.name === stamp);
  const problems: string[] = [];
  if (!found) problems.push(`no stamp named '${stamp}'; see stamps/*.yaml`);
  if (reason.trim() === '') problems.push('--reason: say why the stamp is kept out, e.g. --reason "cluster upgrade in progress"');
  if (Object.hasOwn(state.excluded, stamp))
    problems.push(`${stamp} is already excluded (${state.excluded[stamp]!.reason}, at ${state.excluded[stamp]!.at})`);
  if (problems.length > 0) return { ok: false, problems };
  const at = now.toISOString();
  const promoted = Object.hasOwn(state.stamps, stamp);
  const excluded: RolloutState['excluded'] = Object.assign(Object.create(null) as RolloutState['excluded'], state.excluded, {
    [stamp]: { reason: reason.trim(), at },
  });
  const message = `${stamp} (wave ${found!.spec.wave}) excluded from the rollout of ${state.target.version}: ${reason.trim()}${
    promoted ? `; it stays on ${found!.spec.version}, and its health no longer holds the rollout` : `; it stays on ${found!.spec.version}`
  }`;
  const next = withEvent(
    { ...state, revision: state.revision + 1, excluded },
    { at, event: 'excluded', wave: found!.spec.wave, stamps: [stamp], message },
  );
  return { ok: true, state: next, changes: [], message };
}

/** Takes an excluded stamp back into the rollout under way; promote treats it like any other stamp of its wave again. */
export function planInclude(fleet: FleetView, state: RolloutState | undefined, stamp: string, now: Date): Transition {
  if (!isUnderWay(state)) return nothingUnderWay('include a stamp in');
  if (!Object.hasOwn(state.excluded, stamp)) {
    const excluded = Object.keys(state.excluded).sort();
    return {
      ok: false,
      problems: [
        `${stamp} is not excluded from the rollout of ${state.target.version}${excluded.length ? `; excluded: ${excluded.join(', ')}` : '; no stamp is'}`,
      ],
    };
  }
  const at = now.toISOString();
  const excluded: RolloutState['excluded'] = Object.create(null) as RolloutState['excluded'];
  for (const [name, entry] of Object.entries(state.excluded)) if (name !== stamp) excluded[name] = entry;
  const wave = fleet.stamps.find((s) => s.metadata.name === stamp)?.spec.wave;
  const message = `${stamp} included in the rollout of ${state.target.version} again (it was excluded: ${state.excluded[stamp]!.reason})`;
  const next = withEvent(
    { ...state, revision: state.revision + 1, excluded },
    { at, event: 'included', ...(wave !== undefined ? { wave } : {}), stamps: [stamp], message },
  );
  return { ok: true, state: next, changes: [], message };
}

/**
 * Ends the rollout under way (progressing or halted) as `aborted`. Stamps stay where they are, or with
 * `rollback` every stamp this rollout promoted returns to its previous version. A new `start` is then allowed.
 */
export function planAbort(
  fleet: FleetView,
  state: RolloutState | undefined,
  options: { readonly rollback?: boolean; readonly reason?: string },
  now: Date,
): Transition {
  if (state === undefined) return nothingUnderWay('abort');
  const phase = phaseOf(state);
  if (phase !== 'progressing' && phase !== 'halted') {
    return {
      ok: false,
      problems: [
        `the rollout of ${state.target.version} is already ${phase}; nothing to abort. Start a new one with \`stampyard rollout start <version>\``,
      ],
    };
  }
  const at = now.toISOString();
  let next: RolloutState = { ...state, revision: state.revision + 1 };
  let changes: VersionChange[] = [];
  if (options.rollback) ({ state: next, changes } = planRollbackChanges(fleet, next, now));
  const why = options.reason?.trim() ? `: ${options.reason.trim()}` : '';
  const stayed = Object.keys(state.stamps).length;
  const message = options.rollback
    ? `rollout of ${state.target.version} aborted${why}; ${changes.length} stamp(s) returned to their previous versions`
    : `rollout of ${state.target.version} aborted${why}; ${stayed} promoted stamp(s) stay on ${state.target.version}`;
  next = withEvent(
    { ...next, phase: 'aborted' },
    { at, event: 'aborted', ...(changes.length ? { stamps: changes.map((c) => c.stamp) } : {}), message },
  );
  return { ok: true, state: next, changes, message };
}
