import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findRelease, type Stamp } from '@stampyard/stamp-spec';
import { planPromotion } from './promote.ts';
import { planHalt, planResume } from './lifecycle.ts';
import type { HealthReport, StampHealth } from './health/report.ts';
import { activeFreezeWindow, bakeMinutesFor } from './policy.ts';
import { upgradeAllowed, type FleetView } from './fleet-view.ts';
import { newRolloutState, type RolloutState } from './state.ts';
import { bakeStartOf, type Landing } from './landing.ts';
import { aRolloutFleet, applyChanges, convergedHealth, minutes } from './testing/index.ts';

const T0 = new Date('2026-11-02T00:00:00Z');
const TARGET = '1.5.0';

type Observed = 'converged' | 'unready' | 'unknown' | 'old' | 'other';
interface Step {
  readonly kind: 'promote' | 'halt' | 'resume';
  readonly advance: number;
  /** Minutes after the step until its commit lands on the branch; undefined: never (no history for it). */
  readonly landAfter?: number | undefined;
  readonly observed: readonly Observed[];
}

const scenario = fc.record({
  count: fc.integer({ min: 1, max: 12 }),
  waves: fc.integer({ min: 1, max: 4 }),
  oldStamps: fc.array(fc.nat(11), { maxLength: 2 }),
  bake: fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 4, maxLength: 4 }),
  batch: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  onFailure: fc.constantFrom('halt' as const, 'rollback' as const),
  freeze: fc.option(fc.record({ from: fc.integer({ min: 0, max: 600 }), length: fc.integer({ min: 1, max: 300 }) }), { nil: undefined }),
  steps: fc.array(
    fc.record({
      kind: fc.constantFrom('promote', 'promote', 'promote', 'promote', 'halt', 'resume') as fc.Arbitrary<Step['kind']>,
      advance: fc.integer({ min: 0, max: 150 }),
      landAfter: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
      observed: fc.array(
        fc.constantFrom<Observed>('converged', 'converged', 'converged', 'converged', 'unready', 'unknown', 'old', 'other'),
        { minLength: 12, maxLength: 12 },
      ),
    }),
    { minLength: 1, maxLength: 25 },
  ),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function buildFleet(s: Scenario): FleetView {
  const base = aRolloutFleet(s.count, {
    waves: s.waves,
    policy: {
      bakeMinutes: { default: 60, waves: Object.fromEntries(s.bake.map((m, w) => [String(w), m])) },
      ...(s.batch ? { maxStampsPerStep: s.batch } : {}),
      onFailure: s.onFailure,
      freezeWindows: s.freeze
        ? [
            {
              start: minutes(T0, s.freeze.from).toISOString(),
              end: minutes(T0, s.freeze.from + s.freeze.length).toISOString(),
              reason: 'test freeze',
            },
          ]
        : [],
    },
  });
  // A few stamps on 1.3.0: outside 1.5.0's upgradeFrom, so they must never get it.
  const old = new Set(s.oldStamps.map((i) => i % s.count));
  return { ...base, stamps: base.stamps.map((st, i) => (old.has(i) ? ({ ...st, spec: { ...st.spec, version: '1.3.0' } } as Stamp) : st)) };
}

function healthFor(fleet: FleetView, state: RolloutState, observed: readonly Observed[]): HealthReport {
  const stamps: Record<string, StampHealth> = {};
  fleet.stamps.forEach((s, i) => {
    const name = s.metadata.name;
    const o = observed[i % observed.length]!;
    if (o === 'unknown') return;
    if (o === 'converged') stamps[name] = { ready: true, version: s.spec.version };
    if (o === 'unready') stamps[name] = { ready: false, version: s.spec.version };
    if (o === 'old') stamps[name] = { ready: true, version: state.stamps[name]?.fromVersion ?? s.spec.version };
    if (o === 'other') stamps[name] = { ready: true, version: '1.4.9' };
  });
  return { source: 'property', stamps };
}

describe('promote properties', () => {
  it('never promotes past an unhealthy, unbaked or unfinished earlier wave, never breaks an upgrade path, changes nothing while halted or frozen, and is idempotent', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        let fleet = buildFleet(s);
        let state: RolloutState = { ...newRolloutState(TARGET, T0), revision: 1 };
        let now = T0;
        const landings: Landing[] = [];
        const release = findRelease(fleet.spec, TARGET)!;
        for (const step of s.steps) {
          now = minutes(now, step.advance);
          if (step.kind === 'halt') {
            const t = planHalt(state, 'operator', now);
            if (t.ok) state = t.state;
            continue;
          }
          if (step.kind === 'resume') {
            const t = planResume(state, now);
            if (t.ok) state = t.state;
            continue;
          }
          const health = healthFor(fleet, state, step.observed);
          const visible = landings.filter((l) => Date.parse(l.at) <= now.getTime());
          const input = { fleet, state, health, now, landings: visible };
          const plan = planPromotion(input);
          expect(planPromotion(input)).toEqual(plan);

          if (state.halted || activeFreezeWindow(fleet.spec.rollout, now) || state.phase === 'complete') {
            expect(plan.changes).toEqual([]);
            expect(plan.state).toBeUndefined();
          }
          if (['waiting', 'frozen', 'blocked', 'idle'].includes(plan.action)) {
            expect(plan.changes).toEqual([]);
            expect(plan.state).toBeUndefined();
          }
          if (plan.action === 'promoted') {
            for (const change of plan.changes) {
              const stamp = fleet.stamps.find((x) => x.metadata.name === change.stamp)!;
              expect(change.to).toBe(TARGET);
              expect(upgradeAllowed(release, change.from)).toBe(true);
              for (const earlier of fleet.stamps.filter((x) => x.spec.wave < stamp.spec.wave)) {
                expect(earlier.spec.version).toBe(TARGET);
                // Checked from the report itself, not through the planner's own verdict.
                const observed = health.stamps[earlier.metadata.name];
                expect(observed?.ready === true && observed.version === TARGET).toBe(true);
                const record = state.stamps[earlier.metadata.name];
                if (record) {
                  // Baked from when its promotion landed (never earlier than it was made).
                  const start = bakeStartOf(state, record, visible).at;
                  expect(start).toBeGreaterThanOrEqual(Date.parse(record.promotedAt));
                  expect(now.getTime()).toBeGreaterThanOrEqual(start + bakeMinutesFor(fleet.spec.rollout, earlier.spec.wave) * 60_000);
                }
              }
            }
          }
          if ((plan.action === 'halted' || plan.action === 'rolled-back') && plan.changes.length > 0) {
            for (const change of plan.changes) expect(change.to).toBe(state.stamps[change.stamp]?.fromVersion);
          }
          const before = plan;
          if (plan.state) {
            state = plan.state;
            if (step.landAfter !== undefined)
              landings.push({
                at: minutes(now, step.landAfter).toISOString(),
                revision: state.revision,
                startedAt: state.target.startedAt,
              });
            landings.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
          }
          fleet = applyChanges(fleet, plan.changes);
          if (before.action === 'promoted') {
            // The same clock and health again: nothing new is promoted.
            expect(planPromotion({ fleet, state, health, now, landings: visible }).action).not.toBe('promoted');
            // Even once every promoted stamp reports healthy on the target, the wave must bake first.
            const wave = before.wave!;
            if (bakeMinutesFor(fleet.spec.rollout, wave) > 0) {
              const again = planPromotion({ fleet, state, health: convergedHealth(fleet), now, landings: visible });
              expect(again.changes.filter((c) => fleet.stamps.find((x) => x.metadata.name === c.stamp)!.spec.wave > wave)).toEqual([]);
            }
          }
        }
        expect(
          fleet.stamps
            .filter((x) => x.spec.version === TARGET)
            .every((x) => upgradeAllowed(release, state.stamps[x.metadata.name]?.fromVersion ?? TARGET)),
        ).toBe(true);
      }),
      { numRuns: fc.readConfigureGlobal().numRuns ?? 300 },
    );
  });
});
