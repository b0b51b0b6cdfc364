import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Counts, Occupancy, decideShare, defaultTenantShare, type ShareLimits } from './fairness.ts';

const limits: ShareLimits = { perStamp: 4, perTenant: 2, perClient: 3 };

describe('decideShare', () => {
  it.each([
    { name: 'room everywhere', inFlight: { stamp: 3, tenant: 1, client: 2 }, expected: undefined },
    { name: 'stamp full', inFlight: { stamp: 4, tenant: 0, client: 0 }, expected: 'stamp-busy' },
    { name: 'tenant at its share', inFlight: { stamp: 0, tenant: 2, client: 0 }, expected: 'tenant-busy' },
    { name: 'client at its cap', inFlight: { stamp: 0, tenant: 0, client: 3 }, expected: 'client-busy' },
    { name: 'the narrowest share is named first: client', inFlight: { stamp: 4, tenant: 2, client: 3 }, expected: 'client-busy' },
    { name: 'the narrowest share is named first: tenant', inFlight: { stamp: 4, tenant: 2, client: 0 }, expected: 'tenant-busy' },
  ])('$name → $expected', ({ inFlight, expected }) => expect(decideShare(inFlight, limits)).toBe(expected));

  it.each([
    { perStamp: 256, share: 64 },
    { perStamp: 7, share: 1 },
    { perStamp: 3, share: 1 },
    { perStamp: 1, share: 1 },
  ])('a tenant gets a quarter of $perStamp by default: $share', ({ perStamp, share }) => expect(defaultTenantShare(perStamp)).toBe(share));
});

describe('Counts', () => {
  it('forgets a key once its count is back to 0', () => {
    const counts = new Counts();
    counts.increment('a');
    counts.increment('a');
    expect([counts.get('a'), counts.size]).toEqual([2, 1]);
    counts.decrement('a');
    expect(counts.get('a')).toBe(1);
    counts.decrement('a');
    expect([counts.get('a'), counts.size]).toEqual([0, 0]);
    counts.decrement('b');
    expect(counts.size).toBe(0);
    counts.increment('c');
    expect([...counts.entries()]).toEqual([['c', 1]]);
  });
});

describe('Occupancy', () => {
  it('one tenant fills only its share; the stamp keeps room for the others', () => {
    const occupancy = new Occupancy(limits);
    expect(occupancy.acquire('s', 'greedy', '1')).toEqual({ stamp: 's', tenant: 'greedy', client: '1' });
    expect(typeof occupancy.acquire('s', 'greedy', '2')).toBe('object');
    expect(occupancy.acquire('s', 'greedy', '3')).toBe('tenant-busy');
    expect(typeof occupancy.acquire('s', 'polite', '4')).toBe('object');
  });

  it('one client naming several tenants hits its own cap', () => {
    const occupancy = new Occupancy(limits);
    for (const tenant of ['a', 'b', 'c']) expect(typeof occupancy.acquire(tenant === 'c' ? 't' : 's', tenant, 'x')).toBe('object');
    expect(occupancy.acquire('s', 'd', 'x')).toBe('client-busy');
  });

  it('a refusal takes nothing, and a tenant is counted within its stamp', () => {
    const occupancy = new Occupancy({ perStamp: 1, perTenant: 1, perClient: 5 });
    const slot = occupancy.acquire('s', 'a', '1');
    expect(occupancy.acquire('s', 'b', '1')).toBe('stamp-busy');
    expect(occupancy.clients.get('1')).toBe(1);
    expect(typeof occupancy.acquire('t', 'a', '1')).toBe('object');
    if (typeof slot === 'string') throw new Error('expected a slot');
    occupancy.release(slot);
    expect([occupancy.stamps.get('s'), occupancy.tenants.get('s/a'), occupancy.clients.get('1')]).toEqual([0, 0, 1]);
  });

  it('property: counts never pass a limit, and releasing every slot leaves nothing behind', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            stamp: fc.constantFrom('s', 't'),
            tenant: fc.constantFrom('a', 'b', 'c'),
            client: fc.constantFrom('1', '2'),
            release: fc.nat(3),
          }),
        ),
        (steps) => {
          const occupancy = new Occupancy(limits);
          const held = [];
          for (const step of steps) {
            const slot = occupancy.acquire(step.stamp, step.tenant, step.client);
            if (typeof slot !== 'string') held.push(slot);
            if (step.release === 0 && held.length > 0) occupancy.release(held.shift()!);
            for (const [, n] of occupancy.stamps.entries()) expect(n).toBeLessThanOrEqual(limits.perStamp);
            for (const [, n] of occupancy.tenants.entries()) expect(n).toBeLessThanOrEqual(limits.perTenant);
            for (const [, n] of occupancy.clients.entries()) expect(n).toBeLessThanOrEqual(limits.perClient);
          }
          for (const slot of held) occupancy.release(slot);
          expect([occupancy.stamps.size, occupancy.tenants.size, occupancy.clients.size]).toEqual([0, 0, 0]);
        },
      ),
    );
  });
});
