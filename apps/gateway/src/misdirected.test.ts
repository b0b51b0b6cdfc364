import { describe, expect, it } from 'vitest';
import { sealRoutingTable } from '@stampyard/routing/lookup';
import { compileTable } from './route.ts';
import { decideAfterMisdirected, epochOf } from './misdirected.ts';

const table = compileTable(
  sealRoutingTable({
    schemaVersion: 1,
    domain: 'stamps.test',
    stamps: {
      'stamp-a': { endpoint: 'https://a.test', region: 'r', residency: 'eu', status: 'active' },
      'stamp-b': { endpoint: 'https://b.test', region: 'r', residency: 'eu', status: 'active' },
    },
    tenants: { moved: { stamp: 'stamp-b', status: 'active', epoch: 3 }, stays: { stamp: 'stamp-a', status: 'active' } },
  }),
  new Map(),
);

describe('decideAfterMisdirected', () => {
  it.each([
    {
      name: 'the re-read table names another stamp: retry there at its epoch',
      tenant: 'moved',
      refusedBy: 'stamp-a',
      replayable: true,
      retried: false,
      expected: { kind: 'retry', epoch: 3 },
    },
    {
      name: 'the same stamp again: 503, no guess',
      tenant: 'stays',
      refusedBy: 'stamp-a',
      replayable: true,
      retried: false,
      expected: { kind: 'unavailable' },
    },
    {
      name: 'already retried once: 503',
      tenant: 'moved',
      refusedBy: 'stamp-a',
      replayable: true,
      retried: true,
      expected: { kind: 'unavailable' },
    },
    {
      name: 'a streamed body: 503 for the client to retry',
      tenant: 'moved',
      refusedBy: 'stamp-a',
      replayable: false,
      retried: false,
      expected: { kind: 'unavailable' },
    },
    {
      name: 'the tenant left the table: 503',
      tenant: 'gone',
      refusedBy: 'stamp-a',
      replayable: true,
      retried: false,
      expected: { kind: 'unavailable' },
    },
  ])('$name', ({ tenant, refusedBy, replayable, retried, expected }) => {
    const decision = decideAfterMisdirected(table, tenant, refusedBy, replayable, retried);
    expect(decision).toMatchObject(expected);
    if (decision.kind === 'retry') expect(decision.stamp.name).not.toBe(refusedBy);
  });

  it('reads a missing epoch as 0', () => {
    expect([epochOf(table, 'moved'), epochOf(table, 'stays'), epochOf(table, 'gone')]).toEqual([3, 0, 0]);
  });
});
