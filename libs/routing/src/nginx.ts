// nginx: the same table as a `map` of host → stamp upstream, and a server using it.
import { generatedHeader } from '@stampyard/stamp-spec';
import { ROUTING_SOURCES } from './build.ts';
import type { RoutingTable } from './table.ts';
import { groupTenants, shardNumber, type TenantShards } from './shards.ts';

/** The map's value for a suspended tenant. Not a DNS label, so no stamp can be named so. */
export const NGINX_SUSPENDED = '!suspended';
/** The variable the map sets: a stamp's upstream name, `!suspended`, or empty for an unknown host. */
export const NGINX_STAMP_VARIABLE = '$stampyard_stamp';
/** The variable holding the stamp's host: the name nginx sends as SNI and verifies the stamp's certificate against. */
export const NGINX_STAMP_HOST_VARIABLE = '$stampyard_stamp_host';
/** Debian's CA bundle: the public roots an ACME issuer's certificates chain to. */
export const DEFAULT_TRUSTED_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

export interface NginxOptions {
  /**
   * Upstream server per stamp, `host:port`. Tests point stamps at loopback servers.
   * @default - `<stamp host>:443` for https, `:80` for http
   */
  readonly upstreams?: Readonly<Record<string, string>>;
  /**
   * Scheme nginx uses to reach the stamps.
   * @default 'https'
   */
  readonly scheme?: 'http' | 'https';
  /**
   * The server block's `listen` parameters.
   * @default '80'
   */
  readonly listen?: string;
  /**
   * Folder the `tenant-map/` shard files are installed in; the map includes them by absolute path,
   * because nginx resolves a relative `include` against its own configuration folder.
   * @default '/etc/nginx/stampyard'
   */
  readonly mapDir?: string;
  /**
   * Shards to split the map into, when given a whole table (a power of two).
   * @default 1
   */
  readonly shardCount?: number;
  /**
   * PEM file of the CAs a stamp's certificate must chain to (`proxy_ssl_trusted_certificate`).
   * For a private fleet, the CA of its `ca` issuer.
   * @default DEFAULT_TRUSTED_CA_FILE
   */
  readonly trustedCaFile?: string;
  /**
   * Most certificates between a stamp's and a trusted CA (`proxy_ssl_verify_depth`).
   * @default 3 (leaf, intermediate, root)
   */
  readonly verifyDepth?: number;
}

/** Where the map's shard files live, relative to the folder of `tenant-map.conf`. */
export const NGINX_MAP_SHARD_DIR = 'tenant-map';

export interface NginxFiles {
  /** `tenant-map.conf`, for the http context: map hash sizes and the map, which includes every shard file. */
  readonly tenantMap: string;
  /** `tenant-map/shard-NNN.conf`, one per shard: the `host stamp;` lines of that shard's tenants. */
  readonly tenantMapShards: readonly { readonly file: string; readonly content: string }[];
  /** `stamps.conf`, for the http context: an upstream per stamp and the server proxying to them. */
  readonly stamps: string;
}

/** The smallest power of two ≥ n, at least 1024: nginx's map hash must hold every key. */
function hashSize(n: number): number {
  let size = 1024;
  while (size < n) size *= 2;
  return size;
}

/**
 * Renders nginx configuration from the table. Pure. Include both files in the
 * `http` block; they set `map_hash_max_size`/`map_hash_bucket_size`, so don't set
 * those elsewhere. Unknown hosts get 404 and suspended tenants 403: nginx never
 * falls back to a default stamp. Over https, nginx sends the stamp's host as SNI and
 * verifies the stamp's certificate for that host against `trustedCaFile`.
 */
export function renderNginxConfig(input: RoutingTable | TenantShards, options: NginxOptions = {}): NginxFiles {
  const table = 'entries' in input ? input : groupTenants(input, options.shardCount ?? 1);
  const scheme = options.scheme ?? 'https';
  const header = generatedHeader(ROUTING_SOURCES);
  const mapDir = (options.mapDir ?? '/etc/nginx/stampyard').replace(/\/+$/, '');
  let tenants = 0;
  const tenantMapShards = table.entries.map((entries, shard) => {
    tenants += entries.length;
    const lines = [header.trimEnd(), `# Shard ${shard} of ${table.count} of the host → stamp map (tenant-map.conf includes it).`];
    for (const [id, tenant] of entries) lines.push(`${id}.${table.domain} ${tenant.status === 'suspended' ? `"${NGINX_SUSPENDED}"` : tenant.stamp};`);
    return { file: `${NGINX_MAP_SHARD_DIR}/shard-${shardNumber(shard, table.count)}.conf`, content: `${lines.join('\n')}\n` };
  });
  const map = [
    header.trimEnd(),
    `# Tenant host → stamp upstream (stamps.conf), in ${table.count} shard file${table.count === 1 ? '' : 's'} installed under ${mapDir}/.`,
    `map_hash_max_size ${hashSize(tenants)};`,
    'map_hash_bucket_size 256;',
    '',
    `map $host ${NGINX_STAMP_VARIABLE} {`,
    '    default "";',
    ...tenantMapShards.map((s) => `    include ${mapDir}/${s.file};`),
    '}',
  ];

  const stamps = [header.trimEnd(), '# One upstream per stamp, and the server routing tenants to them.'];
  const names = Object.keys(table.stamps).sort();
  const hostOf = (name: string) => new URL(table.stamps[name]!.endpoint).hostname;
  for (const name of names) {
    const server = options.upstreams?.[name] ?? `${hostOf(name)}:${scheme === 'https' ? 443 : 80}`;
    stamps.push('', `upstream ${name} {`, `    server ${server};`, '    keepalive 16;', '}');
  }
  if (scheme === 'https') {
    // SNI and verification use the stamp's own host, never the upstream group's name.
    stamps.push('', `map ${NGINX_STAMP_VARIABLE} ${NGINX_STAMP_HOST_VARIABLE} {`, '    default "";');
    for (const name of names) stamps.push(`    ${name} ${hostOf(name)};`);
    stamps.push('}');
  }
  stamps.push(
    '',
    'server {',
    `    listen ${options.listen ?? '80'};`,
    `    server_name .${table.domain};`,
    '    default_type text/plain;',
    `    if (${NGINX_STAMP_VARIABLE} = "") {`,
    '        return 404 "unknown tenant\\n";',
    '    }',
    `    if (${NGINX_STAMP_VARIABLE} = "${NGINX_SUSPENDED}") {`,
    '        return 403 "tenant suspended\\n";',
    '    }',
    '    location / {',
    `        proxy_pass ${scheme}://${NGINX_STAMP_VARIABLE};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    ...(scheme === 'https'
      ? [
          '        proxy_ssl_server_name on;',
          `        proxy_ssl_name ${NGINX_STAMP_HOST_VARIABLE};`,
          '        proxy_ssl_verify on;',
          `        proxy_ssl_trusted_certificate ${options.trustedCaFile ?? DEFAULT_TRUSTED_CA_FILE};`,
          `        proxy_ssl_verify_depth ${options.verifyDepth ?? 3};`,
          '        proxy_ssl_protocols TLSv1.2 TLSv1.3;',
        ]
      : []),
    '    }',
    '}',
  );
  return { tenantMap: `${map.join('\n')}\n`, tenantMapShards, stamps: `${stamps.join('\n')}\n` };
}

