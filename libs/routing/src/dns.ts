// Stamp-aware DNS: <tenant>.<domain> is a CNAME to its stamp's host.
import { generatedHeader } from '@stampyard/stamp-spec';
import { ROUTING_SOURCES } from './build.ts';
import type { RoutingTable } from './table.ts';

/** Endpoints per DNSEndpoint object: about 130 KB of YAML, far below etcd's 1.5 MiB. */
export const DNS_ENDPOINTS_PER_OBJECT = 1000;
/** TTL of tenant records, in seconds. Short, so a `tenants move` takes effect quickly. */
export const TENANT_RECORD_TTL_SECONDS = 300;

function hostOf(endpoint: string): string {
  return new URL(endpoint).hostname;
}

/** Tenant ids per stamp, both sorted. */
function tenantsByStamp(table: RoutingTable): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const stamp of Object.keys(table.stamps).sort()) out.set(stamp, []);
  for (const id of Object.keys(table.tenants).sort()) out.get(table.tenants[id]!.stamp)?.push(id);
  return out;
}

/**
 * An RFC 1035 zone fragment: one CNAME per tenant. It has no SOA or NS (their
 * serial would need a clock); `$INCLUDE` it in the zone your DNS provider serves.
 */
export function renderZoneFile(table: RoutingTable): string {
  const out: string[] = [
    generatedHeader(ROUTING_SOURCES).replace(/^# /, '; ').trimEnd(),
    `; Tenant records, routing table ${table.revision}. No SOA or NS: $INCLUDE this file in the zone for ${table.domain}.`,
    `$ORIGIN ${table.domain}.`,
    `$TTL ${TENANT_RECORD_TTL_SECONDS}`,
  ];
  for (const id of Object.keys(table.tenants).sort()) {
    const stamp = table.stamps[table.tenants[id]!.stamp]!;
    out.push(`${id} IN CNAME ${hostOf(stamp.endpoint)}.`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * external-dns `DNSEndpoint` objects, one file per stamp that has tenants:
 * path (relative to the routing folder) → YAML, with one object per
 * `DNS_ENDPOINTS_PER_OBJECT` tenants. No namespace: the Flux Kustomization
 * applying rendered/routing sets it.
 */
export function renderDnsEndpoints(table: RoutingTable): Map<string, string> {
  const files = new Map<string, string>();
  for (const [stamp, ids] of tenantsByStamp(table)) {
    if (ids.length === 0) continue;
    const target = hostOf(table.stamps[stamp]!.endpoint);
    const docs: string[] = [];
    for (let start = 0; start < ids.length; start += DNS_ENDPOINTS_PER_OBJECT) {
      const chunk = ids.slice(start, start + DNS_ENDPOINTS_PER_OBJECT);
      const lines = [
        'apiVersion: externaldns.k8s.io/v1alpha1',
        'kind: DNSEndpoint',
        'metadata:',
        `  name: tenants-${stamp}-${String(start / DNS_ENDPOINTS_PER_OBJECT).padStart(3, '0')}`,
        '  labels:',
        '    app.kubernetes.io/managed-by: stampyard',
        `    stampyard.dev/stamp: ${stamp}`,
        'spec:',
        '  endpoints:',
      ];
      for (const id of chunk) {
        lines.push(
          `    - dnsName: ${id}.${table.domain}`,
          '      recordType: CNAME',
          `      recordTTL: ${TENANT_RECORD_TTL_SECONDS}`,
          `      targets: [${target}]`,
        );
      }
      docs.push(lines.join('\n'));
    }
    files.set(`dns/endpoints/${stamp}.yaml`, `${generatedHeader(ROUTING_SOURCES)}${docs.join('\n---\n')}\n`);
  }
  return files;
}
