// Flags and environment for the gateway. Pure: argv and env in, a config or a usage error out.
import { Command, CommanderError, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { parseTrustedProxies } from './client-address.ts';
import { defaultTenantShare } from './fairness.ts';
import { parseIdentifyOrder, type IdentifySource } from './identify.ts';

export interface GatewayConfig {
  /** Table file, or folder (routing-table.json, or ConfigMap shards). */
  readonly table: string;
  /** @default 8080; 0 picks a free port (logged as `listening`, and in the ready file) */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host: string;
  /** Separate port for /healthz, /readyz, /metrics. @default - none (the main port then answers only a bare liveness check) */
  readonly adminPort?: number;
  /** Also serve readyz details and metrics under /.well-known/stampyard/ on the main port. @default false */
  readonly publicAdmin: boolean;
  /** Processes sharing the port, each loading and watching the table. @default 1 */
  readonly workers: number;
  /** Peers whose X-Forwarded-For is believed, as `a.b.c.d/n,…`. @default '' (none) */
  readonly trustProxy: string;
  /** JSON file `{ "<stamp>": "<base URL>" }` overriding table endpoints. @default - none */
  readonly upstreamsFile?: string;
  /** Sources tried, in order. @default host,header (+ token when a key is configured) */
  readonly identify: readonly IdentifySource[];
  /** @default 'x-tenant-id' */
  readonly tenantHeader: string;
  readonly jwtPublicKeyFile?: string;
  readonly jwksFile?: string;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  /** @default 2000 */
  readonly connectTimeoutMs: number;
  /** Time to the stamp's response headers; beyond it → 504. @default 15000 */
  readonly headersTimeoutMs: number;
  /** Longest gap between body chunks, either way. @default 30000 */
  readonly bodyTimeoutMs: number;
  /** @default 256 */
  readonly maxConcurrentPerStamp: number;
  /** A tenant's share of its stamp's bulkhead. @default - a quarter of maxConcurrentPerStamp */
  readonly maxConcurrentPerTenant: number;
  /** Requests in flight from one client address. @default - a quarter of maxConcurrentPerStamp */
  readonly maxConcurrentPerClient: number;
  /** Longest idle gap while a request body arrives; then 408 and the connection closed. @default 10000 */
  readonly requestBodyTimeoutMs: number;
  /** Longest time to receive a whole request, head and body; then 408. @default 60000 */
  readonly requestTimeoutMs: number;
  /** Longest time a response write may wait for the client to read; then the connection is closed. @default 30000 */
  readonly clientWriteTimeoutMs: number;
  /** Header lines a request may carry; more → 431. @default 100 */
  readonly maxRequestHeaders: number;
  /** Consecutive connect failures that open a stamp's breaker. @default 5 */
  readonly breakerConnectFailures: number;
  /** The breaker's sliding window. @default 10000 */
  readonly breakerWindowMs: number;
  /** Requests in the window before its failure rate counts. @default 20 */
  readonly breakerMinRequests: number;
  /** Failure rate (percent) that opens the breaker. @default 50 */
  readonly breakerFailureRate: number;
  /** Distinct tenants among the window's failures needed to open it. @default 3 */
  readonly breakerMinTenants: number;
  /** Distinct client addresses among the window's failures needed to open it. @default 2 */
  readonly breakerMinClients: number;
  /** @default 5000 */
  readonly breakerCooldownMs: number;
  /** Consecutive timeouts or broken answers of one tenant that start its back-off. @default 3 */
  readonly tenantBackoffFailures: number;
  /** First back-off; doubles while failures continue. @default 1000 */
  readonly tenantBackoffMs: number;
  /** @default 30000 */
  readonly tenantBackoffMaxMs: number;
  /** Tenants that get their own label in refusal metrics; the rest are counted as `_other`. @default 100 */
  readonly metricsMaxTenants: number;
  /** @default 2000; 0 turns polling off */
  readonly pollIntervalMs: number;
  /** @default 10 */
  readonly watchDebounceMs: number;
  /** How long SIGTERM waits for in-flight requests. @default 25000 */
  readonly shutdownTimeoutMs: number;
  /** Written (atomically) once the gateway listens and has a valid table. @default - none */
  readonly readyFile?: string;
  /** pino level. @default 'info' */
  readonly logLevel: string;
}

export type GatewayConfigResult =
  { readonly ok: true; readonly config: GatewayConfig } | { readonly ok: false; readonly error: string; readonly help?: string };

interface FlagSpec {
  readonly flags: string;
  readonly env: string;
  readonly description: string;
  readonly defaultValue?: string;
}

/** Every flag, its environment variable and default. The README's table lists the same. */
export const GATEWAY_FLAGS: readonly FlagSpec[] = [
  {
    flags: '--table <path>',
    env: 'STAMPYARD_GATEWAY_TABLE',
    description: 'routing table file, or folder (routing-table.json or ConfigMap shards)',
  },
  { flags: '--port <n>', env: 'STAMPYARD_GATEWAY_PORT', description: 'port; 0 picks a free one', defaultValue: '8080' },
  { flags: '--host <address>', env: 'STAMPYARD_GATEWAY_HOST', description: 'listen address', defaultValue: '127.0.0.1' },
  {
    flags: '--admin-port <n>',
    env: 'STAMPYARD_GATEWAY_ADMIN_PORT',
    description: 'port serving /healthz, /readyz, /metrics (the main port answers only a bare liveness check)',
  },
  {
    flags: '--public-admin',
    env: 'STAMPYARD_GATEWAY_PUBLIC_ADMIN',
    description: 'also serve readyz and metrics under /.well-known/stampyard/ on the main port',
  },
  {
    flags: '--workers <n|auto>',
    env: 'STAMPYARD_GATEWAY_WORKERS',
    description: 'processes sharing the port (auto: one per core)',
    defaultValue: '1',
  },
  {
    flags: '--trust-proxy <cidrs>',
    env: 'STAMPYARD_GATEWAY_TRUST_PROXY',
    description: 'peers whose X-Forwarded-For names the client (comma-separated CIDRs)',
  },
  {
    flags: '--upstreams <file>',
    env: 'STAMPYARD_GATEWAY_UPSTREAMS',
    description: 'JSON {"<stamp>": "<base URL>"} overriding table endpoints',
  },
  {
    flags: '--identify <list>',
    env: 'STAMPYARD_GATEWAY_IDENTIFY',
    description: 'tenant sources in order: host,header,token (default host,header, plus token when a key is set)',
  },
  {
    flags: '--tenant-header <name>',
    env: 'STAMPYARD_GATEWAY_TENANT_HEADER',
    description: 'header naming the tenant',
    defaultValue: 'x-tenant-id',
  },
  { flags: '--jwt-public-key <file>', env: 'STAMPYARD_GATEWAY_JWT_PUBLIC_KEY', description: 'PEM public key verifying tenant tokens' },
  { flags: '--jwks <file>', env: 'STAMPYARD_GATEWAY_JWKS', description: 'JWKS file verifying tenant tokens' },
  { flags: '--jwt-issuer <iss>', env: 'STAMPYARD_GATEWAY_JWT_ISSUER', description: 'required token issuer' },
  { flags: '--jwt-audience <aud>', env: 'STAMPYARD_GATEWAY_JWT_AUDIENCE', description: 'required token audience' },
  {
    flags: '--connect-timeout-ms <n>',
    env: 'STAMPYARD_GATEWAY_CONNECT_TIMEOUT_MS',
    description: 'connect timeout to a stamp',
    defaultValue: '2000',
  },
  {
    flags: '--headers-timeout-ms <n>',
    env: 'STAMPYARD_GATEWAY_HEADERS_TIMEOUT_MS',
    description: "wait for a stamp's response headers, then 504",
    defaultValue: '15000',
  },
  {
    flags: '--body-timeout-ms <n>',
    env: 'STAMPYARD_GATEWAY_BODY_TIMEOUT_MS',
    description: 'longest idle gap in a body',
    defaultValue: '30000',
  },
  {
    flags: '--max-concurrent-per-stamp <n>',
    env: 'STAMPYARD_GATEWAY_MAX_CONCURRENT_PER_STAMP',
    description: 'bulkhead: requests in flight per stamp, excess gets 503',
    defaultValue: '256',
  },
  {
    flags: '--max-concurrent-per-tenant <n>',
    env: 'STAMPYARD_GATEWAY_MAX_CONCURRENT_PER_TENANT',
    description: "a tenant's share of its stamp's bulkhead (default: a quarter of it)",
  },
  {
    flags: '--max-concurrent-per-client <n>',
    env: 'STAMPYARD_GATEWAY_MAX_CONCURRENT_PER_CLIENT',
    description: 'requests in flight per client address (default: a quarter of the stamp bulkhead)',
  },
  {
    flags: '--request-body-timeout-ms <n>',
    env: 'STAMPYARD_GATEWAY_REQUEST_BODY_TIMEOUT_MS',
    description: 'longest idle gap in a request body, then 408',
    defaultValue: '10000',
  },
  {
    flags: '--request-timeout-ms <n>',
    env: 'STAMPYARD_GATEWAY_REQUEST_TIMEOUT_MS',
    description: 'longest time to receive a whole request, then 408',
    defaultValue: '60000',
  },
  {
    flags: '--client-write-timeout-ms <n>',
    env: 'STAMPYARD_GATEWAY_CLIENT_WRITE_TIMEOUT_MS',
    description: 'longest stall writing to a client, then the connection closes',
    defaultValue: '30000',
  },
  {
    flags: '--max-request-headers <n>',
    env: 'STAMPYARD_GATEWAY_MAX_REQUEST_HEADERS',
    description: 'header lines a request may carry, more gets 431',
    defaultValue: '100',
  },
  {
    flags: '--breaker-connect-failures <n>',
    env: 'STAMPYARD_GATEWAY_BREAKER_CONNECT_FAILURES',
    description: "consecutive connect failures that open a stamp's breaker",
    defaultValue: '5',
  },
  {
    flags: '--breaker-window-ms <n>',
    env: 'STAMPYARD_GATEWAY_BREAKER_WINDOW_MS',
    description: "sliding window of the breaker's failure rate",
    defaultValue: '10000',
  },
  {
    flags: '--breaker-min-requests <n>',
    env: 'STAMPYARD_GATEWAY_BREAKER_MIN_REQUESTS',
    description: 'requests in the window before its rate counts',
    defaultValue: '20',
  },
  {
    flags: '--breaker-failure-rate <percent>',
    env: 'STAMPYARD_GATEWAY_BREAKER_FAILURE_RATE',
    description: 'failure rate that opens the breaker',
    defaultValue: '50',
  },
  {
    flags: '--breaker-min-tenants <n>',
    env: 'STAMPYARD_GATEWAY_BREAKER_MIN_TENANTS',
    description: 'distinct failing tenants needed to open the breaker',
    defaultValue: '3',
  },
  {
    flags: '--breaker-min-clients <n>',
    env: 'STAMPYARD_GATEWAY_BREAKER_MIN_CLIENTS',
    description: 'distinct failing client addresses needed to open the breaker',
    defaultValue: '2',
  },
  {
    flags: '--breaker-cooldown-ms <n>',
    env: 'STAMPYARD_GATEWAY_BREAKER_COOLDOWN_MS',
    description: 'open time before a half-open probe',
    defaultValue: '5000',
  },
  {
    flags: '--tenant-backoff-failures <n>',
    env: 'STAMPYARD_GATEWAY_TENANT_BACKOFF_FAILURES',
    description: 'consecutive timeouts of one tenant that start its back-off',
    defaultValue: '3',
  },
  {
    flags: '--tenant-backoff-ms <n>',
    env: 'STAMPYARD_GATEWAY_TENANT_BACKOFF_MS',
    description: 'first tenant back-off, doubling while failures go on',
    defaultValue: '1000',
  },
  {
    flags: '--tenant-backoff-max-ms <n>',
    env: 'STAMPYARD_GATEWAY_TENANT_BACKOFF_MAX_MS',
    description: 'longest tenant back-off',
    defaultValue: '30000',
  },
  {
    flags: '--metrics-max-tenants <n>',
    env: 'STAMPYARD_GATEWAY_METRICS_MAX_TENANTS',
    description: 'tenants with their own label in refusal metrics; others count as _other',
    defaultValue: '100',
  },
  {
    flags: '--poll-interval-ms <n>',
    env: 'STAMPYARD_GATEWAY_POLL_INTERVAL_MS',
    description: 'table poll interval (fallback to watching); 0 = off',
    defaultValue: '2000',
  },
  {
    flags: '--watch-debounce-ms <n>',
    env: 'STAMPYARD_GATEWAY_WATCH_DEBOUNCE_MS',
    description: 'wait after a file event before reading',
    defaultValue: '10',
  },
  {
    flags: '--shutdown-timeout-ms <n>',
    env: 'STAMPYARD_GATEWAY_SHUTDOWN_TIMEOUT_MS',
    description: 'SIGTERM: wait this long for in-flight requests',
    defaultValue: '25000',
  },
  {
    flags: '--ready-file <file>',
    env: 'STAMPYARD_GATEWAY_READY_FILE',
    description: 'write {"port",…} here once listening with a valid table',
  },
  { flags: '--log-level <level>', env: 'STAMPYARD_GATEWAY_LOG_LEVEL', description: 'pino log level', defaultValue: 'info' },
];

export const GATEWAY_EXIT_CODES = `
Exit codes:
  0  stopped by SIGTERM/SIGINT after draining (or --help)
  1  could not start (port in use, unreadable --upstreams or key file)
  2  usage error (unknown flag, bad value, missing --table)`;

function buildCommand(): Command {
  const command = new Command('stampyard-gateway')
    .description('The global front door: identifies the tenant, looks up its stamp in the routing table, forwards the request.')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .addHelpText('after', GATEWAY_EXIT_CODES);
  for (const spec of GATEWAY_FLAGS) {
    const option = new Option(spec.flags, `${spec.description} [${spec.env}]`);
    if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
    command.addOption(option);
  }
  return command;
}

/** The --help text. */
export function gatewayHelp(): string {
  return buildCommand().helpInformation() + GATEWAY_EXIT_CODES + '\n';
}

function integer(flag: string, text: string, min: number, max: number, errors: string[]): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    errors.push(`${flag} must be an integer from ${min} to ${max}, received ${JSON.stringify(text)}`);
  return value;
}

/** Parses flags (which win) and environment variables. */
export function parseGatewayConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): GatewayConfigResult {
  const command = buildCommand();
  // Environment variables become flags placed first, so flags given on the command line win.
  const fromEnv = GATEWAY_FLAGS.flatMap((spec) => {
    const value = env[spec.env];
    const flag = spec.flags.split(' ')[0]!;
    if (value === undefined || value === '') return [];
    // A switch (no value): set by any value but false/0.
    if (!spec.flags.includes(' ')) return value === 'false' || value === '0' ? [] : [flag];
    return [`${flag}=${value}`];
  });
  try {
    command.parse([...fromEnv, ...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { ok: false, error: error.message.replace(/^error: /, ''), help: gatewayHelp() };
    throw error;
  }
  const o = command.opts<Record<string, string | undefined>>();
  const publicAdmin = (o['publicAdmin'] as unknown) === true;
  const errors: string[] = [];
  if (!o['table']) errors.push('--table <path> is required (or STAMPYARD_GATEWAY_TABLE)');
  if (o['jwtPublicKey'] && o['jwks']) errors.push('give either --jwt-public-key or --jwks, not both');
  const hasKey = Boolean(o['jwtPublicKey'] || o['jwks']);
  const identify = parseIdentifyOrder(o['identify'] ?? (hasKey ? 'host,header,token' : 'host,header'));
  if (typeof identify === 'string') errors.push(identify);
  else if (identify.includes('token') && !hasKey)
    errors.push('--identify includes token but no key is set; add --jwt-public-key <file> or --jwks <file>');
  const ms = (flag: string, key: string, min = 1) => integer(flag, o[key] ?? '', min, 3_600_000, errors);
  const count = (flag: string, key: string, min = 1, fallback = '') => integer(flag, o[key] ?? fallback, min, 1_000_000, errors);
  const trusted = parseTrustedProxies(o['trustProxy'] ?? '');
  if (typeof trusted === 'string') errors.push(trusted);
  const workersText = o['workers'] ?? '1';
  const workers = workersText === 'auto' ? availableParallelism() : integer('--workers', workersText, 1, 256, errors);
  const maxConcurrentPerStamp = count('--max-concurrent-per-stamp', 'maxConcurrentPerStamp');
  const share = String(defaultTenantShare(maxConcurrentPerStamp || 1));
  const config: GatewayConfig = {
    table: o['table'] ?? '',
    port: integer('--port', o['port'] ?? '', 0, 65535, errors),
    host: o['host'] ?? '127.0.0.1',
    ...(o['adminPort'] !== undefined ? { adminPort: integer('--admin-port', o['adminPort'], 0, 65535, errors) } : {}),
    publicAdmin,
    workers,
    trustProxy: o['trustProxy'] ?? '',
    ...(o['upstreams'] ? { upstreamsFile: o['upstreams'] } : {}),
    identify: typeof identify === 'string' ? [] : identify,
    tenantHeader: (o['tenantHeader'] ?? 'x-tenant-id').toLowerCase(),
    ...(o['jwtPublicKey'] ? { jwtPublicKeyFile: o['jwtPublicKey'] } : {}),
    ...(o['jwks'] ? { jwksFile: o['jwks'] } : {}),
    ...(o['jwtIssuer'] ? { jwtIssuer: o['jwtIssuer'] } : {}),
    ...(o['jwtAudience'] ? { jwtAudience: o['jwtAudience'] } : {}),
    connectTimeoutMs: ms('--connect-timeout-ms', 'connectTimeoutMs'),
    headersTimeoutMs: ms('--headers-timeout-ms', 'headersTimeoutMs'),
    bodyTimeoutMs: ms('--body-timeout-ms', 'bodyTimeoutMs'),
    maxConcurrentPerStamp,
    maxConcurrentPerTenant: count('--max-concurrent-per-tenant', 'maxConcurrentPerTenant', 1, share),
    maxConcurrentPerClient: count('--max-concurrent-per-client', 'maxConcurrentPerClient', 1, share),
    requestBodyTimeoutMs: ms('--request-body-timeout-ms', 'requestBodyTimeoutMs'),
    requestTimeoutMs: ms('--request-timeout-ms', 'requestTimeoutMs'),
    clientWriteTimeoutMs: ms('--client-write-timeout-ms', 'clientWriteTimeoutMs'),
    maxRequestHeaders: count('--max-request-headers', 'maxRequestHeaders'),
    breakerConnectFailures: count('--breaker-connect-failures', 'breakerConnectFailures'),
    breakerWindowMs: ms('--breaker-window-ms', 'breakerWindowMs', 10),
    breakerMinRequests: count('--breaker-min-requests', 'breakerMinRequests'),
    breakerFailureRate: integer('--breaker-failure-rate', o['breakerFailureRate'] ?? '', 1, 100, errors),
    breakerMinTenants: count('--breaker-min-tenants', 'breakerMinTenants'),
    breakerMinClients: count('--breaker-min-clients', 'breakerMinClients'),
    breakerCooldownMs: ms('--breaker-cooldown-ms', 'breakerCooldownMs'),
    tenantBackoffFailures: count('--tenant-backoff-failures', 'tenantBackoffFailures'),
    tenantBackoffMs: ms('--tenant-backoff-ms', 'tenantBackoffMs'),
    tenantBackoffMaxMs: ms('--tenant-backoff-max-ms', 'tenantBackoffMaxMs'),
    metricsMaxTenants: count('--metrics-max-tenants', 'metricsMaxTenants', 0),
    pollIntervalMs: ms('--poll-interval-ms', 'pollIntervalMs', 0),
    watchDebounceMs: ms('--watch-debounce-ms', 'watchDebounceMs', 0),
    shutdownTimeoutMs: ms('--shutdown-timeout-ms', 'shutdownTimeoutMs', 0),
    ...(o['readyFile'] ? { readyFile: o['readyFile'] } : {}),
    logLevel: o['logLevel'] ?? 'info',
  };
  if (errors.length > 0) return { ok: false, error: errors.join('\n'), help: gatewayHelp() };
  return { ok: true, config };
}

/** Parses the `--upstreams` file's text: `{ "<stamp>": "http(s)://…" }`. */
export function parseUpstreams(text: string, file: string): ReadonlyMap<string, string> | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `${file}: not valid JSON: ${(error as Error).message}`;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return `${file}: must be a JSON object of stamp name → base URL`;
  const map = new Map<string, string>();
  for (const [stamp, url] of Object.entries(data)) {
    if (typeof url !== 'string' || !/^https?:\/\/[^/]/.test(url))
      return `${file}: ${stamp}: must be an http(s) base URL, received ${JSON.stringify(url)}; e.g. "http://127.0.0.1:9101"`;
    map.set(stamp, url);
  }
  return map;
}
