// Stamp-aware DNS: <tenant>.<domain> is a CNAME to its stamp's host, split into the table's shards
// so a one-tenant change rewrites one zone fragment and one DNSEndpoint file.
import { generatedHeader } from '@stampyard/stamp-spec';
import { ROUTING_SOURCES } from './build.ts';
import type { RoutingTable } from './table.ts';
import { groupTenants, shardNumber, type TenantShards } from './shards.ts';

/** Endpoints per DNSEndpoint object: about 130 KB of YAML, far below etcd's 1.5 MiB. */
export const DNS_ENDPOINTS_PER_OBJECT = 1000;
/** TTL of tenant records, in seconds. Short, so a `tenants move` takes effect quickly. */
export const TENANT_RECORD_TTL_SECONDS = 300;
/** Where zone fragments live, relative to the folder of the zone file that includes them. */
export const DNS_ZONE_SHARD_DIR = 'zone';

/** Each stamp's host name, computed once. */
function stampHosts(table: TenantShards): Map<string, string> {
  return new Map(Object.entries(table.stamps).map(([name, stamp]) => [name, new URL(stamp.endpoint).hostname]));
}

function asShards(input: RoutingTable | TenantShards, count: number): TenantShards {
  return 'entries' in input ? input : groupTenants(input, count);
}

export interface ZoneFiles {
  /** `<domain>.zone`: `$INCLUDE`s every shard's fragment. */
  readonly zone: string;
  /** `zone/shard-NNN.zone`, one per shard: that shard's CNAMEs, with its own `$ORIGIN` and `$TTL`. */
  readonly shards: readonly { readonly file: string; readonly content: string }[];
}

/**
 * RFC 1035 zone fragments: one CNAME per tenant. They have no SOA or NS (their serial would need
 * a clock); `$INCLUDE` `<domain>.zone` in the zone your DNS provider serves. Its `$INCLUDE` paths
 * are relative to its own folder: BIND resolves them against its `directory` option, so set that
 * to this folder or install the fragments there. Pure.
 */
export function renderZoneFiles(input: RoutingTable | TenantShards, shardCount = 1): ZoneFiles {
  const table = asShards(input, shardCount);
  const header = generatedHeader(ROUTING_SOURCES).replace(/^# /, '; ').trimEnd();
  const hosts = stampHosts(table);
  const shards = table.entries.map((entries, shard) => {
    const out = [header, `; Tenant records, shard ${shard} of ${table.count}.`, `$ORIGIN ${table.domain}.`, `$TTL ${TENANT_RECORD_TTL_SECONDS}`];
    for (const [id, tenant] of entries) out.push(`${id} IN CNAME ${hosts.get(tenant.stamp)}.`);
    return { file: `${DNS_ZONE_SHARD_DIR}/shard-${shardNumber(shard, table.count)}.zone`, content: `${out.join('\n')}\n` };
  });
  const zone = [
    header,
    `; Tenant records for ${table.domain}, in ${table.count} fragment${table.count === 1 ? '' : 's'}. No SOA or NS: $INCLUDE this file in the zone for ${table.domain}.`,
    ...shards.map((s) => `$INCLUDE ${s.file}`),
  ];
  return { zone: `${zone.join('\n')}\n`, shards };
}

/**
 * external-dns `DNSEndpoint` objects, one file per shard that has tenants:
 * `dns/endpoints/shard-NNN.yaml` (relative to the routing folder) → YAML, with one object
 * (`tenants-NNN-KKK`) per `DNS_ENDPOINTS_PER_OBJECT` tenants. No namespace: the Flux
 * Kustomization applying them sets it. Pure.
 */
export function renderDnsEndpoints(input: RoutingTable | TenantShards, shardCount = 1): Map<string, string> {
  const table = asShards(input, shardCount);
  const hosts = stampHosts(table);
  const files = new Map<string, string>();
  table.entries.forEach((entries, shard) => {
    if (entries.length === 0) return;
    const number = shardNumber(shard, table.count);
    const docs: string[] = [];
    for (let start = 0; start < entries.length; start += DNS_ENDPOINTS_PER_OBJECT) {
      const lines = [
        'apiVersion: externaldns.k8s.io/v1alpha1',
        'kind: DNSEndpoint',
        'metadata:',
        `  name: tenants-${number}-${String(start / DNS_ENDPOINTS_PER_OBJECT).padStart(3, '0')}`,
        '  labels:',
        '    app.kubernetes.io/managed-by: stampyard',
        `    stampyard.dev/routing-shard: "${number}"`,
        'spec:',
        '  endpoints:',
      ];
      for (const [id, tenant] of entries.slice(start, start + DNS_ENDPOINTS_PER_OBJECT)) {
        lines.push(`    - dnsName: ${id}.${table.domain}`, '      recordType: CNAME', `      recordTTL: ${TENANT_RECORD_TTL_SECONDS}`, `      targets: [${hosts.get(tenant.stamp)}]`);
      }
      docs.push(lines.join('\n'));
    }
    files.set(`dns/endpoints/shard-${number}.yaml`, `${generatedHeader(ROUTING_SOURCES)}${docs.join('\n---\n')}\n`);
  });
  return files;
}
