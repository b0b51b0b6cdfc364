import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aFleetSpec, aStamp, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import { applyUsageExport, planUsageExport, withDuckDB } from './export.ts';
import { compactLake, planCompaction } from './compact.ts';
import { openLake } from './engine.ts';
import { scanLake } from './scan.ts';
import type { UsageSnapshot } from './snapshot.ts';

const fleet = toLoadedFleet({
  fleet: aFleetSpec(),
  stamps: [aStamp({ name: 'stamp-eu-1' }), aStamp({ name: 'stamp-eu-2', region: 'northeurope' })],
});
const DAY = 86_400_000;
const FIRST = Date.parse('2026-10-30T00:00:00Z');

const usage = fc.record({
  tenant: fc.constantFrom('a', 'b', 'c'),
  requests: fc.integer({ min: 0, max: 1000 }),
  errors: fc.integer({ min: 0, max: 10 }),
  latencySumMs: fc.integer({ min: 0, max: 100_000 }).map((n) => n / 4),
  latencyCount: fc.integer({ min: 0, max: 1000 }),
  storageBytes: fc.integer({ min: 0, max: 1e9 }),
});
// Periods of 12 hours over four days that straddle a month's end, so compaction makes two files.
const snapshot = (stamp: string) =>
  fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 6 }).chain((periods) =>
    fc
      .tuple(
        ...periods.map((p) =>
          fc.uniqueArray(usage, { selector: (u) => u.tenant, minLength: 1 }).map((tenants) => ({
            start: new Date(FIRST + (p * DAY) / 2).toISOString(),
            end: new Date(FIRST + ((p + 1) * DAY) / 2).toISOString(),
            closed: true,
            tenants,
          })),
        ),
      )
      .map((list): UsageSnapshot => ({ stamp, version: '1.4.0', periodSeconds: 43_200, periods: list })),
  );

describe('compaction (property)', () => {
  it('never changes an answer, and leaves one object per zone and month', async () => {
    await fc.assert(
      fc.asyncProperty(snapshot('stamp-eu-1'), snapshot('stamp-eu-2'), async (one, two) => {
        const lake = await mkdtemp(join(tmpdir(), 'stampyard-compact-prop-'));
        try {
          await withDuckDB(async (c) => {
            await applyUsageExport(c, lake, planUsageExport([one], { stamp: 'stamp-eu-1', zone: 'eu' }));
            await applyUsageExport(c, lake, planUsageExport([two], { stamp: 'stamp-eu-2', zone: 'eu' }));
          });
          const everything = async () => {
            const session = await openLake({ lake, fleet, zone: 'eu' });
            try {
              return (await session.query('SELECT * FROM usage ORDER BY stamp, period_start, tenant, version')).rows;
            } finally {
              session.close();
            }
          };
          const before = await everything();
          await compactLake({ lake, before: '2026-11-03' });
          expect(await everything()).toEqual(before);
          const { objects } = await scanLake(lake, ['eu']);
          // One object per month: the merged file, or a month's lone export, left as it is.
          const months = objects.map((o) => (o.kind === 'compacted' ? o.month : o.date.slice(0, 7)));
          expect(new Set(months).size).toBe(objects.length);
          // Nothing left to do.
          const replanned = await withDuckDB(async () => planCompaction(objects, new Map(), '2026-11-03'));
          expect(replanned.steps).toEqual([]);
        } finally {
          await rm(lake, { recursive: true, force: true });
        }
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});
