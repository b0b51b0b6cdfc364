import { describe, expect, it } from 'vitest';
import type { Stamp } from '@stampyard/stamp-spec';
import { decideRollout, describeBlocker, type DecisionInput } from './decision.ts';
import { bakeStartOf, type Landing } from './landing.ts';
import { exitCodeFor, isUnderWay, phaseOf, PROMOTION_EXIT_CODES } from './phase.ts';
import { planFromDecision, planPromotion } from './promote.ts';
import { planHalt, planResume, planRollback, planStart, startProblems } from './lifecycle.ts';
import { planRollout, planStatus } from './plan.ts';
import { planDrift } from './drift.ts';
import { NO_HEALTH, type HealthReport } from './health/report.ts';
import { newRolloutState, type RolloutState } from './state.ts';
import { aRolloutFleet, applyChanges, convergedHealth, minutes } from './testing/index.ts';
import type { FleetView } from './fleet-view.ts';

// 9 stamps: wave 0 stamp-eu-1, stamp-eu-2, stamp-us-3; wave 1 stamp-us-4, stamp-eu-5, stamp-eu-6; wave 2 stamp-us-7, stamp-us-8, stamp-eu-9.
const T0 = new Date('2026-11-30T16:00:00Z');
const at = (hhmm: string) => new Date(`2026-11-30T${hhmm}:00Z`);
const fleet0 = aRolloutFleet(9, { policy: { bakeMinutes: { default: 60, waves: { '0': 120 } } } });

function start(fleet: FleetView, now = T0): RolloutState {
  const t = planStart(fleet, undefined, '1.5.0', now);
  if (!t.ok) throw new Error(t.problems.join());
  return t.state;
}

/** Promote at `now`; returns the new fleet and state (the plan must promote). */
function promote(fleet: FleetView, state: RolloutState, now: Date, landings: readonly Landing[] = []) {
  const plan = planPromotion({ fleet, state, health: convergedHealth(fleet), now, landings });
  expect(plan.action, plan.reason).toBe('promoted');
  return { fleet: applyChanges(fleet, plan.changes), state: plan.state!, plan };
}

describe('decideRollout: a bake clock per wave', () => {
  it('counts each wave from the landing of its own promotion: a later commit never restarts an earlier bake', () => {
    let { fleet, state } = promote(fleet0, start(fleet0), at('16:00'));
    const landings: Landing[] = [{ at: at('17:00').toISOString(), revision: state.revision, startedAt: state.target.startedAt }];
    ({ fleet, state } = promote(fleet, state, at('19:01'), landings));
    landings.push({ at: at('19:02').toISOString(), revision: state.revision, startedAt: state.target.startedAt });
    const input = (now: Date): DecisionInput => ({ fleet, state, health: convergedHealth(fleet), now, landings });
    const waiting = decideRollout(input(at('20:01')));
    expect(waiting.next).toEqual({
      kind: 'wait',
      wave: 1,
      nextWave: 2,
      blockers: [{ kind: 'bake', wave: 1, until: at('20:02').toISOString() }],
      until: at('20:02').toISOString(),
    });
    expect(waiting.waves.map((w) => [w.wave, w.state, w.bakeStartsAt, w.bakeEndsAt])).toEqual([
      [0, 'promoted', at('17:00').toISOString(), at('19:00').toISOString()],
      [1, 'baking', at('19:02').toISOString(), at('20:02').toISOString()],
      [2, 'waiting', null, null],
    ]);
    expect(waiting.waves[2]!.blockers).toEqual([{ kind: 'bake', wave: 1, until: at('20:02').toISOString() }]);
    expect(planFromDecision(waiting, input(at('20:01'))).reason).toBe(
      'wave 1 bakes until 2026-11-30T20:02:00.000Z; then wave 2 gets 1.5.0',
    );
    expect(decideRollout(input(at('20:02'))).next).toMatchObject({ kind: 'promote', wave: 2 });
    // The last wave's bake gates completion, and the message says so.
    const last = promote(fleet, state, at('20:02'), landings);
    const done = (now: Date) => planPromotion({ fleet: last.fleet, state: last.state, health: convergedHealth(last.fleet), now, landings });
    expect(done(at('21:01')).reason).toBe('wave 2 bakes until 2026-11-30T21:02:00.000Z; then the rollout is complete');
    expect(done(at('21:02')).action).toBe('complete');
  });

  it('counts from promotedAt where there is no history, and records the revision that promoted each stamp', () => {
    const { state, plan } = promote(fleet0, start(fleet0), at('16:00'));
    expect(plan.state!.revision).toBe(2);
    expect(Object.values(state.stamps).every((r) => r.revision === 2 && r.promotedAt === at('16:00').toISOString())).toBe(true);
    const d = decideRollout({ fleet: applyChanges(fleet0, plan.changes), state, health: NO_HEALTH, now: at('16:30') });
    expect(d.waves[0]).toMatchObject({ state: 'baking', bakeStartsAt: at('16:00').toISOString(), bakeEndsAt: at('18:00').toISOString() });
    expect(d.stamps.find((s) => s.name === 'stamp-eu-1')).toMatchObject({
      promoted: true,
      landed: false,
      bakeStartsAt: at('16:00').toISOString(),
    });
  });

  it('matches a landing by revision and rollout, or, for a record without a revision, by time', () => {
    const state = { ...newRolloutState('1.5.0', T0), revision: 5 };
    const record = { fromVersion: '1.4.0', promotedAt: at('16:00').toISOString(), revision: 4 };
    const other = '2026-11-29T00:00:00.000Z';
    const landings: Landing[] = [
      { at: at('15:00').toISOString(), revision: 9, startedAt: other },
      { at: at('16:30').toISOString(), revision: 3 },
      { at: at('17:00').toISOString(), revision: 4, startedAt: state.target.startedAt },
      { at: at('18:00').toISOString(), revision: 5 },
    ];
    expect(bakeStartOf(state, record, landings)).toEqual({ at: at('17:00').getTime(), landed: true });
    expect(bakeStartOf(state, { ...record, revision: 6 }, landings)).toEqual({ at: at('16:00').getTime(), landed: false });
    const { revision: _r, ...legacy } = record;
    expect(bakeStartOf(state, legacy, landings)).toEqual({ at: at('16:30').getTime(), landed: true });
    expect(bakeStartOf(state, { ...legacy, promotedAt: at('18:00').toISOString() }, landings)).toEqual({
      at: at('18:00').getTime(),
      landed: true,
    });
    expect(bakeStartOf(state, { ...legacy, promotedAt: at('18:01').toISOString() }, landings)).toEqual({
      at: at('18:01').getTime(),
      landed: false,
    });
  });

  it("gives a stamp named constructor its own record, never Object.prototype's", () => {
    const named = {
      ...fleet0,
      stamps: fleet0.stamps.map((s) => (s.metadata.name === 'stamp-eu-5' ? ({ ...s, metadata: { name: 'constructor' } } as Stamp) : s)),
    };
    let { fleet, state } = promote(named, start(named), at('10:00'));
    ({ fleet, state } = promote(fleet, state, at('12:00')));
    const d = decideRollout({ fleet, state, health: convergedHealth(fleet), now: at('12:01') });
    expect(d.stamps.find((s) => s.name === 'constructor')).toMatchObject({ promoted: true, bakeStartsAt: at('12:00').toISOString() });
    expect(d.next).toMatchObject({ kind: 'wait', nextWave: 2, until: at('13:00').toISOString() });
    // Before wave 1 is promoted, constructor has no record and no bake.
    const before = decideRollout({
      fleet: promote(named, start(named), at('10:00')).fleet,
      state: promote(named, start(named), at('10:00')).state,
      health: NO_HEALTH,
      now: at('10:01'),
    });
    expect(before.stamps.find((s) => s.name === 'constructor')).toMatchObject({ promoted: false, bakeStartsAt: null, promotedAt: null });
  });
});

describe('decideRollout: health', () => {
  const walked = () => {
    let { fleet, state } = promote(fleet0, start(fleet0), at('10:00'));
    ({ fleet, state } = promote(fleet, state, at('12:00')));
    ({ fleet, state } = promote(fleet, state, at('13:00')));
    return { fleet, state };
  };

  it("never completes while one stamp's health is unknown, and says which wave waits", () => {
    const { fleet, state } = walked();
    const health = convergedHealth(fleet, { 'stamp-us-8': undefined });
    const d = decideRollout({ fleet, state, health, now: at('23:00') });
    expect(d.next).toEqual({
      kind: 'wait',
      wave: 2,
      nextWave: null,
      blockers: [
        {
          kind: 'health',
          wave: 2,
          stamps: [{ stamp: 'stamp-us-8', verdict: 'unknown', detail: 'health unknown (not in test)', converging: false }],
        },
      ],
    });
    expect(planPromotion({ fleet, state, health, now: at('23:00') }).action).toBe('waiting');
    expect(planPromotion({ fleet, state, health: convergedHealth(fleet), now: at('23:00') }).action).toBe('complete');
  });

  it('calls a stamp healthy only when it is ready and runs its declared version', () => {
    const health: HealthReport = {
      source: 't',
      stamps: {
        'stamp-eu-1': { ready: true, version: '1.4.0' },
        'stamp-eu-2': { ready: true },
        'stamp-us-3': { ready: false, version: '1.4.0' },
        'stamp-us-4': { ready: true, version: '1.3.0' },
      },
    };
    const d = decideRollout({ fleet: fleet0, state: undefined, health, now: T0 });
    expect(['stamp-eu-1', 'stamp-eu-2', 'stamp-us-3', 'stamp-us-4'].map((n) => [n, d.stamps.find((s) => s.name === n)!.health])).toEqual([
      ['stamp-eu-1', 'healthy'],
      ['stamp-eu-2', 'unknown'],
      ['stamp-us-3', 'unready'],
      ['stamp-us-4', 'wrong-version'],
    ]);
    expect(d.phase).toBe('none');
    expect(d.next).toEqual({ kind: 'idle' });
  });

  it('treats a stamp still on its previous version as converging until the progress deadline (15 minutes after its promotion), then halts', () => {
    const { fleet, state } = promote(fleet0, start(fleet0), at('10:00'));
    const health = convergedHealth(fleet, { 'stamp-eu-1': { ready: true, version: '1.4.0' } });
    const during = decideRollout({ fleet, state, health, now: at('10:14') });
    expect(during.stamps[0]).toMatchObject({ name: 'stamp-eu-1', converging: true, failure: null, deadlineAt: at('10:15').toISOString() });
    expect(during.next.kind).toBe('wait');
    const after = decideRollout({ fleet, state, health, now: at('10:15') });
    const failure = `stamp-eu-1 still runs 1.4.0 and the progress deadline (15 minutes after its promotion landed) passed at ${at('10:15').toISOString()}; check its Flux Kustomization`;
    expect(after.stamps[0]).toMatchObject({ converging: false, failure });
    expect(after.next).toEqual({ kind: 'halt', failures: [failure], wave: 0, rollback: false });
  });
});

describe('phases, transitions and exit codes', () => {
  it('appends a second halt to the history and keeps the first reason as the headline', () => {
    const first = planHalt(start(fleet0), 'pager', at('10:00'));
    expect(first.ok && first.state.phase).toBe('halted');
    const second = planHalt(first.ok ? first.state : undefined, 'second', at('10:05'));
    if (!second.ok) throw new Error('second halt refused');
    expect(second.state.halted).toEqual({ reason: 'pager', at: at('10:00').toISOString() });
    expect(second.state.history.filter((e) => e.event === 'halted').map((e) => e.message)).toEqual(['pager', 'second']);
    expect(second.state.revision).toBe(3);
    expect(second.message).toMatch(/already halted \(pager\); recorded: second/);
  });

  it('refuses a new start over a halted rollout with promoted stamps, and allows it after a rollback', () => {
    const { fleet, state } = promote(fleet0, start(fleet0), at('10:00'));
    const halted = planHalt(state, 'bad', at('10:10'));
    if (!halted.ok) throw new Error();
    expect(planStart(fleet, halted.state, '1.5.0', at('10:20')).ok).toBe(false);
    expect(startProblems(fleet, halted.state, '1.5.0')[0]).toMatch(/is halted .*roll it back with `stampyard rollout rollback`/);
    const back = planRollback(fleet, halted.state, at('10:30'));
    if (!back.ok) throw new Error();
    expect(back.state.phase).toBe('rolled-back');
    expect(back.state.revision).toBe(halted.state.revision + 1);
    expect(back.changes.map((c) => c.to)).toEqual(['1.4.0', '1.4.0', '1.4.0']);
    expect(planStart(applyChanges(fleet, back.changes), back.state, '1.5.0', at('10:40')).ok).toBe(true);
    expect(planPromotion({ fleet: applyChanges(fleet, back.changes), state: back.state, health: NO_HEALTH, now: at('10:41') }).action).toBe(
      'rolled-back',
    );
  });

  it('refuses resume after a rollback unless forced, and resumes a halt', () => {
    const { fleet, state } = promote(fleet0, start(fleet0), at('10:00'));
    const back = planRollback(fleet, state, at('10:30'));
    if (!back.ok) throw new Error();
    const refused = planResume(back.state, at('10:31'));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems[0]).toMatch(/resuming would promote 1\.5\.0 again.*--force/);
    const forced = planResume(back.state, at('10:31'), { force: true });
    expect(forced.ok && forced.state.phase).toBe('progressing');
    expect(forced.ok && forced.state.halted).toBeUndefined();
    expect(planResume(state, at('10:31')).ok).toBe(false);
    expect(planResume(undefined, at('10:31')).ok).toBe(false);
    const completed = { ...state, phase: 'complete' as const };
    const done = planResume(completed, at('10:31'));
    expect(!done.ok && done.problems[0]).toMatch(/is complete; nothing to resume/);
  });

  it('reads an old halted file (phase progressing + halted) as halted', () => {
    const old = { ...start(fleet0), halted: { reason: 'x', at: at('10:00').toISOString() } };
    expect(phaseOf(old)).toBe('halted');
    expect(isUnderWay(old)).toBe(true);
    expect(isUnderWay({ ...old, phase: 'complete' })).toBe(false);
    expect(isUnderWay({ ...old, phase: 'aborted' })).toBe(false);
    expect(isUnderWay({ ...old, phase: 'rolled-back' })).toBe(false);
    expect(isUnderWay(undefined)).toBe(false);
    expect(planPromotion({ fleet: fleet0, state: old, health: NO_HEALTH, now: at('10:01') }).action).toBe('halted');
    expect(
      planPromotion({
        fleet: fleet0,
        state: { ...old, phase: 'aborted', halted: undefined } as RolloutState,
        health: NO_HEALTH,
        now: at('10:01'),
      }).action,
    ).toBe('aborted');
  });

  it('maps every outcome to its exit code: 1 only when a person must act', () => {
    expect(PROMOTION_EXIT_CODES).toEqual({
      promoted: 0,
      waiting: 0,
      'waiting-approval': 0,
      frozen: 0,
      idle: 0,
      complete: 0,
      aborted: 0,
      blocked: 1,
      halted: 1,
      'rolled-back': 1,
    });
    expect(exitCodeFor('halted')).toBe(1);
    expect(exitCodeFor('waiting')).toBe(0);
  });

  it('refuses a downgrade naming the stamps unless allowed, and records the allowance', () => {
    const problems = startProblems(fleet0, undefined, '1.3.0');
    expect(
      problems.some((p) =>
        /^1\.3\.0 is a downgrade for 9 stamp\(s\): stamp-eu-1 \(1\.4\.0\), .*stamp-us-8 \(1\.4\.0\); .*--allow-downgrade/.test(p),
      ),
    ).toBe(true);
    const allowed = planStart(fleet0, undefined, '1.3.0', T0, { allowDowngrade: true });
    // 1.3.0's upgradeFrom may still refuse it; the downgrade itself is not among the problems.
    if (allowed.ok) expect(allowed.state.target.allowDowngrade).toBe(true);
    else expect(allowed.problems.some((p) => /downgrade/.test(p))).toBe(false);
    expect(planStart(fleet0, undefined, '1.4.0', T0).ok).toBe(true);
  });
});

describe('plan and status', () => {
  it('plan lists what start would refuse, and the blockers of the rollout under way', () => {
    expect(planRollout({ fleet: fleet0, state: undefined, health: NO_HEALTH, now: T0, target: '9.9.9' }).blockers[0]).toMatch(
      /9\.9\.9 is not in the release catalog/,
    );
    const ok = planRollout({ fleet: fleet0, state: undefined, health: NO_HEALTH, now: T0, target: '1.5.0' });
    expect(ok.blockers).toEqual([]);
    expect(ok.steps).toBe(3);
    expect(ok.waves.map((w) => [w.wave, w.bakeMinutes, w.stamps.length])).toEqual([
      [0, 120, 3],
      [1, 60, 3],
      [2, 60, 3],
    ]);
    const batched = { ...fleet0, spec: { ...fleet0.spec, rollout: { ...fleet0.spec.rollout, maxStampsPerStep: 2 } } };
    expect(planRollout({ fleet: batched, state: undefined, health: NO_HEALTH, now: T0, target: '1.5.0' }).steps).toBe(6);
    const halted = planHalt(start(fleet0), 'pager', at('10:00'));
    if (!halted.ok) throw new Error();
    expect(planRollout({ fleet: fleet0, state: halted.state, health: NO_HEALTH, now: at('10:01'), target: '1.5.0' }).blockers).toEqual([
      `the rollout is halted since ${at('10:00').toISOString()}: pager`,
    ]);
    expect(planRollout({ fleet: fleet0, state: halted.state, health: NO_HEALTH, now: at('10:01'), target: '1.4.0' }).blockers[0]).toMatch(
      /a rollout of 1\.5\.0 is halted/,
    );
  });

  it('status shows the decision: phase, halt headline, downgrade flag, waves and minutes since each bake started', () => {
    const { fleet, state } = promote(fleet0, start(fleet0), at('10:00'));
    const status = planStatus({ fleet, state, health: convergedHealth(fleet), now: at('10:30') });
    expect(status).toMatchObject({ phase: 'progressing', target: '1.5.0', allowDowngrade: false, halted: null });
    expect(status.waves.map((w) => w.state)).toEqual(['baking', 'waiting', 'waiting']);
    expect(status.stamps[0]).toMatchObject({ name: 'stamp-eu-1', minutesSincePromotion: 30 });
    expect(status.stamps.find((s) => s.name === 'stamp-us-4')).toMatchObject({ minutesSincePromotion: null });
    expect(status.next.action).toBe('waiting');
  });
});

describe('drift reads the decision', () => {
  it('flags a stall only after more than stallMinutes without progress', () => {
    const state = { ...newRolloutState('1.5.0', T0), revision: 1 };
    const drift = (m: number) =>
      planDrift({ spec: fleet0.spec, stamps: fleet0.stamps, state, now: minutes(T0, m) }).findings.filter((f) => f.kind === 'stalled');
    expect(drift(1440)).toEqual([]);
    expect(drift(1441)).toHaveLength(1);
    const halted = planHalt(state, 'pager', T0);
    if (!halted.ok) throw new Error();
    expect(
      planDrift({ spec: fleet0.spec, stamps: fleet0.stamps, state: halted.state, now: minutes(T0, 1441) }).findings[0]!.message,
    ).toMatch(/it is halted: pager/);
  });

  it("names stragglers only in waves the rollout already promoted, and gives each wave promote's verdict", () => {
    let { fleet, state } = promote(fleet0, start(fleet0), at('10:00'));
    ({ fleet, state } = promote(fleet, state, at('12:00')));
    // stamp-eu-2 (wave 0) set back by hand; wave 2 not reached, so its stamps are no stragglers.
    const back = applyChanges(fleet, [{ stamp: 'stamp-eu-2', from: '1.5.0', to: '1.4.0' }]);
    const report = planDrift({ spec: back.spec, stamps: back.stamps, state, now: at('12:30') });
    expect(report.findings.filter((f) => f.kind === 'straggler').map((f) => f.stamp)).toEqual(['stamp-eu-2']);
    expect(report.waves).toEqual(
      decideRollout({ fleet: back, state, health: NO_HEALTH, now: at('12:30') }).waves.map((w) => ({ wave: w.wave, state: w.state })),
    );
  });
});

describe('describeBlocker', () => {
  it('says each blocker in a sentence naming its wave', () => {
    expect(describeBlocker({ kind: 'freeze', until: 'x', reason: 'y' })).toBe('freeze window until x: y');
    expect(describeBlocker({ kind: 'halted', reason: 'r', at: 'a' })).toBe('halted at a: r');
    expect(describeBlocker({ kind: 'target-missing', version: '9.9.9' })).toMatch(/9\.9\.9 is no longer in the release catalog/);
    expect(describeBlocker({ kind: 'upgrade-path', stamp: 's', message: 'm' })).toBe('m');
    const many = Array.from({ length: 7 }, (_, i) => ({ stamp: `s${i}`, verdict: 'unknown' as const, detail: 'd', converging: false }));
    expect(describeBlocker({ kind: 'health', wave: 3, stamps: many })).toBe(
      'wave 3: waiting for s0 (d), s1 (d), s2 (d), s3 (d), s4 (d) and 2 more to be ready on the target version',
    );
    const converging = many.map((s) => ({ ...s, verdict: 'unready' as const, converging: true }));
    expect(describeBlocker({ kind: 'health', wave: 3, stamps: converging })).toMatch(/to converge on the target version$/);
    expect(describeBlocker({ kind: 'approval', wave: 2 })).toBe(
      'wave 2 needs approval: run `stampyard rollout approve --wave 2 --by <name>`',
    );
  });
});
