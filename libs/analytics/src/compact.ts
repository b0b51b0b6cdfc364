// `analytics compact`: merge a zone's small per-period files into one file per zone and month,
// without changing any query's answer.
//
// Crash safety: each compacted file lists, in its Parquet key-value metadata (`stampyard.sources`), every
// object it replaces. Readers leave out listed objects that still exist (`supersededBy`), so a crash between
// publishing the new file and deleting the old ones never counts a row twice; the next run deletes them.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { USAGE_COLUMN_LIST } from './columns.ts';
import { compactedFolder, type LakeObject } from './layout.ts';
import { withDuckDB, writeParquetAtomic } from './export.ts';
import { LakeError, lakeZones, scanLake, type LakeProblem } from './scan.ts';
import { sqlString, sqlStringList } from './private/sql.ts';

/** The Parquet key-value metadata key listing what a compacted file replaces. */
export const SOURCES_KEY = 'stampyard.sources';

/** Reads which objects the compacted files replace: replaced path → the compacted file replacing it. */
export async function supersededBy(
  connection: DuckDBConnection,
  lake: string,
  objects: readonly LakeObject[],
): Promise<Map<string, string>> {
  const compacted = objects.filter((o) => o.kind === 'compacted');
  const replaced = new Map<string, string>();
  if (compacted.length === 0) return replaced;
  const files = compacted.map((o) => resolve(lake, o.path));
  const result = await connection.runAndReadAll(
    `SELECT file_name, decode(value) AS sources FROM parquet_kv_metadata(${sqlStringList(files)}) WHERE decode(key) = ${sqlString(SOURCES_KEY)}`,
  );
  for (const [fileName, sources] of result.getRows() as [string, string][]) {
    const by = compacted.find((o) => resolve(lake, o.path) === fileName)!;
    // A compacted file only ever replaces objects of its own zone.
    let listed: unknown;
    try {
      listed = JSON.parse(sources);
    } catch {
      listed = undefined;
    }
    if (!Array.isArray(listed) || !listed.every((p) => typeof p === 'string')) {
      // Worded like DuckDB's own errors, so the reader names the file.
      throw new Error(`Failed to read file "${fileName}": its ${SOURCES_KEY} metadata is not a JSON list of paths`);
    }
    for (const path of listed as string[]) if (path.startsWith(`zone=${by.zone}/`)) replaced.set(path, by.path);
  }
  return replaced;
}

/** One compaction: read `read`, write `target`, then delete `remove`. */
export interface CompactionStep {
  readonly zone: string;
  readonly month: string;
  /** Objects whose rows go into the new file. */
  readonly read: readonly string[];
  /** Every object the new file replaces (listed in its metadata), deleted once it is in place. */
  readonly remove: readonly string[];
  /** Every export path the new file accounts for, including those of compacted files it merges. */
  readonly sources: readonly string[];
  /** The new file, relative to the lake. */
  readonly target: string;
}

export interface CompactionPlan {
  readonly steps: readonly CompactionStep[];
}

/**
 * Plans compaction of the given objects. Pure. Only exports dated before `before` are merged (today's
 * periods may still be re-exported); a month with a single object and nothing superseded is left alone.
 * `replaced` is what `supersededBy` read from the existing compacted files.
 */
export function planCompaction(objects: readonly LakeObject[], replaced: ReadonlyMap<string, string>, before: string): CompactionPlan {
  const groups = new Map<string, { zone: string; month: string; exports: string[]; compacted: string[]; stale: string[] }>();
  const group = (zone: string, month: string) => {
    const key = `${zone}/${month}`;
    const found = groups.get(key) ?? { zone, month, exports: [], compacted: [], stale: [] };
    groups.set(key, found);
    return found;
  };
  for (const object of objects) {
    if (object.kind === 'compacted') {
      if (replaced.has(object.path)) group(object.zone, object.month).stale.push(object.path);
      else group(object.zone, object.month).compacted.push(object.path);
    } else if (object.date < before) {
      if (replaced.has(object.path)) group(object.zone, object.date.slice(0, 7)).stale.push(object.path);
      else group(object.zone, object.date.slice(0, 7)).exports.push(object.path);
    }
  }
  const steps: CompactionStep[] = [];
  for (const g of [...groups.values()].sort((a, b) => (`${a.zone}/${a.month}` < `${b.zone}/${b.month}` ? -1 : 1))) {
    if (g.exports.length === 0 && g.compacted.length <= 1) {
      // Already compacted: only delete what a crashed run left behind.
      if (g.stale.length > 0)
        steps.push({ zone: g.zone, month: g.month, read: [], remove: [...g.stale].sort(), sources: [], target: g.compacted[0] ?? '' });
      continue;
    }
    if (g.exports.length === 1 && g.compacted.length === 0 && g.stale.length === 0) continue;
    const read = [...g.compacted, ...g.exports].sort();
    const inherited = [...replaced.entries()].filter(([, by]) => g.compacted.includes(by)).map(([path]) => path);
    const sources = [...new Set([...g.exports, ...g.compacted, ...inherited])].sort();
    const digest = createHash('sha256').update(sources.join('\n')).digest('hex').slice(0, 16);
    const target = `${compactedFolder(g.zone, g.month)}/usage-${digest}.parquet`;
    const remove = [...new Set([...read, ...g.stale])].filter((p) => p !== target).sort();
    steps.push({ zone: g.zone, month: g.month, read, remove, sources, target });
  }
  return { steps };
}

/**
 * Applies a plan: for each step, writes the merged file atomically (sorted by stamp, period, tenant and
 * version), then deletes what it replaces. Returns the paths written and deleted, relative to the lake.
 */
export async function applyCompaction(
  connection: DuckDBConnection,
  lake: string,
  plan: CompactionPlan,
): Promise<{ written: string[]; deleted: string[] }> {
  const written: string[] = [];
  const deleted: string[] = [];
  for (const step of plan.steps) {
    if (step.read.length > 0) {
      const files = step.read.map((p) => resolve(lake, p));
      const select = `SELECT ${USAGE_COLUMN_LIST} FROM read_parquet(${sqlStringList(files)}, hive_partitioning = false) ORDER BY stamp, period_start, tenant, version`;
      const metadata = `KV_METADATA {${sqlString(SOURCES_KEY)}: ${sqlString(JSON.stringify(step.sources))}}`;
      await writeParquetAtomic(connection, select, join(lake, step.target), metadata);
      written.push(step.target);
    }
    for (const path of step.remove) {
      await rm(join(lake, path), { force: true });
      deleted.push(path);
    }
  }
  return { written, deleted };
}

export interface CompactLakeOptions {
  readonly lake: string;
  /** Zones to compact, each on its own. @default - every zone of the lake */
  readonly zones?: readonly string[];
  /** Merge only exports dated before this UTC date (yyyy-mm-dd). */
  readonly before: string;
  /** Leave unusable files where they are (and out of the merge) instead of refusing. @default false */
  readonly skipBadFiles?: boolean;
}

/** Scans, plans and applies compaction. Throws LakeError on unusable files unless skipBadFiles. */
export async function compactLake(
  options: CompactLakeOptions,
): Promise<{ plan: CompactionPlan; written: string[]; deleted: string[]; skipped: readonly LakeProblem[] }> {
  const zones = options.zones ?? (await lakeZones(options.lake));
  const scan = await scanLake(options.lake, zones);
  if (scan.problems.length > 0 && !options.skipBadFiles) throw new LakeError(options.lake, scan.problems);
  return withDuckDB(async (connection) => {
    try {
      const plan = planCompaction(scan.objects, await supersededBy(connection, options.lake, scan.objects), options.before);
      const { written, deleted } = await applyCompaction(connection, options.lake, plan);
      return { plan, written, deleted, skipped: scan.problems };
    } catch (error) {
      // A file DuckDB cannot read stops the merge before anything is deleted; name it.
      const message = (error as Error).message;
      const bad = scan.objects.find((o) => message.includes(resolve(options.lake, o.path)));
      if (bad)
        throw new LakeError(
          options.lake,
          [{ path: bad.path, problem: `DuckDB cannot read it: ${message.split('\n')[0]}` }],
          'fix or remove it; compaction deletes nothing until every file it merges is read',
        );
      throw error;
    }
  });
}
