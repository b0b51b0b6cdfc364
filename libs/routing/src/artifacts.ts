// Everything `stampyard synth` writes for routing, from one table.
import type { LoadedFleet } from '@stampyard/stamp-spec';
import { buildRoutingTable, formatRoutingTable } from './build.ts';
import { renderDnsEndpoints, renderZoneFile } from './dns.ts';
import { renderNginxConfig } from './nginx.ts';
import type { RoutingTable } from './table.ts';
import { ROUTING_TABLE_FILE, SHARD_INDEX_FILE, shardRoutingTable } from './reader.ts';
import { buildStampTenantLists, stampTenantListConfigMap } from './tenant-list.ts';

/** Where routing artifacts live, relative to the fleet root. */
export const ROUTING_DIR = 'rendered/routing';
/** Bytes of table text per ConfigMap. JSON escaping of the quotes adds about 18%, so each ConfigMap, serialized, stays below 1 MiB. */
export const CONFIGMAP_SHARD_BYTES = 700_000;
/** The ConfigMap holding the shard index; shards are `<prefix>-shard-NNN`. */
export const ROUTING_CONFIGMAP_PREFIX = 'stampyard-routing';

export interface RoutingArtifacts {
  /** Files under rendered/routing/, path relative to the fleet root → content, each with the generated header (JSON: a "$comment" key). */
  readonly files: readonly { readonly path: string; readonly content: string }[];
  /** The table sharded for the gateway's ConfigMaps (each < 1 MiB): name → data (file name → text), in the layout `readRoutingTable(dir)` reads (routing-index.json + routing-shard-NNN.json.part). */
  readonly configMaps: readonly { readonly name: string; readonly data: Readonly<Record<string, string>> }[];
  /** Each stamp's tenant-list ConfigMap (`stampyard-tenant-list` in the stamp's namespace), by stamp name, for its apps layer. */
  readonly tenantLists: Readonly<Record<string, ReturnType<typeof stampTenantListConfigMap>>>;
}

/**
 * Renders the routing table and everything derived from it. Pure. Throws
 * ValidationError when a tenant has no stamp (run `stampyard tenants place`).
 * Mount every ConfigMap into one folder (a projected volume) and point
 * `readRoutingTable` at it.
 */
export function renderRoutingArtifacts(fleet: LoadedFleet): RoutingArtifacts {
  const table = buildRoutingTable(fleet);
  const files: { path: string; content: string }[] = [{ path: `${ROUTING_DIR}/${ROUTING_TABLE_FILE}`, content: formatRoutingTable(table) }];
  files.push({ path: `${ROUTING_DIR}/dns/${table.domain}.zone`, content: renderZoneFile(table) });
  for (const [path, content] of renderDnsEndpoints(table)) files.push({ path: `${ROUTING_DIR}/${path}`, content });
  const nginx = renderNginxConfig(table);
  files.push({ path: `${ROUTING_DIR}/nginx/stamps.conf`, content: nginx.stamps });
  files.push({ path: `${ROUTING_DIR}/nginx/tenant-map.conf`, content: nginx.tenantMap });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const tenantLists: Record<string, ReturnType<typeof stampTenantListConfigMap>> = {};
  for (const [stamp, list] of buildStampTenantLists(table)) tenantLists[stamp] = stampTenantListConfigMap(list);
  return { files, configMaps: routingConfigMaps(table), tenantLists };
}

/**
 * The table split for ConfigMaps: `<prefix>-index` holds routing-index.json,
 * `<prefix>-shard-NNN` one shard each. Pure.
 */
export function routingConfigMaps(table: RoutingTable): RoutingArtifacts['configMaps'] {
  const { index, shards } = shardRoutingTable(JSON.stringify(table), table.revision, CONFIGMAP_SHARD_BYTES);
  const configMaps: { name: string; data: Record<string, string> }[] = [
    { name: `${ROUTING_CONFIGMAP_PREFIX}-index`, data: { [SHARD_INDEX_FILE]: `${JSON.stringify(index, null, 2)}\n` } },
  ];
  [...shards].forEach(([file, text], i) => {
    configMaps.push({ name: `${ROUTING_CONFIGMAP_PREFIX}-shard-${String(i).padStart(3, '0')}`, data: { [file]: text } });
  });
  return configMaps;
}
