// The one rollout decision: every wave and stamp against the rollout, and the next action. Pure.
//
// `promote`, `status`, `plan`, `drift`, the report and `stampyard dev` all read this, so they can never
// disagree about a bake, a health verdict or what happens next.
import { findRelease, type Stamp } from '@stampyard/stamp-spec';
import { describeHealth, healthVerdict, stampHealth, type HealthReport, type HealthVerdict } from './health/report.ts';
import { activeFreezeWindow, bakeMinutesFor, groupByWave } from './policy.ts';
import { upgradePathProblem, type FleetView, type VersionChange } from './fleet-view.ts';
import { phaseOf, type RolloutPhase } from './phase.ts';
import type { RolloutState, RolloutStampRecord } from './state.ts';
import { bakeStartOf, type Landing } from './landing.ts';

export interface DecisionInput {
  readonly fleet: FleetView;
  /** rollout.yaml; undefined when there is none. */
  readonly state: RolloutState | undefined;
  readonly health: HealthReport;
  readonly now: Date;
  /**
   * The first-parent commits that changed rollout.yaml, oldest first (see `readLandings`). A promotion's
   * bake starts when the first commit holding it landed; without one, at its recorded `promotedAt`.
   * @default [] - no history: every bake counts from promotedAt
   */
  readonly landings?: readonly Landing[];
}

/** Why something can't go ahead yet. */
export type Blocker =
  | { readonly kind: 'bake'; readonly wave: number; readonly until: string }
  | { readonly kind: 'approval'; readonly wave: number }
  | { readonly kind: 'health'; readonly wave: number; readonly stamps: readonly StampHealthNote[] }
  | { readonly kind: 'freeze'; readonly until: string; readonly reason: string }
  | { readonly kind: 'upgrade-path'; readonly stamp: string; readonly message: string }
  | { readonly kind: 'target-missing'; readonly version: string }
  | { readonly kind: 'halted'; readonly reason: string; readonly at: string };

export interface StampHealthNote {
  readonly stamp: string;
  readonly verdict: HealthVerdict;
  readonly detail: string;
  /** Within its progress deadline: not a failure yet. */
  readonly converging: boolean;
}

/** One stamp against the rollout. */
export interface StampDecision {
  readonly name: string;
  readonly wave: number;
  /** spec.version in the stamp file. */
  readonly declared: string;
  /** The version the health source saw, or null when unknown. */
  readonly observed: string | null;
  /** Health against the declared version: healthy = ready AND running the declared version. */
  readonly health: HealthVerdict;
  readonly detail: string;
  /** Whether the current (or last) rollout promoted this stamp (it has a record in rollout.yaml). */
  readonly promoted: boolean;
  /** When the rollout promoted it, or null. */
  readonly promotedAt: string | null;
  /** When its bake started: the landing of the commit that promoted it, else promotedAt; null if not promoted. */
  readonly bakeStartsAt: string | null;
  /** Whether bakeStartsAt is a landing time from git history (true) or the recorded promotedAt (false). */
  readonly landed: boolean;
  /**
   * Declared at the target and, within the progress deadline since its promotion landed, not ready yet
   * or still reporting its previous version (Flux may not have applied it yet).
   */
  readonly converging: boolean;
  /** When its progress deadline ends (promotion landed + `progressDeadlineMinutes`), or null when it has none. */
  readonly deadlineAt: string | null;
  /** Why it is excluded from this rollout (`stampyard rollout exclude`), or null. */
  readonly excluded: string | null;
  /** Why this stamp fails the rollout (halts it), or null. */
  readonly failure: string | null;
}

/** Where a wave is: not started, partly promoted, baking, done, or the wave a halt concerns. */
export type WaveState = 'waiting' | 'promoting' | 'baking' | 'promoted' | 'halted';

export interface WaveDecision {
  readonly wave: number;
  readonly bakeMinutes: number;
  readonly state: WaveState;
  /** Stamp names, sorted. */
  readonly stamps: readonly string[];
  /** Stamps declaring the target. */
  readonly onTarget: number;
  /** Whether the current (or last) rollout promoted any stamp of this wave. */
  readonly promoted: boolean;
  /** When the wave's bake started (its last promotion's landing), or null when it has none. */
  readonly bakeStartsAt: string | null;
  readonly bakeEndsAt: string | null;
  /** What keeps this wave from being promoted now; empty unless it is the next wave. */
  readonly blockers: readonly Blocker[];
}

/** What happens next, as a union each command renders in its own words. */
export type NextAction =
  | { readonly kind: 'idle' }
  | { readonly kind: 'promote'; readonly wave: number; readonly changes: readonly VersionChange[]; readonly remainingInWave: number }
  | {
      readonly kind: 'wait';
      readonly wave: number | null;
      readonly nextWave: number | null;
      readonly blockers: readonly Blocker[];
      readonly until?: string;
    }
  | { readonly kind: 'frozen'; readonly until: string; readonly reason: string }
  | { readonly kind: 'halt'; readonly failures: readonly string[]; readonly wave: number | null; readonly rollback: boolean }
  | { readonly kind: 'complete' }
  | { readonly kind: 'completed'; readonly at: string }
  | { readonly kind: 'halted'; readonly reason: string; readonly at: string; readonly wave: number | null }
  | { readonly kind: 'rolled-back'; readonly reason: string; readonly at: string; readonly wave: number | null }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'blocked'; readonly wave: number | null; readonly blockers: readonly Blocker[] };

export interface RolloutDecision {
  /** 'none' without rollout.yaml. */
  readonly phase: RolloutPhase | 'none';
  readonly target: string | null;
  /** Waves ascending. */
  readonly waves: readonly WaveDecision[];
  /** Stamps by wave, then name. */
  readonly stamps: readonly StampDecision[];
  readonly next: NextAction;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Decides where the rollout stands and what happens next. Pure: the same input gives the same decision.
 *
 * Invariant: a wave is promoted only when every stamp of every earlier wave declares the target, is
 * healthy (ready and running it) and every earlier wave has baked for its bakeMinutes since ITS OWN last
 * promotion landed, and, when fleet.yaml lists the wave under `rollout.approval.waves`, this rollout
 * records an approval of it. A later commit never restarts an earlier wave's bake, a stamp whose health
 * is unknown is never healthy (the rollout waits, it does not halt), and an excluded stamp is never
 * promoted and never waited for.
 *
 * Gates, in order: no rollout → idle; complete, aborted, rolled back or halted → that; freeze window →
 * frozen (nothing changes, not even a halt); target missing from the catalog → blocked; a promoted stamp
 * that reports an explicit failure (a failed analysis, reconciliation or crash loop), runs a version that
 * is neither the target nor its previous one, or is still not ready or on its previous version when its
 * progress deadline (`progressDeadlineMinutes` after its promotion landed) has passed → halt; before the
 * deadline such a stamp is converging and the rollout waits. Then the first wave with stamps below the
 * target waits for health, bake and approval, is blocked by an upgrade path, or gets its next batch of
 * at most `maxStampsPerStep`.
 */
export function decideRollout(input: DecisionInput): RolloutDecision {
  const { fleet, state, health, now } = input;
  const landings = input.landings ?? [];
  const policy = fleet.spec.rollout;
  const target = state?.target.version ?? null;
  const records = new Map<string, RolloutStampRecord>(state ? Object.entries(state.stamps) : []);
  const phase = state ? phaseOf(state) : 'none';

  const stampDecisions = new Map<string, StampDecision>();
  const waves = groupByWave(fleet.stamps);
  const excluded = new Map(state ? Object.entries(state.excluded) : []);
  const deadlineMs = policy.progressDeadlineMinutes * 60_000;
  for (const { stamps } of waves) {
    for (const s of stamps)
      stampDecisions.set(
        s.metadata.name,
        decideStamp(s, state, records, excluded.get(s.metadata.name)?.reason ?? null, health, landings, deadlineMs, now),
      );
  }

  const haltedWave = state ? waveOfHalt(state, waves, records) : null;
  const waveDecisions: WaveDecision[] = waves.map(({ wave, stamps }) => {
    const bakeMinutes = bakeMinutesFor(policy, wave);
    const starts = stamps
      .map((s) => stampDecisions.get(s.metadata.name)!.bakeStartsAt)
      .filter((t): t is string => t !== null)
      .map(Date.parse);
    const bakeStart = starts.length > 0 ? Math.max(...starts) : null;
    const bakeEnd = bakeStart === null ? null : bakeStart + bakeMinutes * 60_000;
    const onTarget = stamps.filter((s) => s.spec.version === target).length;
    // An excluded stamp is never promoted and never holds its wave: a wave is done when the rest is.
    const included = stamps.filter((s) => !excluded.has(s.metadata.name));
    const promoted = starts.length > 0;
    let waveState: WaveState;
    if ((phase === 'halted' || phase === 'rolled-back') && wave === haltedWave) waveState = 'halted';
    else if (target !== null && included.every((s) => s.spec.version === target))
      waveState = bakeEnd !== null && phase !== 'complete' && bakeEnd > now.getTime() ? 'baking' : 'promoted';
    else waveState = onTarget > 0 ? 'promoting' : 'waiting';
    return {
      wave,
      bakeMinutes,
      state: waveState,
      stamps: stamps.map((s) => s.metadata.name),
      onTarget,
      promoted,
      bakeStartsAt: bakeStart === null ? null : iso(bakeStart),
      bakeEndsAt: bakeEnd === null ? null : iso(bakeEnd),
      blockers: [],
    };
  });

  const next =
    state === undefined
      ? ({ kind: 'idle' } as const)
      : nextAction(input, state, phase as RolloutPhase, waves, waveDecisions, stampDecisions, haltedWave);
  const withBlockers = waveDecisions.map((w) => {
    if (next.kind === 'wait' && next.nextWave === w.wave) return { ...w, blockers: next.blockers };
    if (next.kind === 'blocked' && next.wave === w.wave) return { ...w, blockers: next.blockers };
    return w;
  });
  return {
    phase,
    target,
    waves: withBlockers,
    stamps: waves.flatMap(({ stamps }) => stamps.map((s) => stampDecisions.get(s.metadata.name)!)),
    next,
  };
}

function decideStamp(
  stamp: Stamp,
  state: RolloutState | undefined,
  records: ReadonlyMap<string, RolloutStampRecord>,
  excluded: string | null,
  health: HealthReport,
  landings: readonly Landing[],
  deadlineMs: number,
  now: Date,
): StampDecision {
  const name = stamp.metadata.name;
  const record = records.get(name);
  const known = stampHealth(health, name);
  const observed = known?.version ?? null;
  const verdict = healthVerdict(health, name, stamp.spec.version);
  const start = state && record ? bakeStartOf(state, record, landings) : undefined;
  const target = state?.target.version;
  let failure: string | null = null;
  let converging = false;
  let deadlineAt: number | null = null;
  if (target !== undefined && stamp.spec.version === target && excluded === null) {
    // The progress deadline counts from when the promotion landed; a stamp on the target that this
    // rollout did not promote (it was there already) counts from the rollout's start.
    deadlineAt = (start?.at ?? Date.parse(state!.target.startedAt)) + deadlineMs;
    const late = now.getTime() >= deadlineAt;
    const deadline = `the progress deadline (${deadlineMs / 60_000} minutes after its promotion landed) passed at ${iso(deadlineAt)}`;
    if (verdict === 'failed') failure = `${name} failed: ${known!.failure!}`;
    else if (verdict === 'unready') {
      if (late) failure = `${name} is not ready and ${deadline} (${describeHealth(health, name)})`;
      else converging = true;
    } else if (verdict === 'wrong-version') {
      const previous = record !== undefined && observed === record.fromVersion;
      if (!previous) failure = `${name} runs ${observed ?? 'an unknown version'}, expected ${target}`;
      else if (late) failure = `${name} still runs ${observed} and ${deadline}; check its Flux Kustomization`;
      else converging = true;
    }
  }
  const detail = describeHealth(health, name);
  return {
    name,
    wave: stamp.spec.wave,
    declared: stamp.spec.version,
    observed,
    health: verdict,
    detail: converging && deadlineAt !== null ? `${detail}; converging until ${iso(deadlineAt)}` : detail,
    promoted: record !== undefined,
    promotedAt: record?.promotedAt ?? null,
    bakeStartsAt: start ? iso(start.at) : null,
    landed: start?.landed ?? false,
    converging,
    deadlineAt: deadlineAt === null ? null : iso(deadlineAt),
    excluded,
    failure,
  };
}

/** The wave a halt concerns: the one its headline event names, else the last wave this rollout promoted into, else the first pending. */
function waveOfHalt(
  state: RolloutState,
  waves: readonly { wave: number; stamps: Stamp[] }[],
  records: ReadonlyMap<string, RolloutStampRecord>,
): number | null {
  const headline = state.halted
    ? state.history.find((e) => e.event === 'halted' && e.at === state.halted!.at && e.wave !== undefined)
    : undefined;
  if (headline?.wave !== undefined) return headline.wave;
  const promotedWaves = waves.filter((w) => w.stamps.some((s) => records.has(s.metadata.name))).map((w) => w.wave);
  const firstPending = waves.find((w) => w.stamps.some((s) => s.spec.version !== state.target.version))?.wave;
  return promotedWaves.at(-1) ?? firstPending ?? waves.at(-1)?.wave ?? null;
}

function nextAction(
  input: DecisionInput,
  state: RolloutState,
  phase: RolloutPhase,
  waves: readonly { wave: number; stamps: Stamp[] }[],
  waveDecisions: readonly WaveDecision[],
  stamps: ReadonlyMap<string, StampDecision>,
  haltedWave: number | null,
): NextAction {
  const { fleet, now } = input;
  const target = state.target.version;
  if (phase === 'complete') return { kind: 'completed', at: state.completedAt ?? state.target.startedAt };
  if (phase === 'aborted') return { kind: 'aborted' };
  const halted = state.halted ?? { reason: 'halted', at: state.target.startedAt };
  if (phase === 'rolled-back') return { kind: 'rolled-back', reason: halted.reason, at: halted.at, wave: haltedWave };
  if (phase === 'halted') return { kind: 'halted', reason: halted.reason, at: halted.at, wave: haltedWave };
  const policy = fleet.spec.rollout;
  const freeze = activeFreezeWindow(policy, now);
  if (freeze) return { kind: 'frozen', until: iso(Date.parse(freeze.end)), reason: freeze.reason };
  const release = findRelease(fleet.spec, target);
  if (!release) return { kind: 'blocked', wave: null, blockers: [{ kind: 'target-missing', version: target }] };

  const failures = [...stamps.values()].filter((s) => s.failure !== null);
  if (failures.length > 0) {
    const failedWaves = failures.map((s) => s.wave);
    return {
      kind: 'halt',
      failures: failures.map((s) => s.failure!),
      wave: Math.min(...failedWaves),
      rollback: policy.onFailure === 'rollback',
    };
  }

  // The latest bake end among waves already on the target, and the wave it belongs to.
  let gateEnd = 0;
  let gateWave: number | null = null;
  const unhealthy: { wave: number; note: StampHealthNote }[] = [];
  const healthBlockers = (): Blocker[] => {
    const byWave = new Map<number, StampHealthNote[]>();
    for (const u of unhealthy) byWave.set(u.wave, [...(byWave.get(u.wave) ?? []), u.note]);
    return [...byWave].map(([wave, stamps]) => ({ kind: 'health', wave, stamps }));
  };
  const note = (s: StampDecision): StampHealthNote => ({ stamp: s.name, verdict: s.health, detail: s.detail, converging: s.converging });
  for (let i = 0; i < waves.length; i++) {
    const { wave } = waves[i]!;
    // Excluded stamps are out of the rollout: never promoted, never waited for.
    const members = waves[i]!.stamps.filter((m) => stamps.get(m.metadata.name)!.excluded === null);
    const decided = members.map((m) => stamps.get(m.metadata.name)!);
    const pending = members.filter((m) => m.spec.version !== target);
    if (pending.length === 0) {
      const sick = decided.filter((s) => s.health !== 'healthy');
      unhealthy.push(...sick.map((s) => ({ wave, note: note(s) })));
      const end = waveDecisions[i]!.bakeEndsAt;
      if (end !== null && Date.parse(end) > gateEnd) {
        gateEnd = Date.parse(end);
        gateWave = wave;
      }
      continue;
    }
    // Batches within a wave: the stamps this wave already has on the target must be healthy first.
    const sameWave = decided.filter((s) => s.declared === target && s.health !== 'healthy');
    unhealthy.push(...sameWave.map((s) => ({ wave, note: note(s) })));
    if (unhealthy.length > 0) return { kind: 'wait', wave: unhealthy[0]!.wave, nextWave: wave, blockers: healthBlockers() };
    // A wave that needs a person's approval waits for one recorded in this rollout's rollout.yaml.
    const approval: Blocker[] =
      policy.approval.waves.includes(wave) && !state.approvals.some((a) => a.wave === wave) ? [{ kind: 'approval', wave }] : [];
    if (gateEnd > now.getTime()) {
      return {
        kind: 'wait',
        wave: gateWave,
        nextWave: wave,
        blockers: [{ kind: 'bake', wave: gateWave!, until: iso(gateEnd) }, ...approval],
        until: iso(gateEnd),
      };
    }
    if (approval.length > 0) return { kind: 'wait', wave, nextWave: wave, blockers: approval };
    const problems = pending.flatMap((s) => {
      const message = upgradePathProblem(fleet.spec, s, release);
      return message ? [{ kind: 'upgrade-path', stamp: s.metadata.name, message } as const] : [];
    });
    if (problems.length > 0) return { kind: 'blocked', wave, blockers: problems };
    const batch = pending.slice(0, policy.maxStampsPerStep ?? pending.length);
    return {
      kind: 'promote',
      wave,
      changes: batch.map((s) => ({ stamp: s.metadata.name, from: s.spec.version, to: target })),
      remainingInWave: pending.length - batch.length,
    };
  }
  if (unhealthy.length > 0) return { kind: 'wait', wave: unhealthy[0]!.wave, nextWave: null, blockers: healthBlockers() };
  if (gateEnd > now.getTime()) {
    return {
      kind: 'wait',
      wave: gateWave,
      nextWave: null,
      blockers: [{ kind: 'bake', wave: gateWave!, until: iso(gateEnd) }],
      until: iso(gateEnd),
    };
  }
  return { kind: 'complete' };
}

/** A blocker in a sentence, naming the wave concerned. */
export function describeBlocker(blocker: Blocker): string {
  switch (blocker.kind) {
    case 'bake':
      return `wave ${blocker.wave} bakes until ${blocker.until}`;
    case 'approval':
      return `wave ${blocker.wave} needs approval: run \`stampyard rollout approve --wave ${blocker.wave} --by <name>\``;
    case 'health': {
      const shown = blocker.stamps.slice(0, 5).map((s) => `${s.stamp} (${s.detail})`);
      const more = blocker.stamps.length > 5 ? ` and ${blocker.stamps.length - 5} more` : '';
      const converging = blocker.stamps.every((s) => s.converging);
      return `wave ${blocker.wave}: waiting for ${shown.join(', ')}${more} to ${converging ? 'converge on' : 'be ready on'} the target version`;
    }
    case 'freeze':
      return `freeze window until ${blocker.until}: ${blocker.reason}`;
    case 'upgrade-path':
      return blocker.message;
    case 'target-missing':
      return `the target ${blocker.version} is no longer in the release catalog; add it back to fleet.yaml or roll back`;
    case 'halted':
      return `halted at ${blocker.at}: ${blocker.reason}`;
  }
}
