// Everything `stampyard synth` writes for routing, from one table, split into the same shards.
import { ValidationError, issueAt, type LoadedFleet } from '@stampyard/stamp-spec';
import { buildRoutingTable, routingShardCount, ROUTING_TABLE_COMMENT } from './build.ts';
import { renderDnsEndpoints, renderZoneFiles } from './dns.ts';
import { renderNginxConfig } from './nginx.ts';
import { MAX_ROUTING_SHARDS, MAX_SHARD_BYTES, SHARD_INDEX_FILE, groupTenants, shardNumber, shardTable, type ShardedTable } from './shards.ts';

/** Where routing artifacts live, relative to the fleet root. */
export const ROUTING_DIR = 'rendered/routing';
/** Where the sharded table lives: the index and its shards, the layout `readRoutingTable(dir)` reads. */
export const ROUTING_TABLE_DIR = `${ROUTING_DIR}/table`;
/** The ConfigMap holding the shard index is `<prefix>-index`; shard `i` is `<prefix>-shard-NNN`. */
export const ROUTING_CONFIGMAP_PREFIX = 'stampyard-routing';

/** One ConfigMap's name and data (file name → text). */
export interface RoutingConfigMap {
  readonly name: string;
  readonly data: Readonly<Record<string, string>>;
}

export interface RoutingArtifacts {
  /** Files under rendered/routing/, path relative to the fleet root → content, each with the generated header (JSON: a "$comment" key), sorted by path. */
  readonly files: readonly { readonly path: string; readonly content: string }[];
  /**
   * The table for the gateway's ConfigMaps: the index first, then one per shard, each holding
   * the same bytes as the files under `ROUTING_TABLE_DIR`. Mount them all into one folder (a
   * projected volume) and point `readRoutingTable` or `loadShardedTable` at it.
   */
  readonly configMaps: readonly RoutingConfigMap[];
  /** The table's revision: the hash of its index. */
  readonly revision: string;
  /** The shard count. */
  readonly shardCount: number;
}

/**
 * Renders the routing table and everything derived from it, every artifact split into the same
 * shards, so a change to one tenant rewrites one shard of each (plus the small index files).
 * Pure. Throws ValidationError when a tenant has no stamp (run `stampyard tenants place`), or
 * when a shard outgrows MAX_SHARD_BYTES (raise `spec.routing.shards`).
 */
export function renderRoutingArtifacts(fleet: LoadedFleet): RoutingArtifacts {
  const count = routingShardCount(fleet);
  const grouped = groupTenants(buildRoutingTable(fleet), count);
  const sharded = shardTable(grouped, ROUTING_TABLE_COMMENT);
  checkShardSizes(fleet, sharded);

  const files: { path: string; content: string }[] = [{ path: `${ROUTING_TABLE_DIR}/${SHARD_INDEX_FILE}`, content: sharded.indexText }];
  sharded.shards.forEach((content, i) => files.push({ path: `${ROUTING_TABLE_DIR}/${sharded.index.shards[i]!.file}`, content }));
  const zone = renderZoneFiles(grouped);
  files.push({ path: `${ROUTING_DIR}/dns/${grouped.domain}.zone`, content: zone.zone });
  for (const shard of zone.shards) files.push({ path: `${ROUTING_DIR}/dns/${shard.file}`, content: shard.content });
  for (const [path, content] of renderDnsEndpoints(grouped)) files.push({ path: `${ROUTING_DIR}/${path}`, content });
  const nginx = renderNginxConfig(grouped);
  files.push({ path: `${ROUTING_DIR}/nginx/stamps.conf`, content: nginx.stamps });
  files.push({ path: `${ROUTING_DIR}/nginx/tenant-map.conf`, content: nginx.tenantMap });
  for (const shard of nginx.tenantMapShards) files.push({ path: `${ROUTING_DIR}/nginx/${shard.file}`, content: shard.content });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  return { files, configMaps: routingConfigMaps(sharded), revision: sharded.revision, shardCount: count };
}

/** The sharded table as ConfigMaps: `<prefix>-index`, then `<prefix>-shard-NNN`. Pure. */
export function routingConfigMaps(sharded: ShardedTable): readonly RoutingConfigMap[] {
  const count = sharded.index.shardCount;
  return [
    { name: `${ROUTING_CONFIGMAP_PREFIX}-index`, data: { [SHARD_INDEX_FILE]: sharded.indexText } },
    ...sharded.shards.map((text, i) => ({ name: `${ROUTING_CONFIGMAP_PREFIX}-shard-${shardNumber(i, count)}`, data: { [sharded.index.shards[i]!.file]: text } })),
  ];
}

/** Refuses shards over the budget, naming fleet.yaml's `spec.routing.shards` and the count that fits. */
function checkShardSizes(fleet: LoadedFleet, sharded: ShardedTable): void {
  const sizes = sharded.shards.map((text) => Buffer.byteLength(text));
  const largest = Math.max(...sizes, Buffer.byteLength(sharded.indexText));
  if (largest <= MAX_SHARD_BYTES) return;
  const count = sharded.index.shardCount;
  const shard = sizes.indexOf(largest);
  let message: string;
  if (shard < 0) {
    // The index grows with stamps and shards: more shards make it larger, not smaller.
    message = `the routing index holds ${largest} bytes (${Object.keys(sharded.index.stamps).length} stamps, ${count} shards), over the ${MAX_SHARD_BYTES}-byte budget per ConfigMap (75% of 1 MiB); lower spec.routing.shards, or serve the table from object storage (docs/capacity.md)`;
  } else {
    let suggested = count;
    while (suggested < MAX_ROUTING_SHARDS && (largest * count) / suggested > MAX_SHARD_BYTES * 0.75) suggested *= 2;
    message = `shard ${shard} of the routing table holds ${largest} bytes, over the ${MAX_SHARD_BYTES}-byte budget per ConfigMap (75% of 1 MiB); set spec.routing.shards to ${suggested} (currently ${count}); changing the count moves tenants between shards, see docs/capacity.md`;
  }
  throw new ValidationError([issueAt(fleet.fleetSource, ['spec', 'routing', 'shards'], message)]);
}
