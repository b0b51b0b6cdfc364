// End to end over the real things: stamp-app processes on loopback count usage, the export code writes
// Parquet into a lake folder, DuckDB answers queries over it.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aFleetSpec, aStamp, aTenant, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import { exportUsage, withDuckDB, writeParquetAtomic } from './export.ts';
import { openLake, QueryError, ResidencyError, type LakeSession } from './engine.ts';
import { noisyNeighbours, topTenants, versionErrors } from './questions.ts';
import { applyCompaction, planCompaction, supersededBy } from './compact.ts';
import { LakeError, lakeZones, scanLake } from './scan.ts';
import { startStampApp, sendRequests, type RunningStampApp } from './testing/stamp-apps.ts';

const fleet = toLoadedFleet({
  fleet: aFleetSpec(),
  stamps: [
    aStamp({ name: 'stamp-eu-1', region: 'westeurope', version: '1.4.0', wave: 0 }),
    aStamp({ name: 'stamp-eu-2', region: 'northeurope', version: '1.5.0', wave: 1 }),
    aStamp({ name: 'stamp-us-1', region: 'eastus', version: '1.4.0', wave: 0 }),
  ],
  tenantFiles: [
    [
      aTenant({ id: 'big', stamp: 'stamp-eu-1', weight: 1 }),
      aTenant({ id: 'small', stamp: 'stamp-eu-1', weight: 3 }),
      aTenant({ id: 'mid', stamp: 'stamp-eu-2', weight: 1 }),
      aTenant({ id: 'yank', stamp: 'stamp-us-1', residency: 'us', weight: 1 }),
    ],
  ],
});

let lake: string;
const apps: RunningStampApp[] = [];

beforeAll(async () => {
  lake = await mkdtemp(join(tmpdir(), 'stampyard-lake-'));
  const [eu1, eu2, us1] = await Promise.all([
    startStampApp('stamp-eu-1', '1.4.0'),
    startStampApp('stamp-eu-2', '1.5.0'),
    startStampApp('stamp-us-1', '1.4.0'),
  ]);
  apps.push(eu1!, eu2!, us1!);
  // A skewed mix: 'big' sends 30 requests on eu-1 at weight 1, 'small' 3 at weight 3.
  await sendRequests(eu1!, 'big', 30, { bodyBytes: 10 });
  await sendRequests(eu1!, 'small', 3);
  await sendRequests(eu2!, 'mid', 8);
  await sendRequests(eu2!, 'mid', 2, { fail: true });
  await sendRequests(us1!, 'yank', 5);
  await exportUsage({ lake, stamp: 'stamp-eu-1', zone: 'eu', sources: [eu1!.usageUrl], includeOpen: true });
  await exportUsage({ lake, stamp: 'stamp-eu-2', zone: 'eu', sources: [eu2!.usageUrl], includeOpen: true });
  await exportUsage({ lake, stamp: 'stamp-us-1', zone: 'us', sources: [us1!.usageUrl], includeOpen: true });
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await rm(lake, { recursive: true, force: true });
});

async function withLakeAt<T>(
  dir: string,
  options: { zone?: string; allowCrossZone?: boolean },
  work: (session: LakeSession) => Promise<T>,
): Promise<T> {
  const session = await openLake({ lake: dir, fleet, ...options });
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

const withLake = <T>(options: { zone?: string; allowCrossZone?: boolean }, work: (session: LakeSession) => Promise<T>): Promise<T> =>
  withLakeAt(lake, options, work);

describe('the lake written by real exports', () => {
  it('lays objects out as zone=<z>/stamp=<s>/date=<d>/usage-<period-start>.parquet', async () => {
    expect(await lakeZones(lake)).toEqual(['eu', 'us']);
    const { objects, problems } = await scanLake(lake, ['eu', 'us']);
    expect(problems).toEqual([]);
    expect(objects.map((o) => o.path.replace(/date=.*$/, 'date=…'))).toEqual([
      'zone=eu/stamp=stamp-eu-1/date=…',
      'zone=eu/stamp=stamp-eu-2/date=…',
      'zone=us/stamp=stamp-us-1/date=…',
    ]);
    for (const o of objects)
      expect(o.path).toMatch(/^zone=(eu|us)\/stamp=stamp-(eu|us)-\d\/date=\d{4}-\d{2}-\d{2}\/usage-\d{8}T\d{6}Z\.parquet$/);
  });

  it('answers a query over one zone with exactly the counts the stamp-apps served', async () => {
    const result = await withLake({ zone: 'eu' }, (s) =>
      s.query(
        `SELECT stamp, tenant, version, sum(requests) AS requests, sum(errors) AS errors, sum(latency_count) AS latency_count, max(storage_bytes) AS storage_bytes, bool_and(latency_sum_ms > 0) AS timed FROM usage GROUP BY ALL ORDER BY stamp, tenant`,
      ),
    );
    expect(result.columns).toEqual(['stamp', 'tenant', 'version', 'requests', 'errors', 'latency_count', 'storage_bytes', 'timed']);
    expect(result.rows).toEqual([
      ['stamp-eu-1', 'big', '1.4.0', 30, 0, 30, 300, true],
      ['stamp-eu-1', 'small', '1.4.0', 3, 0, 3, 0, true],
      ['stamp-eu-2', 'mid', '1.5.0', 10, 2, 10, 0, true],
    ]);
  });

  it('joins usage with the stamps and tenants views from the fleet files', async () => {
    const result = await withLake({ zone: 'eu' }, (s) =>
      s.query(
        `SELECT u.tenant, s.region, s.wave, s.version, t.weight, t.isolation FROM usage u JOIN stamps s ON s.name = u.stamp JOIN tenants t ON t.id = u.tenant ORDER BY u.tenant`,
      ),
    );
    expect(result.rows).toEqual([
      ['big', 'westeurope', 0, '1.4.0', 1, 'shared'],
      ['mid', 'northeurope', 1, '1.5.0', 1, 'shared'],
      ['small', 'westeurope', 0, '1.4.0', 3, 'shared'],
    ]);
    const views = await withLake({ zone: 'eu' }, (s) =>
      s.query(`SELECT (SELECT count(*) FROM stamps), (SELECT count(*) FROM tenants), (SELECT count(*) FROM stamps WHERE zone <> 'eu')`),
    );
    expect(views.rows).toEqual([[2, 3, 0]]);
  });

  it('answers the ready-made questions', async () => {
    const top = await withLake({ zone: 'eu' }, (s) => s.query(topTenants().sql, topTenants().parameters));
    expect(top.rows.map((r) => [r[0], r[1], r[2], r[5]])).toEqual([
      ['big', 30, 0, 'stamp-eu-1'],
      ['mid', 10, 2, 'stamp-eu-2'],
      ['small', 3, 0, 'stamp-eu-1'],
    ]);
    const noisy = await withLake({ zone: 'eu' }, (s) => s.query(noisyNeighbours().sql, noisyNeighbours().parameters));
    // big: 30 of 33 requests (90.9%) on a quarter of the weight (25%).
    expect(noisy.columns).toEqual(['stamp', 'tenant', 'requests', 'load_percent', 'weight', 'weight_percent', 'ratio']);
    expect(noisy.rows).toEqual([['stamp-eu-1', 'big', 30, 90.91, 1, 25, 3.64]]);
    const versions = await withLake({ allowCrossZone: true }, (s) => s.query(versionErrors().sql, versionErrors().parameters));
    expect(versions.rows.map((r) => r.slice(0, 5))).toEqual([
      ['1.4.0', 2, 38, 0, 0],
      ['1.5.0', 1, 10, 2, 20],
    ]);
  });
});

describe('the residency rule', () => {
  it('refuses a lake of several zones without --zone or --allow-cross-zone', async () => {
    await expect(openLake({ lake, fleet })).rejects.toThrow(ResidencyError);
    await expect(openLake({ lake, fleet })).rejects.toThrow(
      'the lake holds 2 residency zones (eu, us); pass --zone <zone> to query one, or --allow-cross-zone',
    );
  });

  it('holds only the named zone in every view', async () => {
    const rows = await withLake({ zone: 'us' }, (s) =>
      s.query(`SELECT DISTINCT zone FROM usage UNION ALL SELECT DISTINCT zone FROM stamps UNION ALL SELECT DISTINCT zone FROM tenants`),
    );
    expect(rows.rows).toEqual([['us'], ['us'], ['us']]);
  });

  it('reads every zone with --allow-cross-zone, and says which', async () => {
    await withLake({ allowCrossZone: true }, async (s) => {
      expect(s.zones).toEqual(['eu', 'us']);
      expect(s.crossZone).toBe(true);
      expect((await s.query(`SELECT count(DISTINCT zone) FROM usage`)).rows).toEqual([[2]]);
    });
  });

  const hostile = [
    {
      name: "reads another zone's files directly",
      sql: `SELECT * FROM read_parquet('${'LAKE'}/zone=us/**/*.parquet')`,
      expectedError: 'file system operations are disabled',
    },
    {
      name: 'escapes its folder with ..',
      sql: `SELECT * FROM read_parquet('${'LAKE'}/zone=eu/../zone=us/**/*.parquet')`,
      expectedError: 'file system operations are disabled',
    },
    { name: 'reads any file', sql: `SELECT * FROM read_csv('/etc/passwd')`, expectedError: 'file system operations are disabled' },
    {
      name: 'writes into the lake',
      sql: `COPY (SELECT 1) TO '${'LAKE'}/zone=eu/x.parquet'`,
      expectedError: 'only SELECT queries may run on the lake; received a COPY statement',
    },
    { name: 'turns the guard off', sql: `SET enable_external_access = true`, expectedError: 'only SELECT queries' },
    { name: 'attaches a database', sql: `ATTACH '/tmp/x.db'`, expectedError: 'only SELECT queries' },
    {
      name: 'smuggles a second statement',
      sql: `SELECT 1; COPY (SELECT 1) TO '/tmp/x.csv'`,
      expectedError: 'pass exactly one SQL statement; received 2',
    },
    { name: 'is not SQL', sql: `SELEC nonsense`, expectedError: 'Parser Error' },
    { name: 'names a missing column', sql: `SELECT nope FROM usage`, expectedError: 'nope' },
  ];
  it.each(hostile)('a query that $name fails with QueryError, and reads nothing outside its zone', async ({ sql, expectedError }) => {
    await withLake({ zone: 'eu' }, async (s) => {
      const error = await s.query(sql.replaceAll('LAKE', lake)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryError);
      expect((error as Error).message).toContain(expectedError);
    });
  });
});

describe('compaction', () => {
  it('merges a zone into one file per month without changing any answer, and a second run does nothing', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'stampyard-lake-copy-'));
    try {
      await cp(lake, copy, { recursive: true });
      const ask = async () =>
        withLakeAt(copy, { zone: 'eu' }, async (s) => [
          (await s.query(topTenants().sql, topTenants().parameters)).rows,
          (await s.query(versionErrors().sql, versionErrors().parameters)).rows,
          (await s.query(`SELECT * FROM usage ORDER BY stamp, tenant, period_start`)).rows,
        ]);
      const before = await ask();
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const plan = await withDuckDB(async (c) => {
        const { objects } = await scanLake(copy, ['eu']);
        return planCompaction(objects, await supersededBy(c, copy, objects), tomorrow);
      });
      expect(plan.steps.map((s) => [s.zone, s.read.length])).toEqual([['eu', 2]]);
      const applied = await withDuckDB((c) => applyCompaction(c, copy, plan));
      expect(applied.written).toHaveLength(1);
      expect(applied.deleted).toHaveLength(2);
      expect(await ask()).toEqual(before);
      const again = await withDuckDB(async (c) => {
        const { objects } = await scanLake(copy, ['eu']);
        return planCompaction(objects, await supersededBy(c, copy, objects), tomorrow);
      });
      expect(again.steps).toEqual([]);
      // The other zone was never touched.
      expect(await readdir(join(copy, 'zone=us'))).toEqual(['stamp=stamp-us-1']);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

describe('a malformed file behind good ones', () => {
  it.each([
    { name: 'a Parquet file with other columns', write: `SELECT 'x' AS customer, 1 AS hits` },
    { name: 'a Parquet file missing a column', write: `SELECT * EXCLUDE (storage_bytes) FROM read_parquet('FIRST')` },
  ])('$name is named (LakeError), and skipped with skipBadFiles', async ({ write }) => {
    const copy = await mkdtemp(join(tmpdir(), 'stampyard-lake-bad-'));
    try {
      await cp(lake, copy, { recursive: true });
      const { objects } = await scanLake(copy, ['eu']);
      const badPath = 'zone=eu/stamp=stamp-eu-9/date=2026-12-01/usage-20261201T000000Z.parquet';
      await withDuckDB((c) => writeParquetAtomic(c, write.replace('FIRST', join(copy, objects[0]!.path)), join(copy, badPath)));
      const error = await withLakeAt(copy, { zone: 'eu' }, (s) => s.query('SELECT sum(requests) FROM usage')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LakeError);
      expect((error as LakeError).problems.map((p) => p.path)).toEqual([badPath]);
      const session = await openLake({ lake: copy, fleet, zone: 'eu', skipBadFiles: true });
      try {
        expect((await session.query('SELECT sum(requests) FROM usage')).rows).toEqual([[43]]);
        expect(session.skipped().map((p) => p.path)).toEqual([badPath]);
      } finally {
        session.close();
      }
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
