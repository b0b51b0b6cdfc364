// The sharded, content-addressed routing table: which shard a tenant lives in, the bytes of
// each shard and of the index naming them, and the checks a reader makes. Node built-ins only
// (the gateway imports this through `@stampyard/routing/lookup`).
//
// A tenant's shard is a function of its id and the shard count alone, so adding, moving or
// suspending one tenant rewrites one shard (and the small index). The count changes only when
// `spec.routing.shards` in fleet.yaml does: a deliberate migration (docs/capacity.md).
import { createHash } from 'node:crypto';
import type { StampRoute, TenantRoute } from './table.ts';

/** The schema version of the sharded layout's files (index and shards). */
export const ROUTING_SHARDED_SCHEMA_VERSION = 2;
/** In a folder of a sharded table: the index naming every shard and its hash. */
export const SHARD_INDEX_FILE = 'routing-index.json';
/** The shard count when fleet.yaml sets none (`spec.routing.shards`). */
export const DEFAULT_ROUTING_SHARDS = 16;
/** The most shards a table may have. */
export const MAX_ROUTING_SHARDS = 4096;
/**
 * The most bytes one shard may hold: 75% of the 1 MiB a ConfigMap's data may hold, so the
 * ConfigMap object (metadata, and the JSON escaping etcd stores) stays below 1 MiB with headroom.
 */
export const MAX_SHARD_BYTES = 768 * 1024;

/**
 * The stable 32-bit hash of a tenant id: FNV-1a over its UTF-8 bytes, then MurmurHash3's fmix32
 * finalizer, so the low bits that pick the shard depend on every byte. This is a contract: every
 * committed shard and every running gateway depends on it. Never change it; the test vectors in
 * shards.test.ts fail if anyone does.
 */
export function tenantHash(id: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(id, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Whether `count` is a valid shard count: a power of two from 1 to MAX_ROUTING_SHARDS. */
export function isShardCount(count: number): boolean {
  return Number.isInteger(count) && count >= 1 && count <= MAX_ROUTING_SHARDS && (count & (count - 1)) === 0;
}

/**
 * The shard of a hash: its low bits. With a power-of-two count, doubling the count keeps every
 * tenant either in shard `s` or moves it to `s + count`; nothing else moves.
 */
export function shardOfHash(hash: number, count: number): number {
  return (hash >>> 0) & (count - 1);
}

/** The shard a tenant lives in. Depends on its id and the count, nothing else. */
export function shardOf(id: string, count: number): number {
  return shardOfHash(tenantHash(id), count);
}

/** A shard's number in every artifact's file names: three digits, more when the count needs them. */
export function shardNumber(shard: number, count: number): string {
  return String(shard).padStart(Math.max(3, String(count - 1).length), '0');
}

/** `routing-shard-007.json`. */
export function shardFileName(shard: number, count: number): string {
  return `routing-shard-${shardNumber(shard, count)}.json`;
}

/** One shard as the index names it. */
export interface ShardRef {
  /** The shard's file name (also its key in its ConfigMap). */
  readonly file: string;
  /** `sha256:<hex>` of the shard file's bytes. */
  readonly sha256: string;
  /** Tenants in the shard. */
  readonly tenants: number;
}

/** The index of a sharded table. Its bytes' hash is the table's revision. */
export interface RoutingIndex {
  readonly $comment?: string;
  readonly schemaVersion: typeof ROUTING_SHARDED_SCHEMA_VERSION;
  readonly domain: string;
  /** The number of shards; a tenant's shard is `shardOf(id, shardCount)`. */
  readonly shardCount: number;
  readonly stamps: Readonly<Record<string, StampRoute>>;
  /** Every shard, in shard order (shard `i` is `shards[i]`). */
  readonly shards: readonly ShardRef[];
}

export function sha256Of(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The revision of a sharded table: the hash of its index's bytes. */
export function indexRevision(indexText: string): string {
  return sha256Of(indexText);
}

/** JSON of a record with its keys in sorted order, at any depth; cheap when they already are. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    let sorted = true;
    for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!;
    if (sorted) return v;
    const out: Record<string, unknown> = {};
    for (const key of keys.sort()) out[key] = (v as Record<string, unknown>)[key];
    return out;
  });
}

/**
 * A shard's text: compact JSON, one tenant per line in id order so a pull request shows exactly
 * the tenants that changed. Tenant entries are objects, so new per-tenant fields (an epoch, a
 * migration phase) can be added without a new layout. Pure.
 */
export function formatShard(comment: string, shard: number, count: number, entries: readonly (readonly [string, TenantRoute])[]): string {
  // `{` alone on the first line and `"$comment": ` on the second: the generated header JSON carries.
  const head = `{\n"$comment": ${JSON.stringify(comment)},\n"schemaVersion":${ROUTING_SHARDED_SCHEMA_VERSION},"shard":${shard},"shardCount":${count},"tenants":{`;
  if (entries.length === 0) return `${head}}}\n`;
  const lines = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [id, route] = entries[i]!;
    lines[i] = `${JSON.stringify(id)}:${canonicalJson(route)}`;
  }
  return `${head}\n${lines.join(',\n')}\n}}\n`;
}

/** The index's text: keys sorted, one stamp and one shard per line. Pure. */
export function formatIndex(index: RoutingIndex): string {
  const stampNames = Object.keys(index.stamps).sort();
  const lines = ['{'];
  if (index.$comment !== undefined) lines.push(`  "$comment": ${JSON.stringify(index.$comment)},`);
  lines.push(`  "domain": ${JSON.stringify(index.domain)},`);
  lines.push(`  "schemaVersion": ${index.schemaVersion},`);
  lines.push(`  "shardCount": ${index.shardCount},`);
  lines.push('  "shards": [');
  index.shards.forEach((ref, i) => lines.push(`    ${canonicalJson(ref)}${i < index.shards.length - 1 ? ',' : ''}`));
  lines.push('  ],');
  if (stampNames.length === 0) lines.push('  "stamps": {}');
  else {
    lines.push('  "stamps": {');
    stampNames.forEach((name, i) => lines.push(`    ${JSON.stringify(name)}: ${canonicalJson(index.stamps[name])}${i < stampNames.length - 1 ? ',' : ''}`));
    lines.push('  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A table's tenants grouped by shard: what every sharded renderer takes. */
export interface TenantShards {
  readonly domain: string;
  readonly stamps: Readonly<Record<string, StampRoute>>;
  /** The shard count, a power of two. */
  readonly count: number;
  /** `entries[i]`: shard `i`'s tenants, sorted by id. */
  readonly entries: readonly (readonly (readonly [string, TenantRoute])[])[];
}

/** Groups a table's tenants by `shardOf`, each shard sorted by id. Pure. Sorts once for every renderer. */
export function groupTenants(table: { readonly domain: string; readonly stamps: Readonly<Record<string, StampRoute>>; readonly tenants: Readonly<Record<string, TenantRoute>> }, count: number): TenantShards {
  if (!isShardCount(count)) throw new RangeError(`shard count ${count} must be a power of two from 1 to ${MAX_ROUTING_SHARDS}`);
  const entries: [string, TenantRoute][][] = Array.from({ length: count }, () => []);
  for (const id of Object.keys(table.tenants).sort()) entries[shardOf(id, count)]!.push([id, table.tenants[id]!]);
  return { domain: table.domain, stamps: table.stamps, count, entries };
}

/** A sharded table as files: the index, each shard, and the revision. */
export interface ShardedTable {
  readonly index: RoutingIndex;
  readonly indexText: string;
  /** `sha256:` of `indexText`. */
  readonly revision: string;
  /** Shard texts in shard order; `shards[i]` is the file `index.shards[i].file`. */
  readonly shards: readonly string[];
}

/** Writes each shard and the index naming each shard's hash. Pure: same tenants, same bytes. */
export function shardTable(grouped: TenantShards, comment: string): ShardedTable {
  const { count } = grouped;
  const shards = grouped.entries.map((entries, shard) => formatShard(comment, shard, count, entries));
  const refs = shards.map((text, shard) => ({ file: shardFileName(shard, count), sha256: sha256Of(text), tenants: grouped.entries[shard]!.length }));
  const stamps: Record<string, StampRoute> = {};
  for (const name of Object.keys(grouped.stamps).sort()) stamps[name] = grouped.stamps[name]!;
  const index: RoutingIndex = { $comment: comment, domain: grouped.domain, schemaVersion: ROUTING_SHARDED_SCHEMA_VERSION, shardCount: count, shards: refs, stamps };
  const indexText = formatIndex(index);
  return { index, indexText, revision: indexRevision(indexText), shards };
}

export type IndexResult = { readonly ok: true; readonly index: RoutingIndex; readonly revision: string } | { readonly ok: false; readonly error: string };

const STAMP_STATUSES = new Set(['active', 'draining']);
const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TENANT_STATUSES = new Set(['active', 'suspended']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The problem with one stamp entry, if any. */
export function stampProblem(name: string, stamp: unknown): string | undefined {
  if (!isRecord(stamp)) return `stamps.${name} must be an object`;
  if (typeof stamp['endpoint'] !== 'string' || !/^https?:\/\//.test(stamp['endpoint'])) return `stamps.${name}.endpoint must be an http(s) URL`;
  if (typeof stamp['region'] !== 'string') return `stamps.${name}.region must be a string`;
  if (typeof stamp['residency'] !== 'string') return `stamps.${name}.residency must be a string`;
  if (!STAMP_STATUSES.has(stamp['status'] as string)) return `stamps.${name}.status must be active or draining`;
  return undefined;
}

/** The problem with one tenant entry, if any. Unknown extra fields are allowed (newer writers). */
export function tenantProblem(id: string, tenant: unknown, stamps: Readonly<Record<string, unknown>>): string | undefined {
  if (!isRecord(tenant)) return `tenants.${id} must be an object`;
  const stamp = tenant['stamp'];
  if (typeof stamp !== 'string' || !Object.hasOwn(stamps, stamp)) return `tenants.${id}.stamp ${JSON.stringify(stamp)} is not in stamps`;
  if (!TENANT_STATUSES.has(tenant['status'] as string)) return `tenants.${id}.status must be active or suspended`;
  const previous = tenant['previousStamp'];
  if (previous !== undefined && typeof previous !== 'string') return `tenants.${id}.previousStamp must be a string`;
  return undefined;
}

/** Parses and checks an index. Never throws. */
export function parseIndex(text: string): IndexResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `${SHARD_INDEX_FILE} is not valid JSON: ${(error as Error).message}` };
  }
  if (!isRecord(data)) return { ok: false, error: `${SHARD_INDEX_FILE} must be a JSON object` };
  if (data['schemaVersion'] !== ROUTING_SHARDED_SCHEMA_VERSION) {
    return { ok: false, error: `${SHARD_INDEX_FILE}: schemaVersion must be ${ROUTING_SHARDED_SCHEMA_VERSION}, received ${JSON.stringify(data['schemaVersion'])}; render it with this version of stampyard` };
  }
  if (typeof data['domain'] !== 'string' || data['domain'] === '') return { ok: false, error: `${SHARD_INDEX_FILE}: domain must be a non-empty string` };
  const count = data['shardCount'];
  if (typeof count !== 'number' || !isShardCount(count)) return { ok: false, error: `${SHARD_INDEX_FILE}: shardCount must be a power of two from 1 to ${MAX_ROUTING_SHARDS}, received ${JSON.stringify(count)}` };
  const shards = data['shards'];
  if (!Array.isArray(shards) || shards.length !== count) return { ok: false, error: `${SHARD_INDEX_FILE}: shards must list ${count} shards, received ${Array.isArray(shards) ? shards.length : JSON.stringify(shards)}` };
  for (const [i, ref] of shards.entries()) {
    const expected = shardFileName(i, count);
    if (!isRecord(ref) || ref['file'] !== expected) return { ok: false, error: `${SHARD_INDEX_FILE}: shards[${i}].file must be ${expected}, received ${JSON.stringify(isRecord(ref) ? ref['file'] : ref)}` };
    if (typeof ref['sha256'] !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(ref['sha256'])) return { ok: false, error: `${SHARD_INDEX_FILE}: shards[${i}].sha256 must be sha256:<64 hex digits>` };
    if (!Number.isInteger(ref['tenants']) || (ref['tenants'] as number) < 0) return { ok: false, error: `${SHARD_INDEX_FILE}: shards[${i}].tenants must be a whole number` };
  }
  const stamps = data['stamps'];
  if (!isRecord(stamps)) return { ok: false, error: `${SHARD_INDEX_FILE}: stamps must be an object` };
  for (const name in stamps) {
    const problem = stampProblem(name, stamps[name]);
    if (problem) return { ok: false, error: `${SHARD_INDEX_FILE}: ${problem}` };
  }
  return { ok: true, index: data as unknown as RoutingIndex, revision: indexRevision(text) };
}

export type ShardResult = { readonly ok: true; readonly tenants: Readonly<Record<string, TenantRoute>> } | { readonly ok: false; readonly error: string };

/**
 * Parses and checks shard `shard` of an index: its bytes hash to the index's entry (so a shard
 * of another revision, torn or half-written, is refused), it names its own position, and every
 * tenant in it belongs there and names a stamp of the index. Never throws.
 */
export function parseShard(index: RoutingIndex, shard: number, text: string): ShardResult {
  const ref = index.shards[shard];
  if (!ref) return { ok: false, error: `shard ${shard} is not in the index (it has ${index.shards.length})` };
  const actual = sha256Of(text);
  if (actual !== ref.sha256) {
    return { ok: false, error: `${ref.file} is ${actual} but the index expects ${ref.sha256}; a ConfigMap update may be in flight, or the file was edited` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `${ref.file} is not valid JSON: ${(error as Error).message}` };
  }
  if (!isRecord(data) || data['schemaVersion'] !== ROUTING_SHARDED_SCHEMA_VERSION || data['shard'] !== shard || data['shardCount'] !== index.shardCount || !isRecord(data['tenants'])) {
    return { ok: false, error: `${ref.file} must be shard ${shard} of ${index.shardCount} (schemaVersion ${ROUTING_SHARDED_SCHEMA_VERSION}) with a tenants object` };
  }
  const tenants = data['tenants'];
  let count = 0;
  for (const id in tenants) {
    count++;
    // Tenant ids are DNS labels (stamp-spec validates them); anything else, such as `__proto__`, is not ours.
    if (!TENANT_ID.test(id)) return { ok: false, error: `${ref.file}: tenant id ${JSON.stringify(id)} is not a DNS label` };
    const problem = tenantProblem(id, tenants[id], index.stamps);
    if (problem) return { ok: false, error: `${ref.file}: ${problem}` };
    if (shardOf(id, index.shardCount) !== shard) return { ok: false, error: `${ref.file}: tenant ${id} belongs in shard ${shardOf(id, index.shardCount)}, not ${shard}` };
  }
  if (count !== ref.tenants) return { ok: false, error: `${ref.file} holds ${count} tenants but the index expects ${ref.tenants}` };
  return { ok: true, tenants: tenants as Record<string, TenantRoute> };
}
