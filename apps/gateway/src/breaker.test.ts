import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLOSED,
  SUCCESS,
  breakerAbandon,
  breakerAdmit,
  breakerGaugeValue,
  breakerRecord,
  windowRecord,
  windowTrips,
  type BreakerPolicy,
  type BreakerState,
  type Outcome,
  type WindowBucket,
} from './breaker.ts';

const policy: BreakerPolicy = {
  connectFailures: 3,
  windowMs: 1000,
  buckets: 10,
  minRequests: 4,
  failureRatePercent: 50,
  minTenants: 2,
  minClients: 2,
  cooldownMs: 1000,
};
const fail = (tenant: string, client: string): Outcome => ({ kind: 'failure', tenant, client });
const CONNECT: Outcome = { kind: 'connect-failure' };

function run(outcomes: readonly Outcome[], nowMs = 0, from: BreakerState = CLOSED): BreakerState {
  return outcomes.reduce((state, outcome) => breakerRecord(state, outcome, nowMs, policy), from);
}

describe('breaker admission', () => {
  it.each([
    { name: 'closed admits', state: CLOSED, now: 0, allowed: true, next: CLOSED },
    {
      name: 'open refuses during the cool-down',
      state: { kind: 'open', untilMs: 1000 },
      now: 999,
      allowed: false,
      next: { kind: 'open', untilMs: 1000 },
    },
    {
      name: 'open lets one probe through after the cool-down',
      state: { kind: 'open', untilMs: 1000 },
      now: 1000,
      allowed: true,
      next: { kind: 'half-open', probeInFlight: true },
    },
    {
      name: 'half-open refuses while the probe runs',
      state: { kind: 'half-open', probeInFlight: true },
      now: 5000,
      allowed: false,
      next: { kind: 'half-open', probeInFlight: true },
    },
    {
      name: 'half-open with no probe in flight sends one',
      state: { kind: 'half-open', probeInFlight: false },
      now: 5000,
      allowed: true,
      next: { kind: 'half-open', probeInFlight: true },
    },
  ] as { name: string; state: BreakerState; now: number; allowed: boolean; next: BreakerState }[])(
    '$name',
    ({ state, now, allowed, next }) => {
      expect(breakerAdmit(state, now)).toEqual({ allowed, next });
    },
  );
});

describe('breaker transitions', () => {
  it.each([
    { name: 'a good probe closes it', state: { kind: 'half-open', probeInFlight: true }, outcome: SUCCESS, next: CLOSED },
    {
      name: 'a failed probe reopens it',
      state: { kind: 'half-open', probeInFlight: true },
      outcome: fail('a', '1'),
      next: { kind: 'open', untilMs: 1500 },
    },
    {
      name: 'a probe that cannot connect reopens it',
      state: { kind: 'half-open', probeInFlight: true },
      outcome: CONNECT,
      next: { kind: 'open', untilMs: 1500 },
    },
    {
      name: 'a late failure keeps it open',
      state: { kind: 'open', untilMs: 900 },
      outcome: fail('a', '1'),
      next: { kind: 'open', untilMs: 900 },
    },
    {
      name: 'a late success keeps it open until a probe',
      state: { kind: 'open', untilMs: 900 },
      outcome: SUCCESS,
      next: { kind: 'open', untilMs: 900 },
    },
  ] as { name: string; state: BreakerState; outcome: Outcome; next: BreakerState }[])('$name', ({ state, outcome, next }) => {
    expect(breakerRecord(state, outcome, 500, policy)).toEqual(next);
  });

  it('opens after exactly connectFailures consecutive connect failures', () => {
    expect(run([CONNECT, CONNECT]).kind).toBe('closed');
    expect(run([CONNECT, CONNECT, CONNECT], 7)).toEqual({ kind: 'open', untilMs: 1007 });
    expect(run([CONNECT, CONNECT, SUCCESS, CONNECT, CONNECT]).kind).toBe('closed');
    expect(run([CONNECT, CONNECT, fail('a', '1'), CONNECT, CONNECT]).kind).toBe('closed');
  });

  it('one tenant failing every request never opens it, whatever its volume and clients', () => {
    const outcomes = Array.from({ length: 50 }, (_, i) => fail('a', String(i)));
    expect(run(outcomes).kind).toBe('closed');
  });

  it('one client naming many tenants never opens it', () => {
    const outcomes = Array.from({ length: 50 }, (_, i) => fail(`t${i}`, '1'));
    expect(run(outcomes).kind).toBe('closed');
  });

  it('opens on a spread failure rate at the threshold, with enough volume', () => {
    expect(run([SUCCESS, SUCCESS, fail('a', '1'), fail('b', '2')]).kind).toBe('open'); // 50% of 4
    expect(run([SUCCESS, SUCCESS, SUCCESS, fail('a', '1'), fail('b', '2')]).kind).toBe('closed'); // 40% of 5
    expect(run([fail('a', '1'), fail('b', '2'), fail('c', '3')]).kind).toBe('closed'); // volume 3 < 4
  });

  it('forgets failures older than the window', () => {
    let state = run([fail('a', '1'), fail('b', '2')], 0);
    state = run([fail('a', '1'), fail('b', '2')], 1000, state);
    expect(state.kind).toBe('closed');
    expect(run([fail('a', '1'), fail('b', '2')], 900, run([fail('a', '1'), fail('b', '2')], 0)).kind).toBe('open');
  });

  it('an abandoned probe leaves room for the next one; nothing else changes', () => {
    expect(breakerAbandon({ kind: 'half-open', probeInFlight: true })).toEqual({ kind: 'half-open', probeInFlight: false });
    const open: BreakerState = { kind: 'open', untilMs: 5 };
    expect(breakerAbandon(open)).toBe(open);
    expect(breakerAbandon(CLOSED)).toBe(CLOSED);
    const idle: BreakerState = { kind: 'half-open', probeInFlight: false };
    expect(breakerAbandon(idle)).toBe(idle);
  });

  it.each([
    { state: CLOSED, value: 0 },
    { state: { kind: 'half-open', probeInFlight: true }, value: 1 },
    { state: { kind: 'open', untilMs: 0 }, value: 2 },
  ] as { state: BreakerState; value: number }[])('gauge of $state.kind is $value', ({ state, value }) =>
    expect(breakerGaugeValue(state)).toBe(value),
  );
});

describe('sliding window', () => {
  it('counts into the current bucket, opens a new one per width, and caps the spread lists', () => {
    let window: readonly WindowBucket[] = [];
    window = windowRecord(window, fail('a', '1'), 0, policy);
    window = windowRecord(window, fail('b', '1'), 50, policy);
    window = windowRecord(window, fail('c', '2'), 99, policy);
    expect(window).toEqual([{ startMs: 0, requests: 3, failures: 3, tenants: ['a', 'b'], clients: ['1', '2'] }]);
    window = windowRecord(window, SUCCESS, 100, policy);
    expect(window.map((b) => [b.startMs, b.requests, b.failures])).toEqual([
      [0, 3, 3],
      [100, 1, 0],
    ]);
    window = windowRecord(window, SUCCESS, 1000, policy);
    expect(window.map((b) => b.startMs)).toEqual([100, 1000]);
    window = windowRecord(window, SUCCESS, 1099, policy);
    expect(window.map((b) => b.startMs)).toEqual([100, 1000]);
    window = windowRecord(window, SUCCESS, 1100, policy);
    expect(window.map((b) => b.startMs)).toEqual([1000, 1100]);
  });

  it('judges volume, rate and spread together', () => {
    const bucket = (requests: number, failures: number, tenants: string[], clients: string[]): WindowBucket => ({
      startMs: 0,
      requests,
      failures,
      tenants,
      clients,
    });
    expect(windowTrips([bucket(4, 2, ['a', 'b'], ['1', '2'])], policy)).toBe(true);
    expect(windowTrips([bucket(3, 3, ['a', 'b'], ['1', '2'])], policy)).toBe(false);
    expect(windowTrips([bucket(5, 2, ['a', 'b'], ['1', '2'])], policy)).toBe(false);
    expect(windowTrips([bucket(4, 4, ['a'], ['1', '2'])], policy)).toBe(false);
    expect(windowTrips([bucket(4, 4, ['a', 'b'], ['1'])], policy)).toBe(false);
    expect(windowTrips([bucket(2, 1, ['a'], ['1']), { ...bucket(2, 1, ['b'], ['2']), startMs: 100 }], policy)).toBe(true);
    expect(windowTrips([bucket(2, 1, ['a'], ['1']), { ...bucket(2, 1, ['a'], ['1']), startMs: 100 }], policy)).toBe(false);
  });

  it('property: failures from one tenant, or from one client, never open a closed breaker', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ok: fc.boolean(), other: fc.string({ maxLength: 3 }), dt: fc.nat(300) }), { maxLength: 60 }),
        fc.boolean(),
        (history, oneTenant) => {
          let state: BreakerState = CLOSED;
          let now = 0;
          for (const step of history) {
            now += step.dt;
            const outcome = step.ok ? SUCCESS : oneTenant ? fail('victim', step.other) : fail(step.other, 'attacker');
            state = breakerRecord(state, outcome, now, policy);
          }
          expect(state.kind).toBe('closed');
        },
      ),
    );
  });
});
