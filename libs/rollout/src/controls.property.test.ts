// Properties of the controls over random fleets, policies, health and sequences of commands.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planPromotion } from './promote.ts';
import { planApprove, planExclude, planInclude } from './controls.ts';
import type { HealthReport, StampHealth } from './health/report.ts';
import { newRolloutState, type RolloutState } from './state.ts';
import { aRolloutFleet, applyChanges, minutes } from './testing/index.ts';

const T0 = new Date('2026-11-02T00:00:00Z');
const TARGET = '1.5.0';

type Observed = 'converged' | 'unready' | 'unknown' | 'old' | 'other' | 'failed';

const command = fc.oneof(
  fc.record({
    kind: fc.constant('promote' as const),
    observed: fc.array(fc.constantFrom<Observed>('converged', 'converged', 'converged', 'unready', 'unknown', 'old', 'other', 'failed'), {
      minLength: 12,
      maxLength: 12,
    }),
  }),
  fc.record({ kind: fc.constant('approve' as const), wave: fc.nat(3) }),
  fc.record({ kind: fc.constant('exclude' as const), stamp: fc.nat(11) }),
  fc.record({ kind: fc.constant('include' as const), stamp: fc.nat(11) }),
);

const scenario = fc.record({
  count: fc.integer({ min: 1, max: 12 }),
  waves: fc.integer({ min: 1, max: 4 }),
  approvalWaves: fc.uniqueArray(fc.nat(3), { maxLength: 3 }),
  deadline: fc.integer({ min: 1, max: 60 }),
  batch: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  steps: fc.array(fc.record({ advance: fc.integer({ min: 0, max: 90 }), command }), { minLength: 1, maxLength: 30 }),
});

/** What the health source reports for each stamp, by the step's draw. */
function healthFor(
  names: readonly string[],
  declared: (name: string) => string,
  state: RolloutState,
  observed: readonly Observed[],
): HealthReport {
  const stamps: Record<string, StampHealth> = {};
  names.forEach((name, i) => {
    const o = observed[i % observed.length]!;
    const version = declared(name);
    if (o === 'converged') stamps[name] = { ready: true, version };
    if (o === 'unready') stamps[name] = { ready: false, version };
    if (o === 'old') stamps[name] = { ready: true, version: state.stamps[name]?.fromVersion ?? version };
    if (o === 'other') stamps[name] = { ready: true, version: '1.4.9' };
    if (o === 'failed') stamps[name] = { ready: false, version, failure: 'CrashLoopBackOff' };
  });
  return { source: 'property', stamps };
}

describe('control properties', () => {
  it('an excluded stamp is never promoted; no wave that needs approval is promoted without one for this rollout; no wave is promoted while an earlier one is converging, failing or unapproved', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        let fleet = aRolloutFleet(s.count, {
          waves: s.waves,
          policy: {
            bakeMinutes: { default: 30, waves: {} },
            approval: { waves: s.approvalWaves },
            progressDeadlineMinutes: s.deadline,
            ...(s.batch ? { maxStampsPerStep: s.batch } : {}),
          },
        });
        const names = fleet.stamps.map((x) => x.metadata.name);
        let state: RolloutState = { ...newRolloutState(TARGET, T0), revision: 1 };
        let now = T0;
        for (const step of s.steps) {
          now = minutes(now, step.advance);
          const c = step.command;
          if (c.kind === 'approve') {
            const t = planApprove(fleet, state, { wave: c.wave, by: 'prop' }, now);
            if (t.ok) state = t.state;
            continue;
          }
          if (c.kind === 'exclude' || c.kind === 'include') {
            const name = names[c.stamp % names.length]!;
            const t = c.kind === 'exclude' ? planExclude(fleet, state, name, 'property', now) : planInclude(fleet, state, name, now);
            if (t.ok) state = t.state;
            continue;
          }
          const declared = (name: string) => fleet.stamps.find((x) => x.metadata.name === name)!.spec.version;
          const health = healthFor(names, declared, state, c.observed);
          const plan = planPromotion({ fleet, state, health, now });
          if (plan.action === 'promoted') {
            const wave = plan.wave!;
            for (const change of plan.changes) {
              // 1. An excluded stamp is never promoted.
              expect(Object.hasOwn(state.excluded, change.stamp)).toBe(false);
            }
            // 2. A wave that needs approval has one, recorded in this rollout.
            if (s.approvalWaves.includes(wave)) expect(state.approvals.some((a) => a.wave === wave)).toBe(true);
            // 3. Every earlier wave is done: each stamp not excluded runs the target and, from the report
            //    itself, is ready on it without a failure (so neither converging nor failing).
            for (const earlier of fleet.stamps.filter((x) => x.spec.wave < wave && !Object.hasOwn(state.excluded, x.metadata.name))) {
              expect(earlier.spec.version).toBe(TARGET);
              const observed = health.stamps[earlier.metadata.name];
              expect(observed?.ready === true && observed.version === TARGET && observed.failure === undefined).toBe(true);
            }
            // ... and so is every stamp of this wave that already runs the target (batches).
            for (const same of fleet.stamps.filter(
              (x) => x.spec.wave === wave && x.spec.version === TARGET && !Object.hasOwn(state.excluded, x.metadata.name),
            )) {
              const observed = health.stamps[same.metadata.name];
              expect(observed?.ready === true && observed.version === TARGET && observed.failure === undefined).toBe(true);
            }
          }
          if (plan.action === 'complete') {
            for (const x of fleet.stamps.filter((y) => !Object.hasOwn(state.excluded, y.metadata.name)))
              expect(x.spec.version).toBe(TARGET);
          }
          if (plan.state) state = plan.state;
          fleet = applyChanges(fleet, plan.changes);
          if (state.phase !== 'progressing') break;
        }
      }),
      { numRuns: 300 },
    );
  });
});
