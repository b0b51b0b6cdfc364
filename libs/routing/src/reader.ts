// Loading and validating a routing table, from one file or from ConfigMap shards.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ROUTING_SCHEMA_VERSION, computeRevision, revisionMatches, type RoutingTable } from './table.ts';

/** The file name of the single-file table, as synth writes it and ConfigMap shard index uses it. */
export const ROUTING_TABLE_FILE = 'routing-table.json';
/** In a folder of ConfigMap shards: the index naming the shards and the expected revision. */
export const SHARD_INDEX_FILE = 'routing-index.json';

export interface ShardIndex {
  readonly schemaVersion: number;
  readonly revision: string;
  /** Shard file names, in order; their concatenated text is the table. */
  readonly shards: readonly string[];
  /** Total length of the concatenated text, in bytes. */
  readonly bytes: number;
}

export type TableResult = { readonly ok: true; readonly table: RoutingTable } | { readonly ok: false; readonly error: string };

const TENANT_STATUSES = new Set(['active', 'suspended']);
const MIGRATION_PHASES = new Set(['fenced', 'copying', 'cutover-expand', 'cutover-contract']);
const STAMP_STATUSES = new Set(['active', 'draining']);

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
    return {
      ok: false,
      error: `revision ${table.revision} does not match the content (${computeRevision(table)}); the table was edited or truncated`,
    };
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
  if (data['schemaVersion'] !== ROUTING_SCHEMA_VERSION)
    return `schemaVersion must be ${ROUTING_SCHEMA_VERSION}, received ${JSON.stringify(data['schemaVersion'])}`;
  if (typeof data['revision'] !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(data['revision']))
    return 'revision must be sha256:<64 hex digits>';
  if (typeof data['domain'] !== 'string' || data['domain'] === '') return 'domain must be a non-empty string';
  const stamps = data['stamps'];
  const tenants = data['tenants'];
  if (!isRecord(stamps)) return 'stamps must be an object';
  if (!isRecord(tenants)) return 'tenants must be an object';
  for (const name in stamps) {
    const stamp = stamps[name];
    if (!isRecord(stamp)) return `stamps.${name} must be an object`;
    if (typeof stamp['endpoint'] !== 'string' || !/^https?:\/\//.test(stamp['endpoint']))
      return `stamps.${name}.endpoint must be an http(s) URL`;
    if (typeof stamp['region'] !== 'string') return `stamps.${name}.region must be a string`;
    if (typeof stamp['residency'] !== 'string') return `stamps.${name}.residency must be a string`;
    if (!STAMP_STATUSES.has(stamp['status'] as string)) return `stamps.${name}.status must be active or draining`;
  }
  for (const id in tenants) {
    const tenant = tenants[id];
    if (!isRecord(tenant)) return `tenants.${id} must be an object`;
    const stamp = tenant['stamp'];
    if (typeof stamp !== 'string' || !Object.hasOwn(stamps, stamp)) return `tenants.${id}.stamp ${JSON.stringify(stamp)} is not in stamps`;
    if (!TENANT_STATUSES.has(tenant['status'] as string)) return `tenants.${id}.status must be active or suspended`;
    const previous = tenant['previousStamp'];
    if (previous !== undefined && typeof previous !== 'string') return `tenants.${id}.previousStamp must be a string`;
    const epoch = tenant['epoch'];
    if (epoch !== undefined && !(Number.isSafeInteger(epoch) && (epoch as number) >= 0))
      return `tenants.${id}.epoch must be a whole number ≥ 0, received ${JSON.stringify(epoch)}`;
    const phase = tenant['phase'];
    if (phase !== undefined && !MIGRATION_PHASES.has(phase as string))
      return `tenants.${id}.phase must be one of ${[...MIGRATION_PHASES].join(', ')}, received ${JSON.stringify(phase)}`;
    const migratingTo = tenant['migratingTo'];
    if (migratingTo !== undefined && (typeof migratingTo !== 'string' || !Object.hasOwn(stamps, migratingTo)))
      return `tenants.${id}.migratingTo ${JSON.stringify(migratingTo)} is not in stamps`;
  }
  return undefined;
}

/**
 * Splits a table's text into shards of at most `maxShardBytes`, for ConfigMaps
 * (each holds at most 1 MiB). Returns the index and the shard texts by file name.
 */
export function shardRoutingTable(
  text: string,
  revision: string,
  maxShardBytes = 900_000,
): { index: ShardIndex; shards: Map<string, string> } {
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
 * Reads a table from a file, or from a folder holding either `routing-table.json`
 * or a shard index and its shards (the layout the gateway's ConfigMaps mount).
 * Validates it fully. Never throws.
 */
export async function readRoutingTable(path: string): Promise<TableResult> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return parseRoutingTable(await readFile(path, 'utf8'));
    const names = new Set(await readdir(path));
    if (names.has(SHARD_INDEX_FILE)) return await readSharded(path);
    if (names.has(ROUTING_TABLE_FILE)) return parseRoutingTable(await readFile(join(path, ROUTING_TABLE_FILE), 'utf8'));
    return { ok: false, error: `${path} holds neither ${SHARD_INDEX_FILE} nor ${ROUTING_TABLE_FILE}` };
  } catch (error) {
    return { ok: false, error: `cannot read ${path}: ${(error as Error).message}` };
  }
}

async function readSharded(dir: string): Promise<TableResult> {
  let index: ShardIndex;
  try {
    index = JSON.parse(await readFile(join(dir, SHARD_INDEX_FILE), 'utf8')) as ShardIndex;
  } catch (error) {
    return { ok: false, error: `${SHARD_INDEX_FILE} is not valid JSON: ${(error as Error).message}` };
  }
  if (!Array.isArray(index.shards) || index.shards.some((s) => typeof s !== 'string' || s.includes('/'))) {
    return { ok: false, error: `${SHARD_INDEX_FILE} must list shard file names` };
  }
  const parts = await Promise.all(index.shards.map((name) => readFile(join(dir, name), 'utf8')));
  const text = parts.join('');
  if (Buffer.byteLength(text) !== index.bytes) {
    return {
      ok: false,
      error: `shards hold ${Buffer.byteLength(text)} bytes but the index expects ${index.bytes}; a ConfigMap update may be in flight`,
    };
  }
  const result = parseRoutingTable(text);
  if (result.ok && result.table.revision !== index.revision) {
    return {
      ok: false,
      error: `shards are revision ${result.table.revision} but the index expects ${index.revision}; a ConfigMap update may be in flight`,
    };
  }
  return result;
}
