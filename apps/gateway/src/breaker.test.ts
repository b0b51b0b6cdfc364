import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLOSED, breakerAdmit, breakerRecord, type BreakerState } from './breaker.ts';

const policy = { failureThreshold: 3, cooldownMs: 1000 };

describe('breaker state machine', () => {
  it.each([
    { name: 'closed admits', state: CLOSED, now: 0, allowed: true, next: CLOSED },
    { name: 'open refuses during the cool-down', state: { kind: 'open', untilMs: 1000 }, now: 999, allowed: false, next: { kind: 'open', untilMs: 1000 } },
    { name: 'open lets one probe through after the cool-down', state: { kind: 'open', untilMs: 1000 }, now: 1000, allowed: true, next: { kind: 'half-open', probeInFlight: true } },
    { name: 'half-open refuses while the probe runs', state: { kind: 'half-open', probeInFlight: true }, now: 5000, allowed: false, next: { kind: 'half-open', probeInFlight: true } },
  ] as { name: string; state: BreakerState; now: number; allowed: boolean; next: BreakerState }[])('admit: $name', ({ state, now, allowed, next }) => {
    expect(breakerAdmit(state, now)).toEqual({ allowed, next });
  });

  it.each([
    { name: 'a failure counts', state: CLOSED, success: false, next: { kind: 'closed', failures: 1 } },
    { name: 'the threshold opens it', state: { kind: 'closed', failures: 2 }, success: false, next: { kind: 'open', untilMs: 1500 } },
    { name: 'a success resets the count', state: { kind: 'closed', failures: 2 }, success: true, next: CLOSED },
    { name: 'a good probe closes it', state: { kind: 'half-open', probeInFlight: true }, success: true, next: CLOSED },
    { name: 'a failed probe reopens it', state: { kind: 'half-open', probeInFlight: true }, success: false, next: { kind: 'open', untilMs: 1500 } },
    { name: 'a late failure keeps it open', state: { kind: 'open', untilMs: 900 }, success: false, next: { kind: 'open', untilMs: 900 } },
    { name: 'a late success keeps it open until a probe', state: { kind: 'open', untilMs: 900 }, success: true, next: { kind: 'open', untilMs: 900 } },
  ] as { name: string; state: BreakerState; success: boolean; next: BreakerState }[])('record: $name', ({ state, success, next }) => {
    expect(breakerRecord(state, success, 500, policy)).toEqual(next);
  });

  it('opens after exactly failureThreshold consecutive failures, whatever came before', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 20 }), (history) => {
        let state: BreakerState = CLOSED;
        for (const ok of history) if (breakerAdmit(state, 0).allowed) state = breakerRecord(state, ok, 0, policy);
        // Close it the only way there is: wait out the cool-down and let a probe succeed.
        if (state.kind === 'open') state = breakerAdmit(state, state.untilMs).next;
        state = breakerRecord(state, true, 0, policy);
        for (let i = 0; i < policy.failureThreshold; i++) {
          expect(state.kind).toBe('closed');
          state = breakerRecord(state, false, 0, policy);
        }
        expect(state).toEqual({ kind: 'open', untilMs: policy.cooldownMs });
      }),
    );
  });
});
