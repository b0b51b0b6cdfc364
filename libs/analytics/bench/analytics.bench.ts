// npm run bench:analytics — a lake of 1000 stamps × 30 days × 100 tenants (3 million rows in 30,000 Parquet
// files, one per stamp and day), then `top-tenants` and a join of usage with stamps, each in a fresh process
// (so its peak RSS is its own), before and after `analytics compact`. Reads every zone (--allow-cross-zone):
// the worst case. Goal on the compacted lake: under 3 s and 1 GB each. Prints the load average beside the figures.
import { spawnSync } from 'node:child_process';
import { loadavg, cpus, tmpdir } from 'node:os';
import { mkdtemp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { aFleet, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import { USAGE_COLUMN_LIST, compactLake, openLake, topTenants, withDuckDB, compactTimestamp, utcDate } from '../src/index.ts';

const STAMPS = 1000;
const DAYS = 30;
const TENANTS = 100;
const FIRST_DAY = Date.parse('2026-10-01T00:00:00Z');
const JOIN_SQL = `SELECT s.region, s.wave, u.version, sum(u.requests) AS requests, sum(u.errors) AS errors
  FROM usage u JOIN stamps s ON s.name = u.stamp GROUP BY ALL ORDER BY ALL`;

const fleet = () => toLoadedFleet(aFleet(STAMPS, { waves: 4 }));

/** Writes the lake: one DuckDB COPY partitioned by stamp and day, then each part moved to its layout path. */
async function generate(lake: string): Promise<number> {
  const { stamps, fleet: spec } = aFleet(STAMPS, { waves: 4 });
  const staging = join(lake, '.staging');
  await withDuckDB(async (c) => {
    // One thread writes one file per partition: each partition is one period of one stamp, one object.
    await c.run(`SET threads = 1`);
    await c.run(
      `CREATE TABLE stamp_list AS SELECT * FROM (VALUES ${stamps.map((s) => `('${s.metadata.name}', '${spec.regions[s.spec.region]!.zone}', '${s.spec.version}')`).join(', ')}) v(stamp, zone, version)`,
    );
    await c.run(`COPY (
      SELECT s.zone, s.stamp, 'tenant-' || s.stamp || '-' || t.i AS tenant,
             CASE WHEN d.i >= 20 AND hash(s.stamp) % 4 = 0 THEN '1.5.0' ELSE s.version END AS version,
             make_timestamptz(${FIRST_DAY} * 1000 + d.i * 86400000000) AS period_start,
             make_timestamptz(${FIRST_DAY} * 1000 + (d.i + 1) * 86400000000) AS period_end,
             (1 + hash(s.stamp, t.i, d.i) % 1000 * (CASE WHEN t.i < 3 THEN 20 ELSE 1 END))::BIGINT AS requests,
             (hash(t.i, d.i) % 7)::BIGINT AS errors,
             (hash(s.stamp, t.i) % 100000)::DOUBLE AS latency_sum_ms,
             (1 + hash(s.stamp, t.i, d.i) % 1000)::BIGINT AS latency_count,
             (hash(t.i) % 1000000000)::BIGINT AS storage_bytes
        FROM stamp_list s, range(${TENANTS}) t(i), range(${DAYS}) d(i)
      ) TO '${staging}' (FORMAT parquet, PARTITION_BY (zone, stamp, period_start), WRITE_PARTITION_COLUMNS true, COMPRESSION zstd)`);
  });
  let files = 0;
  for (const zoneDir of await readdir(staging)) {
    const zone = zoneDir.slice('zone='.length);
    for (const stampDir of await readdir(join(staging, zoneDir))) {
      const stamp = stampDir.slice('stamp='.length);
      for (const dayDir of await readdir(join(staging, zoneDir, stampDir))) {
        // period_start=2026-10-01 00%3A00%3A00%2B00 (URL-encoded): every period starts at midnight UTC.
        const start = new Date(`${decodeURIComponent(dayDir.slice('period_start='.length)).slice(0, 10)}T00:00:00Z`);
        const parts = await readdir(join(staging, zoneDir, stampDir, dayDir));
        if (parts.length !== 1) throw new Error(`${dayDir} of ${stampDir} was written as ${parts.length} files; expected one`);
        const part = parts[0];
        const target = join(lake, `zone=${zone}`, `stamp=${stamp}`, `date=${utcDate(start)}`);
        await mkdir(target, { recursive: true });
        await rename(join(staging, zoneDir, stampDir, dayDir, part!), join(target, `usage-${compactTimestamp(start)}.parquet`));
        files++;
      }
    }
  }
  await rm(staging, { recursive: true, force: true });
  return files;
}

/** One measurement in this process: open the lake, ask, close. Prints JSON. */
async function measure(lake: string, what: 'top-tenants' | 'join'): Promise<void> {
  const loaded = fleet();
  const start = performance.now();
  const session = await openLake({ lake, fleet: loaded, allowCrossZone: true });
  const question = what === 'top-tenants' ? topTenants() : { sql: JOIN_SQL, parameters: {} };
  const result = await session.query(question.sql, question.parameters);
  const ms = performance.now() - start;
  const rowCount = await session.query(`SELECT count(*) FROM usage`);
  session.close();
  process.stdout.write(
    `${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, rows: result.rows.length, usageRows: rowCount.rows[0]![0], files: session.objects().length })}\n`,
  );
}

function inChild(lake: string, what: string): { ms: number; maxRssMb: number; rows: number; usageRows: number; files: number } {
  const self = fileURLToPath(import.meta.url);
  const run = spawnSync(process.execPath, ['--import', 'tsx', self, '--measure', what, lake], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`measurement failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

async function main(): Promise<void> {
  const [flag, what, lakeArg] = process.argv.slice(2);
  if (flag === '--measure') return measure(lakeArg!, what as 'top-tenants' | 'join');
  // BENCH_LAKE=<dir> keeps the generated lake there (and reuses it when it exists), to repeat the measurements.
  const kept = process.env['BENCH_LAKE'];
  const lake = kept ?? (await mkdtemp(join(tmpdir(), 'stampyard-bench-lake-')));
  try {
    const load = () =>
      loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
    console.log(`bench:analytics — ${STAMPS} stamps × ${DAYS} days × ${TENANTS} tenants; ${cpus().length} cores; load average ${load()}`);
    let start = performance.now();
    const reuse = kept !== undefined && (await readdir(lake).catch(() => [])).length > 0;
    await mkdir(lake, { recursive: true });
    const files = reuse ? -1 : await generate(lake);
    if (reuse) console.log(`reusing the lake in ${lake}`);
    else
      console.log(
        `generated ${files.toLocaleString('en-US')} files in ${((performance.now() - start) / 1000).toFixed(1)} s (${USAGE_COLUMN_LIST.split(', ').length} columns)`,
      );
    const report = (label: string) => {
      for (const what of ['top-tenants', 'join'] as const) {
        const m = inChild(lake, what);
        console.log(
          `  ${label.padEnd(12)} ${what.padEnd(12)} ${(m.ms / 1000).toFixed(2).padStart(6)} s  peak RSS ${m.maxRssMb.toFixed(0).padStart(5)} MB  (${m.usageRows.toLocaleString('en-US')} rows in ${m.files.toLocaleString('en-US')} files)`,
        );
      }
    };
    // BENCH_SKIP_BEFORE=1 measures only the compacted lake (the uncompacted one takes minutes on a loaded machine).
    if (process.env['BENCH_SKIP_BEFORE'] !== '1') report('before');
    start = performance.now();
    const compacted = await compactLake({ lake, before: '9999-12-31' });
    console.log(
      `compact: ${compacted.written.length} files written, ${compacted.deleted.length.toLocaleString('en-US')} deleted in ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );
    report('compacted');
    console.log(`load average after: ${load()} (goal on the compacted lake: < 3 s and < 1024 MB each)`);
  } finally {
    if (kept === undefined) await rm(lake, { recursive: true, force: true });
  }
}

await main();
