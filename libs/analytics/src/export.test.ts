import { describe, expect, it } from 'vitest';
import { expandSources, planUsageExport } from './export.ts';
import { parseUsageSnapshot, type UsageSnapshot } from './snapshot.ts';

const snapshot = (stamp: string, version: string, requests: number, closed = true): UsageSnapshot => ({
  stamp,
  version,
  periodSeconds: 3600,
  periods: [
    {
      start: '2026-12-03T10:00:00.000Z',
      end: '2026-12-03T11:00:00.000Z',
      closed,
      tenants: [{ tenant: 'acme', requests, errors: 1, latencySumMs: 2, latencyCount: requests, storageBytes: 10 }],
    },
  ],
});

describe('planUsageExport', () => {
  it("sums the replicas' counts of one period into one object", () => {
    const plan = planUsageExport([snapshot('s', '1.4.0', 3), snapshot('s', '1.4.0', 4)], { stamp: 's', zone: 'eu' });
    expect(plan.files).toHaveLength(1);
    expect(plan.files[0]!.path).toBe('zone=eu/stamp=s/date=2026-12-03/usage-20261203T100000Z.parquet');
    expect(plan.files[0]!.rows).toMatchObject([
      { tenant: 'acme', version: '1.4.0', requests: 7, errors: 2, latencyCount: 7, storageBytes: 20 },
    ]);
  });

  it('keeps two versions apart when replicas disagree mid-rollout', () => {
    const plan = planUsageExport([snapshot('s', '1.4.0', 3), snapshot('s', '1.5.0', 4)], { stamp: 's', zone: 'eu' });
    expect(plan.files[0]!.rows.map((r) => [r.version, r.requests])).toEqual([
      ['1.4.0', 3],
      ['1.5.0', 4],
    ]);
  });

  it('leaves the open period out unless asked', () => {
    expect(planUsageExport([snapshot('s', '1', 1, false)], { stamp: 's', zone: 'eu' }).files).toEqual([]);
    expect(planUsageExport([snapshot('s', '1', 1, false)], { stamp: 's', zone: 'eu', includeOpen: true }).files).toHaveLength(1);
  });

  it.each([
    {
      name: "another stamp's snapshot",
      snapshots: [snapshot('other', '1', 1)],
      options: { stamp: 's', zone: 'eu' },
      error: "comes from stamp 'other', not 's'",
    },
    { name: 'a zone that escapes its folder', snapshots: [], options: { stamp: 's', zone: '../us' }, error: 'is not a DNS-1123 label' },
    {
      name: 'a stamp that escapes its folder',
      snapshots: [],
      options: { stamp: 'a/../../b', zone: 'eu' },
      error: 'is not a DNS-1123 label',
    },
  ])('refuses $name', ({ snapshots, options, error }) => {
    expect(() => planUsageExport(snapshots, options)).toThrow(error);
  });
});

describe('parseUsageSnapshot', () => {
  it.each([
    { name: 'not JSON', body: '<html>', error: 'not JSON' },
    {
      name: 'a negative count',
      body: JSON.stringify({
        ...snapshot('s', '1', 1),
        periods: [
          {
            ...snapshot('s', '1', 1).periods[0],
            tenants: [{ tenant: 'a', requests: -1, errors: 0, latencySumMs: 0, latencyCount: 0, storageBytes: 0 }],
          },
        ],
      }),
      error: 'periods.0.tenants.0.requests',
    },
    { name: 'an unknown field', body: JSON.stringify({ ...snapshot('s', '1', 1), extra: 1 }), error: 'extra' },
    {
      name: 'an end before its start',
      body: JSON.stringify({
        ...snapshot('s', '1', 1),
        periods: [{ ...snapshot('s', '1', 1).periods[0], end: '2026-12-03T09:00:00.000Z' }],
      }),
      error: 'end must be after start',
    },
  ])('rejects $name, naming the source', ({ body, error }) => {
    const parsed = parseUsageSnapshot('http://x/usage', body);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^http:\/\/x\/usage: /);
    expect(!parsed.ok && parsed.error).toContain(error);
  });
});

describe('expandSources', () => {
  it('reads every address a host resolves to only when asked', async () => {
    expect(await expandSources(['http://127.0.0.1:9/usage'], true)).toEqual(['http://127.0.0.1:9/usage']);
    expect(await expandSources(['http://api-admin:9090/usage'], false)).toEqual(['http://api-admin:9090/usage']);
  });
});
