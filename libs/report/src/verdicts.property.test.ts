// The report, drift and `rollout promote --dry-run` give the same verdict on every wave, for random
// fleets, rollout histories (with and without landed commits) and health: they all read one decision.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  planDrift,
  planHalt,
  planPromotion,
  newRolloutState,
  type HealthReport,
  type Landing,
  type RolloutState,
  type StampHealth,
} from '@stampyard/rollout';
import { aRolloutFleet, applyChanges, minutes } from '@stampyard/rollout/testing';
import { rolloutStatusFrom } from './rollout-input.ts';

const T0 = new Date('2026-11-02T00:00:00Z');
const word = fc.constantFrom('converged', 'converged', 'converged', 'unready', 'unknown', 'old', 'other');

const scenario = fc.record({
  count: fc.integer({ min: 1, max: 10 }),
  waves: fc.integer({ min: 1, max: 4 }),
  bake: fc.integer({ min: 0, max: 120 }),
  batch: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  onFailure: fc.constantFrom('halt' as const, 'rollback' as const),
  steps: fc.array(
    fc.record({
      advance: fc.integer({ min: 0, max: 150 }),
      landAfter: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
      halt: fc.boolean(),
      observed: fc.array(word, { minLength: 10, maxLength: 10 }),
    }),
    { minLength: 1, maxLength: 15 },
  ),
});

function healthFor(fleet: ReturnType<typeof aRolloutFleet>, state: RolloutState, observed: readonly string[]): HealthReport {
  const stamps: Record<string, StampHealth> = {};
  fleet.stamps.forEach((s, i) => {
    const name = s.metadata.name;
    const o = observed[i % observed.length];
    if (o === 'converged') stamps[name] = { ready: true, version: s.spec.version };
    if (o === 'unready') stamps[name] = { ready: false, version: s.spec.version };
    if (o === 'old') stamps[name] = { ready: true, version: state.stamps[name]?.fromVersion ?? s.spec.version };
    if (o === 'other') stamps[name] = { ready: true, version: '1.4.9' };
  });
  return { source: 'property', stamps };
}

describe('one verdict per wave', () => {
  it('the report and drift say what promote --dry-run says, at every step of random rollouts', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        let fleet = aRolloutFleet(s.count, {
          waves: s.waves,
          policy: {
            bakeMinutes: { default: s.bake, waves: {} },
            ...(s.batch ? { maxStampsPerStep: s.batch } : {}),
            onFailure: s.onFailure,
          },
        });
        let state: RolloutState = { ...newRolloutState('1.5.0', T0), revision: 1 };
        let now = T0;
        const landings: Landing[] = [];
        for (const step of s.steps) {
          now = minutes(now, step.advance);
          const health = healthFor(fleet, state, step.observed);
          const input = { fleet, state, health, now, landings: landings.filter((l) => Date.parse(l.at) <= now.getTime()) };
          const dryRun = planPromotion(input);
          const promoteVerdict = dryRun.decision.waves.map((w) => `${w.wave}:${w.state}`);
          const report = rolloutStatusFrom(input)!;
          const drift = planDrift({ spec: fleet.spec, stamps: fleet.stamps, state, health, now, landings: input.landings });
          expect(report.waves.map((w) => `${w.wave}:${w.state}`)).toEqual(promoteVerdict);
          expect(drift.waves.map((w) => `${w.wave}:${w.state}`)).toEqual(promoteVerdict);
          // The wave promote acts on next carries promote's own reason in the report.
          const next = report.waves.find((w) => w.reason !== undefined && w.state !== 'halted');
          if (next) expect(next.reason).toBe(dryRun.reason);
          if (step.halt) {
            const t = planHalt(state, 'operator', now);
            if (t.ok) state = t.state;
            continue;
          }
          if (dryRun.state) {
            state = dryRun.state;
            fleet = applyChanges(fleet, dryRun.changes);
            if (step.landAfter !== undefined)
              landings.push({
                at: minutes(now, step.landAfter).toISOString(),
                revision: state.revision,
                startedAt: state.target.startedAt,
              });
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
