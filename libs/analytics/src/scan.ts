// Reading a lake folder: which zones it holds, and which objects of the chosen zones are usable.
// The walk only lists names and reads 4 bytes at each end of a file; DuckDB reads the rest.
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isLakeLabel, parseLakePath, type LakeObject } from './layout.ts';

/** A file of the lake that cannot be read as part of it. */
export interface LakeProblem {
  /** Path relative to the lake (POSIX separators). */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly problem: string;
}

/** How many bad files a message lists; `problems` holds them all. */
const LISTED_PROBLEMS = 20;

/** The lake is missing or malformed; the CLI exits 1. Every problem found is listed, not just the first. */
export class LakeError extends Error {
  readonly problems: readonly LakeProblem[];
  constructor(lake: string, problems: readonly LakeProblem[], hint = 'fix or remove them, or pass --skip-bad-files to read the rest') {
    super(
      problems.length === 1 && problems[0]!.path === ''
        ? `${lake}: ${problems[0]!.problem}`
        : `${lake}: ${problems.length} bad file${problems.length === 1 ? '' : 's'} in the lake (${hint}):\n${problems
            .slice(0, LISTED_PROBLEMS)
            .map((p) => `  ${p.path}: ${p.problem}`)
            .join('\n')}${problems.length > LISTED_PROBLEMS ? `\n  … and ${problems.length - LISTED_PROBLEMS} more` : ''}`,
    );
    this.name = 'LakeError';
    this.problems = problems;
  }
}

/** Files named like these are markers or writes in progress (Hive and Spark conventions, and our temp files). */
const isIgnored = (name: string): boolean => name.startsWith('.') || name.startsWith('_');

const PARQUET_MAGIC = 'PAR1';

/** The zones a lake holds: its `zone=<z>` folders, sorted. Throws LakeError when the lake is missing or holds anything else at the top. */
export async function lakeZones(lake: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(lake, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LakeError(lake, [
      {
        path: '',
        problem:
          code === 'ENOENT'
            ? 'no such folder; pass the lake folder that holds zone=<zone>/ folders'
            : `cannot read the lake: ${(error as Error).message}`,
      },
    ]);
  }
  const zones: string[] = [];
  const problems: LakeProblem[] = [];
  for (const entry of entries) {
    if (isIgnored(entry.name)) continue;
    const zone = entry.name.startsWith('zone=') ? entry.name.slice(5) : undefined;
    if (zone === undefined || !entry.isDirectory() || !isLakeLabel(zone)) {
      problems.push({
        path: entry.name,
        problem: entry.isSymbolicLink()
          ? 'is a symbolic link; a lake holds only real zone=<zone> folders'
          : 'is not a zone=<zone> folder (zone: a DNS-1123 label); is --lake the lake folder?',
      });
      continue;
    }
    zones.push(zone);
  }
  if (problems.length > 0) throw new LakeError(lake, problems, 'a lake holds only zone=<zone> folders');
  return zones.sort();
}

/** What a scan of some zones found. */
export interface LakeScan {
  /** Usable objects, sorted by path. */
  readonly objects: readonly LakeObject[];
  /** Files that are not usable, sorted by path. */
  readonly problems: readonly LakeProblem[];
}

async function parquetMagicProblem(file: string, size: number): Promise<string | undefined> {
  if (size < 12) return `is ${size} bytes, too small to be a Parquet file; re-run its export`;
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 4, size - 4);
    if (head.toString('latin1') !== PARQUET_MAGIC || tail.toString('latin1') !== PARQUET_MAGIC) {
      return 'is not a Parquet file (no PAR1 magic at both ends; truncated or corrupt); re-run its export';
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/**
 * Lists the objects of the given zones. Never opens another zone's folder. Symbolic links are problems,
 * not followed: a link could point into another zone's folder, or out of the lake.
 */
export async function scanLake(lake: string, zones: readonly string[]): Promise<LakeScan> {
  const objects: LakeObject[] = [];
  const problems: LakeProblem[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(lake, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (isIgnored(entry.name)) continue;
      const path = `${relative}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        problems.push({ path, problem: 'is a symbolic link; the lake holds only real files, so a link cannot reach another zone' });
      } else if (entry.isDirectory()) {
        await walk(path);
      } else {
        const parsed = parseLakePath(path);
        if (parsed.kind === 'invalid') {
          problems.push({ path, problem: parsed.problem });
          continue;
        }
        const { size } = await lstat(join(lake, path));
        const magic = await parquetMagicProblem(join(lake, path), size);
        if (magic) problems.push({ path, problem: magic });
        else objects.push(parsed);
      }
    }
  };
  for (const zone of zones) {
    if (!isLakeLabel(zone)) throw new TypeError(`zone ${JSON.stringify(zone)} is not a DNS-1123 label`);
    try {
      await walk(`zone=${zone}`);
    } catch (error) {
      // A zone with no exports yet has no folder: it holds no rows.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { objects: objects.sort(byPath), problems: problems.sort(byPath) };
}
