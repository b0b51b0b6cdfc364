// Loading and validating a routing table, from one file or from ConfigMap shards.
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ROUTING_SCHEMA_VERSION, computeRevision, revisionMatches, type RoutingTable, type TenantRoute } from './table.ts';
import { SHARD_INDEX_FILE, parseIndex, parseShard, shardOf, stampProblem, tenantProblem, type RoutingIndex } from './shards.ts';

/** The file name of a single-file table (tests, local runs; synth writes the sharded layout). */
export const ROUTING_TABLE_FILE = 'routing-table.json';

export type TableResult =
  | { readonly ok: true; readonly table: RoutingTable }
  | { readonly ok: false; readonly error: string };


/**
 * Parses and validates a table: its shape, that every tenant's stamp is in
 * `stamps`, and that its revision matches its content. Never throws.
 */
export function parseRoutingTable(text: string): TableResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not valid JSON: ${(error as Error).message}` };
  }
  const problem = checkShape(data);
  if (problem) return { ok: false, error: problem };
  const table = data as RoutingTable;
  if (!textMatchesRevision(text, table.revision) && !revisionMatches(table)) {
    return { ok: false, error: `revision ${table.revision} does not match the content (${computeRevision(table)}); the table was edited or truncated` };
  }
  return { ok: true, table };
}

/**
 * The cheapest proof of integrity, for compact tables (as the ConfigMap shards
 * hold them): the text without its `"revision"` member hashes to the revision.
 * Then the text is the sealed canonical content plus that one member, so the
 * parsed table is exactly the sealed one. Any other layout takes the slower path.
 */
function textMatchesRevision(text: string, revision: string): boolean {
  const member = `"revision":${JSON.stringify(revision)}`;
  const at = text.indexOf(member);
  if (at <= 0) return false;
  const end = at + member.length;
  let stripped: string;
  if (text[at - 1] === ',') stripped = text.slice(0, at - 1) + text.slice(end);
  else if (text[end] === ',') stripped = text.slice(0, at) + text.slice(end + 1);
  else return false;
  return `sha256:${createHash('sha256').update(stripped).digest('hex')}` === revision;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// Hand-written rather than a schema library: it runs on every reload of up to
// 100,000 tenants, and this loop is several times faster.
function checkShape(data: unknown): string | undefined {
  if (!isRecord(data)) return 'the table must be a JSON object';
  if (data['schemaVersion'] !== ROUTING_SCHEMA_VERSION) return `schemaVersion must be ${ROUTING_SCHEMA_VERSION}, received ${JSON.stringify(data['schemaVersion'])}`;
  if (typeof data['revision'] !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(data['revision'])) return 'revision must be sha256:<64 hex digits>';
  if (typeof data['domain'] !== 'string' || data['domain'] === '') return 'domain must be a non-empty string';
  const stamps = data['stamps'];
  const tenants = data['tenants'];
  if (!isRecord(stamps)) return 'stamps must be an object';
  if (!isRecord(tenants)) return 'tenants must be an object';
  for (const name in stamps) {
    const problem = stampProblem(name, stamps[name]);
    if (problem) return problem;
  }
  for (const id in tenants) {
    const problem = tenantProblem(id, tenants[id], stamps);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The layout before schemaVersion 2 (`routing-shard-NNN.json.part`: one table's text cut into
 * pieces, with an index naming its revision and length). Readers still accept it, so a gateway
 * can be upgraded before the table it reads; synth writes the sharded layout (`shardTable`).
 * @deprecated write the sharded layout: `renderRoutingArtifacts`, or `shardTable` with `groupTenants`
 */
export interface LegacyShardIndex {
  readonly schemaVersion: number;
  readonly revision: string;
  /** Shard file names, in order; their concatenated text is the table. */
  readonly shards: readonly string[];
  /** Total length of the concatenated text, in bytes. */
  readonly bytes: number;
}

/**
 * Splits a table's text into shards of at most `maxShardBytes`, for ConfigMaps
 * (each holds at most 1 MiB), in the layout before schemaVersion 2. Returns the index and the shard texts by file name.
 * @deprecated write the sharded layout: `renderRoutingArtifacts`, or `shardTable` with `groupTenants`
 */
export function shardRoutingTable(text: string, revision: string, maxShardBytes = 900_000): { index: LegacyShardIndex; shards: Map<string, string> } {
  const shards = new Map<string, string>();
  const buffer = Buffer.from(text, 'utf8');
  const count = Math.max(1, Math.ceil(buffer.length / maxShardBytes));
  const width = String(count).length < 3 ? 3 : String(count).length;
  for (let i = 0; i < count; i++) {
    const name = `routing-shard-${String(i).padStart(width, '0')}.json.part`;
    // The table is ASCII JSON (ids are DNS labels), so byte offsets are character offsets.
    shards.set(name, buffer.subarray(i * maxShardBytes, (i + 1) * maxShardBytes).toString('utf8'));
  }
  return { index: { schemaVersion: ROUTING_SCHEMA_VERSION, revision, shards: [...shards.keys()], bytes: buffer.length }, shards };
}

/**
 * Reads a table from a file, or from a folder holding either a sharded table (`routing-index.json`
 * and its shards, the layout synth writes and the gateway's ConfigMaps mount) or
 * `routing-table.json`. Validates it fully. Never throws. A sharded table's revision is its
 * index's hash.
 */
export async function readRoutingTable(path: string): Promise<TableResult> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return parseRoutingTable(await readFile(path, 'utf8'));
    const names = new Set(await readdir(path));
    if (names.has(SHARD_INDEX_FILE)) {
      const indexText = await readFile(join(path, SHARD_INDEX_FILE), 'utf8');
      if (isLegacyIndex(indexText)) return await readLegacySharded(path, indexText);
      const result = await loadShardedTable(path);
      return result.ok ? { ok: true, table: flattenShardedTable(result.table) } : result;
    }
    if (names.has(ROUTING_TABLE_FILE)) return parseRoutingTable(await readFile(join(path, ROUTING_TABLE_FILE), 'utf8'));
    return { ok: false, error: `${path} holds neither ${SHARD_INDEX_FILE} nor ${ROUTING_TABLE_FILE}` };
  } catch (error) {
    return { ok: false, error: `cannot read ${path}: ${(error as Error).message}` };
  }
}

/** What `reloadRoutingTable` gives: the table, and for a sharded folder the shards to pass to the next reload. */
export type ReloadTableResult =
  | { readonly ok: true; readonly table: RoutingTable; readonly sharded?: ShardedRoutingTable; readonly shardsRead?: number }
  | { readonly ok: false; readonly error: string };

/**
 * `readRoutingTable` for a long-running reader: given the shards of the table in use, a sharded
 * folder is reloaded with `loadShardedTable`, which reads and checks only the shards whose hash
 * changed. Any other layout is read whole. Never throws.
 */
export async function reloadRoutingTable(path: string, previous?: ShardedRoutingTable): Promise<ReloadTableResult> {
  try {
    if ((await stat(path)).isDirectory()) {
      const names = new Set(await readdir(path));
      if (names.has(SHARD_INDEX_FILE) && !isLegacyIndex(await readFile(join(path, SHARD_INDEX_FILE), 'utf8'))) {
        const loaded = await loadShardedTable(path, previous);
        if (!loaded.ok) return loaded;
        return { ok: true, table: flattenShardedTable(loaded.table), sharded: loaded.table, shardsRead: loaded.shardsRead };
      }
    }
  } catch (error) {
    return { ok: false, error: `cannot read ${path}: ${(error as Error).message}` };
  }
  return readRoutingTable(path);
}

/** A sharded table in memory: the index and each shard's tenants, kept apart so a reload can reuse unchanged shards. */
export interface ShardedRoutingTable {
  /** The index's hash. */
  readonly revision: string;
  readonly index: RoutingIndex;
  /** Shard `i`'s tenants; a reload shares the objects of shards whose hash did not change. */
  readonly shards: readonly Readonly<Record<string, TenantRoute>>[];
  /** The stamps shard `i`'s tenants name, so a reload can check a reused shard against the new index's stamps. */
  readonly shardStamps: readonly (readonly string[])[];
}

export type ShardedTableResult =
  | { readonly ok: true; readonly table: ShardedRoutingTable; /** Shard files read and parsed (the others were reused). */ readonly shardsRead: number }
  | { readonly ok: false; readonly error: string };

/**
 * Loads a sharded table from a folder. Given the table in use, it reads only the shards whose
 * hash in the new index differs, and shares the rest; the result is a new object, so swapping
 * one reference swaps the whole revision at once. When the folder is a kubelet ConfigMap mount
 * (`..data` → a timestamped folder), every file is read from the folder `..data` resolves to
 * first, so a swap during the read can't mix two revisions. Every shard read is checked against
 * the index (`parseShard`); any problem rejects the whole revision. Never throws.
 */
export async function loadShardedTable(dir: string, previous?: ShardedRoutingTable): Promise<ShardedTableResult> {
  let base = dir;
  try {
    base = await realpath(join(dir, '..data'));
  } catch {
    // Not a kubelet mount: read the folder itself.
  }
  let indexText: string;
  try {
    indexText = await readFile(join(base, SHARD_INDEX_FILE), 'utf8');
  } catch (error) {
    return { ok: false, error: `cannot read ${join(dir, SHARD_INDEX_FILE)}: ${(error as Error).message}` };
  }
  const parsed = parseIndex(indexText);
  if (!parsed.ok) return parsed;
  const { index, revision } = parsed;
  if (previous?.revision === revision) return { ok: true, table: previous, shardsRead: 0 };
  const reusable = previous?.index.shardCount === index.shardCount ? previous : undefined;
  const shards: Readonly<Record<string, TenantRoute>>[] = new Array(index.shardCount);
  const shardStamps: (readonly string[])[] = new Array(index.shardCount);
  const toRead: number[] = [];
  index.shards.forEach((ref, i) => {
    // Same bytes, and every stamp they name still in the index: the parsed shard is still valid.
    if (reusable && reusable.index.shards[i]!.sha256 === ref.sha256 && reusable.shardStamps[i]!.every((s) => Object.hasOwn(index.stamps, s))) {
      shards[i] = reusable.shards[i]!;
      shardStamps[i] = reusable.shardStamps[i]!;
    } else toRead.push(i);
  });
  for (const i of toRead) {
    const file = index.shards[i]!.file;
    let text: string;
    try {
      text = await readFile(join(base, file), 'utf8');
    } catch (error) {
      return { ok: false, error: `the index names ${file}, which cannot be read: ${(error as Error).message}; a ConfigMap may be missing from the volume` };
    }
    const shard = parseShard(index, i, text);
    if (!shard.ok) return shard;
    shards[i] = shard.tenants;
    const named = new Set<string>();
    for (const id in shard.tenants) named.add(shard.tenants[id]!.stamp);
    shardStamps[i] = [...named];
  }
  return { ok: true, table: { revision, index, shards, shardStamps }, shardsRead: toRead.length };
}

/** The tenant's entry in a sharded table, or undefined. One hash and one own-property get. */
export function shardedTenant(table: ShardedRoutingTable, id: string): TenantRoute | undefined {
  const shard = table.shards[shardOf(id, table.index.shardCount)]!;
  return Object.hasOwn(shard, id) ? shard[id] : undefined;
}

/** The sharded table as one `RoutingTable` (tenants sorted), with the index's revision. */
export function flattenShardedTable(table: ShardedRoutingTable): RoutingTable {
  const entries: [string, TenantRoute][] = [];
  for (const shard of table.shards) for (const id in shard) entries.push([id, shard[id]!]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const tenants: Record<string, TenantRoute> = {};
  for (const [id, route] of entries) tenants[id] = route;
  const { $comment, domain, stamps } = table.index;
  return { ...($comment !== undefined ? { $comment } : {}), domain, revision: table.revision, schemaVersion: ROUTING_SCHEMA_VERSION, stamps, tenants };
}

function isLegacyIndex(text: string): boolean {
  try {
    const data = JSON.parse(text) as { schemaVersion?: unknown; revision?: unknown };
    return data.schemaVersion === 1 && typeof data.revision === 'string';
  } catch {
    return false;
  }
}

async function readLegacySharded(dir: string, indexText: string): Promise<TableResult> {
  let index: LegacyShardIndex;
  try {
    index = JSON.parse(indexText) as LegacyShardIndex;
  } catch (error) {
    return { ok: false, error: `${SHARD_INDEX_FILE} is not valid JSON: ${(error as Error).message}` };
  }
  if (!Array.isArray(index.shards) || index.shards.some((s) => typeof s !== 'string' || s.includes('/'))) {
    return { ok: false, error: `${SHARD_INDEX_FILE} must list shard file names` };
  }
  const parts = await Promise.all(index.shards.map((name) => readFile(join(dir, name), 'utf8')));
  const text = parts.join('');
  if (Buffer.byteLength(text) !== index.bytes) {
    return { ok: false, error: `shards hold ${Buffer.byteLength(text)} bytes but the index expects ${index.bytes}; a ConfigMap update may be in flight` };
  }
  const result = parseRoutingTable(text);
  if (result.ok && result.table.revision !== index.revision) {
    return { ok: false, error: `shards are revision ${result.table.revision} but the index expects ${index.revision}; a ConfigMap update may be in flight` };
  }
  return result;
}
