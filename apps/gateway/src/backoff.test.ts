import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffAdmit, backoffRecord, retryAfterSeconds, type BackoffEntry, type BackoffPolicy } from './backoff.ts';

const policy: BackoffPolicy = { failures: 3, baseMs: 1000, maxMs: 4000 };

describe('tenant back-off', () => {
  it('starts after exactly `failures` consecutive failures, then doubles up to the cap', () => {
    let entry: BackoffEntry | undefined;
    entry = backoffRecord(entry, true, 0, policy);
    entry = backoffRecord(entry, true, 0, policy);
    expect(backoffAdmit(entry, 0)).toEqual({ allowed: true });
    entry = backoffRecord(entry, true, 10, policy);
    expect(entry).toEqual({ failures: 2, level: 1, untilMs: 1010 });
    expect(backoffAdmit(entry, 1009)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(backoffAdmit(entry, 1010)).toEqual({ allowed: true });
    entry = backoffRecord(entry, true, 1010, policy);
    expect(entry).toEqual({ failures: 2, level: 2, untilMs: 3010 });
    entry = backoffRecord(entry, true, 3010, policy);
    expect(entry?.untilMs).toBe(7010);
    entry = backoffRecord(entry, true, 7010, policy);
    expect(entry?.untilMs).toBe(11_010); // capped at 4000
  });

  it('a success ends the streak and forgets the tenant', () => {
    expect(backoffRecord({ failures: 2, level: 3, untilMs: 0 }, false, 0, policy)).toBeUndefined();
    expect(backoffRecord(undefined, false, 0, policy)).toBeUndefined();
  });

  it('a late failure during a back-off does not extend it', () => {
    const entry = { failures: 2, level: 1, untilMs: 500 };
    expect(backoffRecord(entry, true, 499, policy)).toBe(entry);
  });

  it('admits a tenant with no record', () => expect(backoffAdmit(undefined, 0)).toEqual({ allowed: true }));

  it.each([
    { ms: 1, s: 1 },
    { ms: 0, s: 1 },
    { ms: 1000, s: 1 },
    { ms: 1001, s: 2 },
  ])('Retry-After for $ms ms is $s s', ({ ms, s }) => expect(retryAfterSeconds(ms)).toBe(s));

  it('property: a back-off never exceeds maxMs, and successes always clear it', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ failed: fc.boolean(), dt: fc.nat(5000) }), { maxLength: 40 }), (steps) => {
        let entry: BackoffEntry | undefined;
        let now = 0;
        for (const step of steps) {
          now += step.dt;
          if (!backoffAdmit(entry, now).allowed) continue;
          entry = backoffRecord(entry, step.failed, now, policy);
          if (!step.failed) expect(entry).toBeUndefined();
          if (entry) expect(entry.untilMs - now).toBeLessThanOrEqual(policy.maxMs);
        }
      }),
    );
  });
});
