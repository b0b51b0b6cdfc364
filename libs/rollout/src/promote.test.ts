import { describe, expect, it } from 'vitest';
import { planPromotion, type PromotionPlan } from './promote.ts';
import { planHalt, planResume, planRollback, planStart } from './lifecycle.ts';
import { NO_HEALTH, type HealthReport } from './health/report.ts';
import { aRolloutFleet, applyChanges, convergedHealth, minutes } from './testing/index.ts';
import type { FleetView } from './fleet-view.ts';
import type { RolloutState } from './state.ts';

const T0 = new Date('2026-11-02T09:00:00Z');
const waveOf = (fleet: FleetView, wave: number) =>
  fleet.stamps
    .filter((s) => s.spec.wave === wave)
    .map((s) => s.metadata.name)
    .sort();

function started(fleet: FleetView, version = '1.5.0', now = T0): RolloutState {
  const result = planStart(fleet, undefined, version, now);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.state;
}

/** A tiny driver: holds the fleet and state, applies each plan like the CLI would. */
class Walk {
  constructor(
    public fleet: FleetView,
    public state: RolloutState | undefined,
  ) {}
  promote(now: Date, health: HealthReport = convergedHealth(this.fleet)): PromotionPlan {
    const plan = planPromotion({ fleet: this.fleet, state: this.state, health, now });
    if (plan.state) this.state = plan.state;
    this.fleet = applyChanges(this.fleet, plan.changes);
    return plan;
  }
}

describe('bake counts from when a promotion landed', () => {
  it('does not let review and merge time shorten a bake', () => {
    const fleet = aRolloutFleet(9, { policy: { bakeMinutes: { default: 60, waves: { '0': 120 } } } });
    const walk = new Walk(fleet, started(fleet));
    walk.promote(T0);
    // The pull request promoting wave 0 merged 90 minutes after it was planned.
    const landedAt = minutes(T0, 90);
    const health = convergedHealth(walk.fleet);
    const early = planPromotion({
      fleet: walk.fleet,
      state: walk.state,
      health,
      now: minutes(T0, 150),
      landings: [{ at: landedAt.toISOString(), revision: walk.state!.revision }],
    });
    expect(early).toMatchObject({ action: 'waiting', wave: 1, until: minutes(T0, 210).toISOString() });
    // Without landedAt the same clock would already promote: the input is what holds it back.
    expect(planPromotion({ fleet: walk.fleet, state: walk.state, health, now: minutes(T0, 150) }).action).toBe('promoted');
    expect(
      planPromotion({
        fleet: walk.fleet,
        state: walk.state,
        health,
        now: minutes(T0, 210),
        landings: [{ at: landedAt.toISOString(), revision: walk.state!.revision }],
      }).action,
    ).toBe('promoted');
  });
});

describe('a 9-stamp, 3-wave rollout', () => {
  it('promotes wave by wave, waits for bake time, and completes', () => {
    const fleet = aRolloutFleet(9, { policy: { bakeMinutes: { default: 60, waves: { '0': 120 } } } });
    const walk = new Walk(fleet, started(fleet));
    expect(walk.state?.revision).toBe(1);

    const first = walk.promote(T0);
    expect(first).toMatchObject({ action: 'promoted', wave: 0, stamps: waveOf(fleet, 0) });
    expect(walk.state?.revision).toBe(2);

    const baking = walk.promote(minutes(T0, 30));
    expect(baking).toMatchObject({ action: 'waiting', wave: 1, until: minutes(T0, 120).toISOString() });
    expect(baking.state).toBeUndefined();
    // The same input gives the same answer and still writes nothing.
    expect(walk.promote(minutes(T0, 30))).toEqual(baking);

    expect(walk.promote(minutes(T0, 120))).toMatchObject({ action: 'promoted', wave: 1, stamps: waveOf(fleet, 1) });
    expect(walk.promote(minutes(T0, 179))).toMatchObject({ action: 'waiting', until: minutes(T0, 180).toISOString() });
    expect(walk.promote(minutes(T0, 180))).toMatchObject({ action: 'promoted', wave: 2, stamps: waveOf(fleet, 2) });
    expect(walk.promote(minutes(T0, 200))).toMatchObject({ action: 'waiting', until: minutes(T0, 240).toISOString() });
    const done = walk.promote(minutes(T0, 240));
    expect(done.action).toBe('complete');
    expect(walk.state).toMatchObject({ phase: 'complete', completedAt: minutes(T0, 240).toISOString() });
    expect(walk.fleet.stamps.every((s) => s.spec.version === '1.5.0')).toBe(true);
    expect(walk.state?.history.map((e) => e.event)).toEqual(['started', 'promoted', 'promoted', 'promoted', 'completed']);
    // Completed: promote reports it without writing, and a new start is allowed.
    const again = walk.promote(minutes(T0, 300));
    expect(again.action).toBe('complete');
    expect(again.state).toBeUndefined();
    expect(planStart(walk.fleet, walk.state, '1.5.0', minutes(T0, 300)).ok).toBe(true);
  });

  it('promotes a wave in batches of maxStampsPerStep, the next batch only once the previous one is healthy', () => {
    const fleet = aRolloutFleet(9, { policy: { maxStampsPerStep: 2 } });
    const walk = new Walk(fleet, started(fleet));
    const [a, b, c] = waveOf(fleet, 0);
    expect(walk.promote(T0)).toMatchObject({ action: 'promoted', wave: 0, stamps: [a, b] });
    // Not yet applied by Flux: still on 1.4.0, within bake time → wait, don't halt.
    const before = convergedHealth(fleet);
    expect(walk.promote(minutes(T0, 1), before)).toMatchObject({ action: 'waiting', wave: 0 });
    expect(walk.promote(minutes(T0, 2))).toMatchObject({ action: 'promoted', wave: 0, stamps: [c] });
    expect(walk.promote(minutes(T0, 3))).toMatchObject({ action: 'waiting', until: minutes(T0, 62).toISOString() });
  });

  it("waits, without halting, while a promoted stamp's health is unknown", () => {
    const fleet = aRolloutFleet(9);
    const walk = new Walk(fleet, started(fleet));
    walk.promote(T0);
    const plan = walk.promote(minutes(T0, 500), NO_HEALTH);
    expect(plan).toMatchObject({ action: 'waiting', wave: 1 });
    expect(plan.state).toBeUndefined();
    expect(plan.reason).toMatch(/health unknown/);
  });

  it('halts on an unhealthy stamp and stays halted until resumed', () => {
    const fleet = aRolloutFleet(9);
    const walk = new Walk(fleet, started(fleet));
    walk.promote(T0);
    const [bad] = waveOf(fleet, 0);
    const sick = convergedHealth(walk.fleet, { [bad!]: { ready: false, version: '1.5.0', detail: 'CrashLoopBackOff' } });
    const halted = walk.promote(minutes(T0, 90), sick);
    expect(halted).toMatchObject({ action: 'halted', changes: [] });
    expect(halted.reason).toContain(`${bad} is not ready`);
    expect(walk.state?.halted?.reason).toContain('CrashLoopBackOff');
    // Even healthy later, nothing moves until resume.
    const still = walk.promote(minutes(T0, 200));
    expect(still).toMatchObject({ action: 'halted', changes: [] });
    expect(still.state).toBeUndefined();
    const resumed = planResume(walk.state, minutes(T0, 201));
    expect(resumed.ok).toBe(true);
    if (resumed.ok) walk.state = resumed.state;
    expect(walk.promote(minutes(T0, 202))).toMatchObject({ action: 'promoted', wave: 1 });
  });

  it('halts when a promoted stamp never converges within the progress deadline (default 15 minutes)', () => {
    const fleet = aRolloutFleet(9);
    const walk = new Walk(fleet, started(fleet));
    walk.promote(T0);
    const converging = walk.promote(minutes(T0, 14), convergedHealth(fleet));
    expect(converging.action).toBe('waiting');
    expect(converging.reason).toMatch(/to converge on the target version/);
    const late = walk.promote(minutes(T0, 15), convergedHealth(fleet));
    expect(late.action).toBe('halted');
    expect(late.reason).toMatch(/still runs 1\.4\.0 and the progress deadline \(15 minutes after its promotion landed\) passed at 2026-/);
  });

  it('rolls the promoted stamps back under onFailure: rollback', () => {
    const fleet = aRolloutFleet(9, { policy: { onFailure: 'rollback' } });
    const walk = new Walk(fleet, started(fleet));
    walk.promote(T0);
    walk.promote(minutes(T0, 60));
    const wave01 = [...waveOf(fleet, 0), ...waveOf(fleet, 1)].sort();
    const [bad] = waveOf(fleet, 1);
    const plan = walk.promote(minutes(T0, 70), convergedHealth(walk.fleet, { [bad!]: { ready: true, version: '1.4.9' } }));
    expect(plan.action).toBe('rolled-back');
    expect(walk.state?.phase).toBe('rolled-back');
    expect([...plan.stamps].sort()).toEqual(wave01);
    expect(plan.changes.every((c) => c.from === '1.5.0' && c.to === '1.4.0')).toBe(true);
    expect(walk.fleet.stamps.every((s) => s.spec.version === '1.4.0')).toBe(true);
    expect(walk.state?.stamps).toEqual({});
    expect(walk.state?.halted).toBeDefined();
    // Fully rolled back: a new rollout may replace it.
    expect(planStart(walk.fleet, walk.state, '1.5.0', minutes(T0, 80)).ok).toBe(true);
  });

  it('rollback by hand returns every promoted stamp to its recorded version', () => {
    const fleet = aRolloutFleet(9);
    const walk = new Walk(fleet, started(fleet));
    walk.promote(T0);
    const result = planRollback(walk.fleet, walk.state, minutes(T0, 5));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.changes.map((c) => c.stamp)).toEqual(waveOf(fleet, 0));
    expect(result.state.halted?.reason).toBe('rolled back by hand');
  });

  it('is frozen inside a freeze window, with its end and reason, and changes nothing', () => {
    const window = { start: '2026-11-02T08:00:00Z', end: '2026-11-02T18:00:00Z', reason: 'Black Friday prep' };
    const fleet = aRolloutFleet(9, { policy: { freezeWindows: [window] } });
    const walk = new Walk(fleet, started(fleet));
    const frozen = walk.promote(T0);
    expect(frozen).toMatchObject({ action: 'frozen', until: '2026-11-02T18:00:00.000Z', changes: [] });
    expect(frozen.state).toBeUndefined();
    expect(walk.promote(T0).reason).toContain('Black Friday prep');
    expect(walk.promote(new Date(window.end))).toMatchObject({ action: 'promoted', wave: 0 });
  });

  it('reports idle without a rollout', () => {
    expect(planPromotion({ fleet: aRolloutFleet(3), state: undefined, health: NO_HEALTH, now: T0 }).action).toBe('idle');
  });
});

describe('planStart', () => {
  const cases: { name: string; fleet: () => FleetView; state?: (f: FleetView) => RolloutState; version: string; error: RegExp }[] = [
    {
      name: 'a version not in the catalog',
      fleet: () => aRolloutFleet(3),
      version: '9.9.9',
      error: /9\.9\.9 is not in the release catalog; use one of 1\.3\.0, 1\.4\.0, 1\.5\.0/,
    },
    {
      name: 'a stamp outside the upgrade path, naming the release it needs first',
      fleet: () => {
        const f = aRolloutFleet(3);
        return { ...f, stamps: f.stamps.map((s, i) => (i === 1 ? { ...s, spec: { ...s.spec, version: '1.3.0' } } : s)) };
      },
      version: '1.5.0',
      error: /stamp-eu-2 runs 1\.3\.0, outside 1\.5\.0's upgradeFrom '>=1\.4\.0 <1\.5\.0'; roll out 1\.4\.0 to it first/,
    },
    {
      name: 'a second rollout while one is in progress',
      fleet: () => aRolloutFleet(3),
      state: (f) => started(f),
      version: '1.5.0',
      error: /a rollout of 1\.5\.0 is in progress/,
    },
  ];
  it.each(cases)('refuses $name', ({ fleet, state, version, error }) => {
    const f = fleet();
    const result = planStart(f, state?.(f), version, T0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(error);
  });

  it('halt refuses without a rollout, and resume refuses when not halted', () => {
    expect(planHalt(undefined, 'x', T0).ok).toBe(false);
    expect(planResume(started(aRolloutFleet(3)), T0).ok).toBe(false);
  });
});
