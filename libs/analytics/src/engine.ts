// A read-only DuckDB session over one or more zones of a lake, with the views `usage`, `stamps` and `tenants`.
import { resolve } from 'node:path';
import { DuckDBDecimalValue, DuckDBInstance, DuckDBTimestampTZValue, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { residencyZones, type LoadedFleet } from '@stampyard/stamp-spec';
import { USAGE_COLUMNS, USAGE_COLUMN_LIST } from './columns.ts';
import { fleetTables, STAMP_COLUMNS, TENANT_COLUMNS, type StampRow, type TenantRow } from './fleet-tables.ts';
import { chooseZones, type ZoneSelection } from './residency.ts';
import { LakeError, lakeZones, scanLake, type LakeProblem } from './scan.ts';
import { sqlStringList } from './private/sql.ts';
import type { LakeObject } from './layout.ts';
import { supersededBy } from './compact.ts';

export interface OpenLakeOptions extends ZoneSelection {
  /** The lake folder (holding `zone=<zone>/`). */
  readonly lake: string;
  /** The validated fleet: the `stamps` and `tenants` views, and the zones `--zone` may name. */
  readonly fleet: LoadedFleet;
  /**
   * Read around files that are not usable (named in `skipped`) instead of failing on the first query.
   * @default false
   */
  readonly skipBadFiles?: boolean;
}

/** The answer to one query. Values are JSON: numbers (bigints beyond 2^53 as strings), strings, booleans, null. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly types: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** An open, read-only lake. Close it when done. */
export interface LakeSession {
  /** The zones the views hold, sorted. */
  readonly zones: readonly string[];
  /** True when --allow-cross-zone let one session read several zones. */
  readonly crossZone: boolean;
  /** Lake objects the `usage` view reads. */
  readonly objects: () => readonly LakeObject[];
  /** Files left out with skipBadFiles, and why. */
  readonly skipped: () => readonly LakeProblem[];
  /** Runs one SELECT. Parameters bind to `$name` placeholders. */
  readonly query: (sql: string, parameters?: Readonly<Record<string, string | number>>) => Promise<QueryResult>;
  readonly close: () => void;
}

/** A query the user wrote is wrong (DuckDB's message attached); the CLI exits 1. */
export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

/** A usage error in the zone selection (exit 1: the residency rule refused the read). */
export class ResidencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResidencyError';
  }
}

async function createTable(
  connection: DuckDBConnection,
  name: string,
  columns: readonly (readonly [string, string])[],
  rows: readonly (readonly (string | number | null)[])[],
): Promise<void> {
  await connection.run(`CREATE TABLE ${name} (${columns.map(([c, t]) => `${c} ${t}`).join(', ')})`);
  const appender = await connection.createAppender(name);
  for (const row of rows) {
    row.forEach((value, index) => {
      if (value === null) appender.appendNull();
      else if (columns[index]![1] === 'INTEGER') appender.appendInteger(value as number);
      else appender.appendVarchar(String(value));
    });
    appender.endRow();
  }
  appender.closeSync();
}

const stampValues = (s: StampRow) => [s.name, s.region, s.zone, s.wave, s.version, s.capacity, s.size, s.status, s.dedicatedTo];
const tenantValues = (t: TenantRow) => [t.id, t.stamp, t.zone, t.residency, t.weight, t.isolation, t.status];

/** The usage view's SQL over some files; an empty typed relation when there are none. */
function usageViewSql(lake: string, objects: readonly LakeObject[]): string {
  if (objects.length === 0) {
    return `SELECT ${USAGE_COLUMNS.map((c) => `NULL::${c.type} AS ${c.name}`).join(', ')} WHERE false`;
  }
  const files = objects.map((o) => resolve(lake, o.path));
  return `SELECT ${USAGE_COLUMN_LIST} FROM read_parquet(${sqlStringList(files)}, hive_partitioning = false)`;
}

function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBTimestampTZValue) return new Date(Number(value.micros / 1000n)).toISOString();
  return String(value);
}

/** What DuckDB says when reading the usage columns from one file, or undefined when it can. */
async function firstFileProblem(connection: DuckDBConnection, lake: string, object: LakeObject): Promise<string | undefined> {
  try {
    await connection.run(
      `SELECT ${USAGE_COLUMN_LIST} FROM read_parquet(${sqlStringList([resolve(lake, object.path)])}, hive_partitioning = false) LIMIT 0`,
    );
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Which of the files, if any, DuckDB's message blames (it may also name a good file it compared with). */
function fileNamedIn(message: string, lake: string, objects: readonly LakeObject[]): LakeObject | undefined {
  const blamed = /Failed to read file "([^"]+)"/.exec(message)?.[1] ?? /in file "([^"]+)"/.exec(message)?.[1];
  if (blamed !== undefined) {
    const found = objects.find((o) => resolve(lake, o.path) === blamed);
    if (found) return found;
  }
  return objects.find((o) => message.includes(resolve(lake, o.path)));
}

/** Files whose footer lacks a usage column: they are not usage exports, even when a query would not notice. */
async function schemaProblems(connection: DuckDBConnection, lake: string, objects: readonly LakeObject[]): Promise<LakeProblem[]> {
  if (objects.length === 0) return [];
  const files = objects.map((o) => resolve(lake, o.path));
  const result = await connection.runAndReadAll(
    `SELECT file_name, list(name) FROM parquet_schema(${sqlStringList(files)}) GROUP BY file_name`,
  );
  const columns = new Map((result.getRows() as [string, { items: string[] }][]).map(([file, names]) => [file, new Set(names.items)]));
  const problems: LakeProblem[] = [];
  for (const object of objects) {
    const have = columns.get(resolve(lake, object.path)) ?? new Set<string>();
    const missing = USAGE_COLUMNS.map((c) => c.name).filter((name) => !have.has(name));
    if (missing.length > 0)
      problems.push({
        path: object.path,
        problem: `lacks the usage column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; it is not a usage export (see the README's column list)`,
      });
  }
  return problems;
}

/**
 * Opens a lake for reading under the residency rule (see `chooseZones`). Throws ResidencyError when the rule
 * refuses, LakeError when the lake is missing or (without skipBadFiles) malformed.
 * The session cannot touch the file system beyond the chosen zones' folders, and runs SELECT statements only.
 */
export async function openLake(options: OpenLakeOptions): Promise<LakeSession> {
  const lake = resolve(options.lake);
  const inLake = await lakeZones(lake);
  const decision = chooseZones(inLake, residencyZones(options.fleet.fleet.spec), options);
  if (!decision.ok) throw new ResidencyError(decision.error);
  const scan = await scanLake(lake, decision.zones);
  if (scan.problems.length > 0 && !options.skipBadFiles) throw new LakeError(lake, scan.problems);
  const skipped: LakeProblem[] = [...scan.problems];

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let objects = [...scan.objects];
  const { stamps, tenants } = fleetTables(options.fleet, decision.zones);
  await createTable(connection, 'stamps', STAMP_COLUMNS, stamps.map(stampValues));
  await createTable(connection, 'tenants', TENANT_COLUMNS, tenants.map(tenantValues));
  const defineUsage = () => connection.run(`CREATE OR REPLACE VIEW usage AS ${usageViewSql(lake, objects)}`);
  /**
   * Runs `work`; when DuckDB fails on a file of the lake, names it (LakeError), or with skipBadFiles leaves it
   * out, redefines the view and runs `work` again. Each retry removes one file, so this ends.
   */
  const readingFiles = async <T>(work: () => Promise<T>, otherwise: (message: string) => Error): Promise<T> => {
    for (;;) {
      try {
        return await work();
      } catch (error) {
        let message = (error as Error).message;
        let bad = fileNamedIn(message, lake, objects);
        if (!bad && objects.length > 0) {
          // DuckDB binds the view to the first file's columns and names no file when that one is wrong.
          const probe = await firstFileProblem(connection, lake, objects[0]!);
          if (probe !== undefined) [bad, message] = [objects[0]!, probe];
        }
        if (!bad) throw otherwise(message);
        const problem = { path: bad.path, problem: `DuckDB cannot read it: ${message.split('\n')[0]}` };
        if (!options.skipBadFiles) throw new LakeError(lake, [problem]);
        skipped.push(problem);
        objects = objects.filter((o) => o !== bad);
        await readingFiles(defineUsage, otherwise);
      }
    }
  };
  const unreadable = (message: string) => new LakeError(lake, [{ path: '', problem: `DuckDB cannot read the lake: ${message}` }]);
  // Objects a compacted file already holds are left out (see compact.ts).
  const replaced = await readingFiles(() => supersededBy(connection, lake, objects), unreadable);
  objects = objects.filter((o) => !replaced.has(o.path));
  const wrongColumns = await readingFiles(() => schemaProblems(connection, lake, objects), unreadable);
  if (wrongColumns.length > 0 && !options.skipBadFiles) throw new LakeError(lake, wrongColumns);
  skipped.push(...wrongColumns);
  objects = objects.filter((o) => !wrongColumns.some((p) => p.path === o.path));
  await readingFiles(defineUsage, unreadable);
  // Lock the session to the chosen zones' folders: a query cannot read another zone, or anything else.
  const allowed = decision.zones.map((z) => `${resolve(lake, `zone=${z}`)}/`);
  await connection.run(`SET allowed_directories = ${allowed.length > 0 ? sqlStringList(allowed) : '[]'}`);
  await connection.run(`SET enable_external_access = false`);
  await connection.run(`SET autoinstall_known_extensions = false`);
  await connection.run(`SET lock_configuration = true`);

  /** Prepares and runs one SELECT. Prepared afresh on every try: a retry must not reuse a plan over a skipped file. */
  const prepareAndRun = async (sql: string, parameters: Readonly<Record<string, string | number>>) => {
    const extracted = await connection.extractStatements(sql);
    if (extracted.count !== 1) throw new QueryError(`pass exactly one SQL statement; received ${extracted.count}`);
    const prepared = await extracted.prepare(0);
    if (prepared.statementType !== StatementType.SELECT) {
      throw new QueryError(`only SELECT queries may run on the lake; received a ${StatementType[prepared.statementType]} statement`);
    }
    for (const [name, value] of Object.entries(parameters)) {
      const index = prepared.parameterIndex(name);
      if (typeof value === 'number' && Number.isInteger(value)) prepared.bindBigInt(index, BigInt(value));
      else if (typeof value === 'number') prepared.bindDouble(index, value);
      else prepared.bindVarchar(index, value);
    }
    return prepared.runAndReadAll();
  };

  const query = async (sql: string, parameters: Readonly<Record<string, string | number>> = {}): Promise<QueryResult> => {
    const result = await readingFiles(
      () => prepareAndRun(sql, parameters),
      (message) => new QueryError(message),
    );
    return {
      columns: result.columnNames(),
      types: result.columnTypes().map((t) => t.toString()),
      rows: result.getRows().map((row) => row.map(jsonValue)),
    };
  };

  return {
    zones: decision.zones,
    crossZone: decision.crossZone,
    objects: () => objects,
    skipped: () => [...skipped].sort((a, b) => (a.path < b.path ? -1 : 1)),
    query,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
