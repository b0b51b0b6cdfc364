import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualClock, pickStartTime } from './clock.ts';

describe('VirtualClock', () => {
  it('runs `scale` times faster than the real clock', () => {
    let real = 1000;
    const clock = new VirtualClock(new Date('2026-06-01T09:00:00Z'), 60, () => real);
    expect(clock.now().toISOString()).toBe('2026-06-01T09:00:00.000Z');
    real += 1000; // one real second is one virtual minute
    expect(clock.now().toISOString()).toBe('2026-06-01T09:01:00.000Z');
    expect(clock.realMsFor(120)).toBe(120_000);
    expect(clock.realMsUntil(new Date('2026-06-01T09:03:00Z'))).toBe(2000);
    expect(clock.realMsUntil(new Date('2026-06-01T08:00:00Z'))).toBe(0);
  });

  it('stands still while paused', async () => {
    let real = 0;
    const clock = new VirtualClock(new Date('2026-06-01T09:00:00Z'), 60, () => real);
    await clock.paused(async () => {
      real += 5000;
      expect(clock.now().toISOString()).toBe('2026-06-01T09:00:00.000Z');
    });
    real += 1000;
    expect(clock.now().toISOString()).toBe('2026-06-01T09:01:00.000Z');
  });

  it('rejects a scale that is not positive', () => {
    for (const scale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new VirtualClock(new Date(0), scale)).toThrow(/positive/);
    }
  });

  it('after waiting realMsUntil(t), the virtual clock has reached t', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 10_000_000 }), (scale, aheadMs) => {
        let real = 0;
        const clock = new VirtualClock(new Date('2026-06-01T00:00:00Z'), scale, () => real);
        const target = new Date(clock.now().getTime() + aheadMs);
        real += clock.realMsUntil(target) + 1000 / scale;
        expect(clock.now().getTime()).toBeGreaterThanOrEqual(Math.floor(target.getTime() / 1000) * 1000);
      }),
    );
  });
});

describe('pickStartTime', () => {
  const freeze = [{ start: '2026-12-23T00:00:00Z', end: '2027-01-02T00:00:00Z', reason: 'year end' }];
  it.each([
    { name: 'outside any window', now: '2026-11-28T13:05:00Z', expected: '2026-11-28T13:05:00.000Z' },
    { name: 'inside a window', now: '2026-12-25T10:00:00Z', expected: '2027-01-02T00:00:00.000Z' },
    { name: 'a window starts within the next day', now: '2026-12-22T12:00:00Z', expected: '2027-01-02T00:00:00.000Z' },
    { name: 'just after a window', now: '2027-01-02T00:00:00Z', expected: '2027-01-02T00:00:00.000Z' },
  ])('$name', ({ now, expected }) => {
    expect(pickStartTime(new Date(now), freeze).toISOString()).toBe(expected);
  });
});
