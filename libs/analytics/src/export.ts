// Per-stamp usage export: plan which lake objects a stamp's snapshots become (pure), then write them as Parquet.
import { rename, rm, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { dirname, join } from 'node:path';
import { DuckDBInstance, DuckDBTimestampTZValue, type DuckDBConnection } from '@duckdb/node-api';
import { USAGE_COLUMNS, type UsageRow } from './columns.ts';
import { isLakeLabel, usageObjectPath } from './layout.ts';
import { parseUsageSnapshot, type UsageSnapshot } from './snapshot.ts';
import { sqlString } from './private/sql.ts';

/** One Parquet object to write: its path under the lake and its rows, sorted by tenant and version. */
export interface ExportFile {
  readonly path: string;
  readonly rows: readonly UsageRow[];
}

export interface ExportPlan {
  readonly files: readonly ExportFile[];
  /** Periods left out, and why (still open, or empty). */
  readonly skipped: readonly string[];
}

export interface PlanExportOptions {
  /** The stamp being exported; every snapshot must come from it. */
  readonly stamp: string;
  /** Its residency zone, from the fleet. */
  readonly zone: string;
  /**
   * Also export the period still being counted, cut at its current end. A later export of the same period
   * overwrites the object with the whole period, so this is safe to repeat.
   * @default false
   */
  readonly includeOpen?: boolean;
}

/**
 * Turns the snapshots of one stamp's replicas into one object per period (`usage-<period-start>.parquet`).
 * Replicas' counts for the same period, tenant and version are summed; storage is summed too (each replica
 * reports what it holds). Deterministic: the same snapshots give the same files, in the same order.
 * Throws a TypeError when a snapshot comes from another stamp: writing it would put that stamp's data in this one's folder.
 */
export function planUsageExport(snapshots: readonly UsageSnapshot[], options: PlanExportOptions): ExportPlan {
  const { stamp, zone } = options;
  if (!isLakeLabel(zone))
    throw new TypeError(`zone ${JSON.stringify(zone)} is not a DNS-1123 label; it would not name one folder of the lake`);
  if (!isLakeLabel(stamp))
    throw new TypeError(`stamp ${JSON.stringify(stamp)} is not a DNS-1123 label; it would not name one folder of the lake`);
  const byPeriod = new Map<number, { end: number; rows: Map<string, { -readonly [K in keyof UsageRow]: UsageRow[K] }> }>();
  const skipped: string[] = [];
  for (const snapshot of snapshots) {
    if (snapshot.stamp !== stamp) {
      throw new TypeError(`a usage snapshot comes from stamp '${snapshot.stamp}', not '${stamp}'; check the --source URL`);
    }
    for (const period of snapshot.periods) {
      if (!period.closed && !options.includeOpen) {
        skipped.push(`${period.start}: still open (pass include-open to export it so far)`);
        continue;
      }
      const start = Date.parse(period.start);
      const entry = byPeriod.get(start) ?? { end: 0, rows: new Map() };
      entry.end = Math.max(entry.end, Date.parse(period.end));
      byPeriod.set(start, entry);
      for (const usage of period.tenants) {
        const key = `${usage.tenant}\u0000${snapshot.version}`;
        const row = entry.rows.get(key);
        if (row) {
          row.requests += usage.requests;
          row.errors += usage.errors;
          row.latencySumMs += usage.latencySumMs;
          row.latencyCount += usage.latencyCount;
          row.storageBytes += usage.storageBytes;
        } else {
          entry.rows.set(key, {
            zone,
            stamp,
            tenant: usage.tenant,
            version: snapshot.version,
            periodStart: new Date(start),
            periodEnd: new Date(0),
            requests: usage.requests,
            errors: usage.errors,
            latencySumMs: usage.latencySumMs,
            latencyCount: usage.latencyCount,
            storageBytes: usage.storageBytes,
          });
        }
      }
    }
  }
  const files: ExportFile[] = [];
  for (const [start, entry] of [...byPeriod.entries()].sort((a, b) => a[0] - b[0])) {
    if (entry.rows.size === 0) {
      skipped.push(`${new Date(start).toISOString()}: no tenant made a request`);
      continue;
    }
    const rows = [...entry.rows.values()]
      .map((row) => ({ ...row, periodEnd: new Date(entry.end) }))
      .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
    files.push({ path: usageObjectPath(zone, stamp, new Date(start)), rows });
  }
  return { files, skipped };
}

const micros = (time: Date): DuckDBTimestampTZValue => new DuckDBTimestampTZValue(BigInt(time.getTime()) * 1000n);

/** Creates (or empties) a temporary table with the usage columns. */
async function createStagingTable(connection: DuckDBConnection, table: string): Promise<void> {
  const columns = USAGE_COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ');
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} (${columns})`);
}

/**
 * Writes Parquet atomically: the rows go to a temp object beside the target, which is then renamed into place,
 * so a reader never sees half a file and a repeated export of the same period replaces the object whole.
 */
export async function writeParquetAtomic(
  connection: DuckDBConnection,
  selectSql: string,
  target: string,
  extraOptions = '',
): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.stampyard-tmp-${process.pid}-${randomBytes(4).toString('hex')}.parquet`);
  try {
    await connection.run(
      `COPY (${selectSql}) TO ${sqlString(temp)} (FORMAT parquet, COMPRESSION zstd${extraOptions ? `, ${extraOptions}` : ''})`,
    );
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes every file of the plan under `lake`. Returns the paths written, relative to the lake, in plan order. */
export async function applyUsageExport(connection: DuckDBConnection, lake: string, plan: ExportPlan): Promise<string[]> {
  const touched: string[] = [];
  const table = 'stampyard_export';
  for (const file of plan.files) {
    await createStagingTable(connection, table);
    const appender = await connection.createAppender(table);
    for (const row of file.rows) {
      appender.appendVarchar(row.zone);
      appender.appendVarchar(row.stamp);
      appender.appendVarchar(row.tenant);
      appender.appendVarchar(row.version);
      appender.appendTimestampTZ(micros(row.periodStart));
      appender.appendTimestampTZ(micros(row.periodEnd));
      appender.appendBigInt(BigInt(row.requests));
      appender.appendBigInt(BigInt(row.errors));
      appender.appendDouble(row.latencySumMs);
      appender.appendBigInt(BigInt(row.latencyCount));
      appender.appendBigInt(BigInt(row.storageBytes));
      appender.endRow();
    }
    appender.closeSync();
    await writeParquetAtomic(connection, `SELECT * FROM ${table}`, join(lake, file.path));
    touched.push(file.path);
  }
  await connection.run(`DROP TABLE IF EXISTS ${table}`);
  return touched;
}

/** A usage endpoint could not be read; the CLI exits 1. */
export class UsageSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageSourceError';
  }
}

/** Reads one stamp-app's usage endpoint (`http://<admin address>/usage`). */
export async function fetchUsageSnapshot(url: string, options: { includeOpen?: boolean; timeoutMs?: number } = {}): Promise<UsageSnapshot> {
  const target = new URL(url);
  if (options.includeOpen) target.searchParams.set('include_open', '1');
  let response: Response;
  try {
    response = await fetch(target, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  } catch (error) {
    throw new UsageSourceError(
      `${url}: cannot read usage (${(error as Error).message}); is the stamp-app's admin port (--admin-port) reachable?`,
    );
  }
  const body = await response.text();
  if (!response.ok) throw new UsageSourceError(`${url}: answered HTTP ${response.status}; expected 200 with a usage snapshot`);
  const parsed = parseUsageSnapshot(url, body);
  if (!parsed.ok) throw new UsageSourceError(parsed.error);
  return parsed.snapshot;
}

/** Opens an in-memory DuckDB for writing (export, compaction) and closes it after `work`. */
export async function withDuckDB<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export interface ExportUsageOptions extends PlanExportOptions {
  /** The lake folder. */
  readonly lake: string;
  /** Usage endpoints of the stamp's replicas. */
  readonly sources: readonly string[];
}

/** Reads the stamp's endpoints, plans and writes. Returns the plan and the paths written. */
export async function exportUsage(options: ExportUsageOptions): Promise<{ plan: ExportPlan; written: string[] }> {
  const snapshots = await Promise.all(options.sources.map((url) => fetchUsageSnapshot(url, { includeOpen: options.includeOpen ?? false })));
  const plan = planUsageExport(snapshots, options);
  const written = await withDuckDB((connection) => applyUsageExport(connection, options.lake, plan));
  return { plan, written };
}

/**
 * With `everyAddress`, each source URL becomes one URL per address its host resolves to (a headless
 * Service resolves to every pod), so the export reads every replica's counters. Sorted, deduplicated.
 */
export async function expandSources(sources: readonly string[], everyAddress: boolean): Promise<string[]> {
  if (!everyAddress) return [...sources];
  const expanded = new Set<string>();
  for (const source of sources) {
    const url = new URL(source);
    let addresses: { address: string; family: number }[];
    try {
      addresses = await lookup(url.hostname, { all: true });
    } catch (error) {
      throw new UsageSourceError(`${source}: cannot resolve ${url.hostname} (${(error as Error).message})`);
    }
    for (const { address, family } of addresses) {
      const each = new URL(source);
      each.hostname = family === 6 ? `[${address}]` : address;
      expanded.add(each.toString());
    }
  }
  return [...expanded].sort();
}
