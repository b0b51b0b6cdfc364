import { describe, expect, it } from 'vitest';
import { ValidationError, formatIssue } from '@stampyard/stamp-spec';
import { aTenant, fleetOf, smallStamps } from './private/fixtures.ts';
import { planMove } from './move.ts';

// stamp-eu-1 holds a (5 of 10); stamp-eu-2 holds b; stamp-us-1 holds u; stamp-eu-big is big's.
const fleet = fleetOf(smallStamps(), [
  [
    aTenant({ id: 'a', weight: 5, stamp: 'stamp-eu-1' }),
    aTenant({ id: 'b', weight: 3, stamp: 'stamp-eu-2' }),
    aTenant({ id: 'u', residency: 'us', stamp: 'stamp-us-1' }),
    aTenant({ id: 'big', isolation: 'dedicated', stamp: 'stamp-eu-big' }),
    aTenant({ id: 'free', residency: 'any' }),
  ],
]);

function failure(tenant: string, to: string): string {
  try {
    planMove(fleet, tenant, to);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map(formatIssue).join('\n');
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('planMove', () => {
  it('moves a tenant and records where it came from', () => {
    expect(planMove(fleet, 'b', 'stamp-eu-1')).toEqual({
      tenantId: 'b',
      from: 'stamp-eu-2',
      to: 'stamp-eu-1',
      list: 0,
      index: 1,
      file: 'tenants/tenants-000.yaml',
    });
  });

  it('binds an unplaced tenant without a previous stamp', () => {
    expect(planMove(fleet, 'free', 'stamp-us-1')).not.toHaveProperty('from');
  });

  it.each([
    {
      name: 'unknown tenant',
      tenant: 'nobody',
      to: 'stamp-eu-1',
      expected: "(command line):1:1 <tenant>: no tenant 'nobody' in tenants/*.yaml; check the id or add the tenant to a tenant file",
    },
    {
      name: 'unknown stamp',
      tenant: 'b',
      to: 'stamp-eu-9',
      expected: "(command line):1:1 --to: stamp 'stamp-eu-9' does not exist; pick one of stamp-eu-1",
    },
    {
      name: 'residency mismatch',
      tenant: 'b',
      to: 'stamp-us-1',
      expected:
        "tenants/tenants-000.yaml:15:12 items[1].stamp: cannot move 'b' to stamp-us-1: stamp-us-1 is in zone 'us' but tenant 'b' must stay in 'eu'; pick one of stamp-eu-1",
    },
    { name: 'full stamp', tenant: 'b', to: 'stamp-eu-1', expected: '', setup: 'heavy' },
    {
      name: 'draining stamp',
      tenant: 'b',
      to: 'stamp-eu-old',
      expected: "cannot move 'b' to stamp-eu-old: stamp-eu-old is draining and takes no new tenants",
    },
    {
      name: 'shared tenant on a dedicated stamp',
      tenant: 'b',
      to: 'stamp-eu-big',
      expected: "cannot move 'b' to stamp-eu-big: stamp-eu-big is dedicated to 'big' and takes no shared tenants",
    },
    {
      name: 'dedicated tenant on a shared stamp',
      tenant: 'big',
      to: 'stamp-eu-2',
      expected:
        "cannot move 'big' to stamp-eu-2: tenant 'big' is dedicated and stamp-eu-2 is shared; it needs the stamp whose spec.dedicatedTo is 'big'; no stamp can take it",
    },
    { name: 'already there', tenant: 'a', to: 'stamp-eu-1', expected: "tenant 'a' is already on stamp-eu-1; nothing to move" },
  ])('refuses: $name', ({ tenant, to, expected, setup }) => {
    if (setup === 'heavy') {
      const full = fleetOf(smallStamps(), [
        [aTenant({ id: 'a', weight: 8, stamp: 'stamp-eu-1' }), aTenant({ id: 'b', weight: 3, stamp: 'stamp-eu-2' })],
      ]);
      expect(() => planMove(full, 'b', 'stamp-eu-1')).toThrow(
        "stamp-eu-1 has 2 of 10 capacity units free and tenant 'b' needs 3; no stamp can take it",
      );
      return;
    }
    expect(failure(tenant, to)).toContain(expected);
  });
});
