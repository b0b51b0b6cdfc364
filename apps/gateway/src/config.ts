// Flags and environment for the gateway. Pure: argv and env in, a config or a usage error out.
import { Command, CommanderError, Option } from 'commander';
import { parseIdentifyOrder, type IdentifySource } from './identify.ts';

export interface GatewayConfig {
  /** Table file, or folder (routing-table.json, or ConfigMap shards). */
  readonly table: string;
  /** @default 8080; 0 picks a free port (logged as `listening`, and in the ready file) */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host: string;
  /** Separate port for /healthz, /readyz, /metrics. @default - none (they stay under /.well-known/stampyard/ on the main port) */
  readonly adminPort?: number;
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
  /** Consecutive failures that open a stamp's breaker. @default 5 */
  readonly breakerFailures: number;
  /** @default 5000 */
  readonly breakerCooldownMs: number;
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

export type GatewayConfigResult = { readonly ok: true; readonly config: GatewayConfig } | { readonly ok: false; readonly error: string; readonly help?: string };

interface FlagSpec {
  readonly flags: string;
  readonly env: string;
  readonly description: string;
  readonly defaultValue?: string;
}

/** Every flag, its environment variable and default. The README's table lists the same. */
export const GATEWAY_FLAGS: readonly FlagSpec[] = [
  { flags: '--table <path>', env: 'STAMPYARD_GATEWAY_TABLE', description: 'routing table file, or folder (routing-table.json or ConfigMap shards)' },
  { flags: '--port <n>', env: 'STAMPYARD_GATEWAY_PORT', description: 'port; 0 picks a free one', defaultValue: '8080' },
  { flags: '--host <address>', env: 'STAMPYARD_GATEWAY_HOST', description: 'listen address', defaultValue: '127.0.0.1' },
  { flags: '--admin-port <n>', env: 'STAMPYARD_GATEWAY_ADMIN_PORT', description: 'extra port serving /healthz, /readyz, /metrics' },
  { flags: '--upstreams <file>', env: 'STAMPYARD_GATEWAY_UPSTREAMS', description: 'JSON {"<stamp>": "<base URL>"} overriding table endpoints' },
  { flags: '--identify <list>', env: 'STAMPYARD_GATEWAY_IDENTIFY', description: 'tenant sources in order: host,header,token (default host,header, plus token when a key is set)' },
  { flags: '--tenant-header <name>', env: 'STAMPYARD_GATEWAY_TENANT_HEADER', description: 'header naming the tenant', defaultValue: 'x-tenant-id' },
  { flags: '--jwt-public-key <file>', env: 'STAMPYARD_GATEWAY_JWT_PUBLIC_KEY', description: 'PEM public key verifying tenant tokens' },
  { flags: '--jwks <file>', env: 'STAMPYARD_GATEWAY_JWKS', description: 'JWKS file verifying tenant tokens' },
  { flags: '--jwt-issuer <iss>', env: 'STAMPYARD_GATEWAY_JWT_ISSUER', description: 'required token issuer' },
  { flags: '--jwt-audience <aud>', env: 'STAMPYARD_GATEWAY_JWT_AUDIENCE', description: 'required token audience' },
  { flags: '--connect-timeout-ms <n>', env: 'STAMPYARD_GATEWAY_CONNECT_TIMEOUT_MS', description: 'connect timeout to a stamp', defaultValue: '2000' },
  { flags: '--headers-timeout-ms <n>', env: 'STAMPYARD_GATEWAY_HEADERS_TIMEOUT_MS', description: 'wait for a stamp\'s response headers, then 504', defaultValue: '15000' },
  { flags: '--body-timeout-ms <n>', env: 'STAMPYARD_GATEWAY_BODY_TIMEOUT_MS', description: 'longest idle gap in a body', defaultValue: '30000' },
  { flags: '--max-concurrent-per-stamp <n>', env: 'STAMPYARD_GATEWAY_MAX_CONCURRENT_PER_STAMP', description: 'bulkhead: requests in flight per stamp, excess gets 503', defaultValue: '256' },
  { flags: '--breaker-failures <n>', env: 'STAMPYARD_GATEWAY_BREAKER_FAILURES', description: 'consecutive failures that open a stamp\'s breaker', defaultValue: '5' },
  { flags: '--breaker-cooldown-ms <n>', env: 'STAMPYARD_GATEWAY_BREAKER_COOLDOWN_MS', description: 'open time before a half-open probe', defaultValue: '5000' },
  { flags: '--poll-interval-ms <n>', env: 'STAMPYARD_GATEWAY_POLL_INTERVAL_MS', description: 'table poll interval (fallback to watching); 0 = off', defaultValue: '2000' },
  { flags: '--watch-debounce-ms <n>', env: 'STAMPYARD_GATEWAY_WATCH_DEBOUNCE_MS', description: 'wait after a file event before reading', defaultValue: '10' },
  { flags: '--shutdown-timeout-ms <n>', env: 'STAMPYARD_GATEWAY_SHUTDOWN_TIMEOUT_MS', description: 'SIGTERM: wait this long for in-flight requests', defaultValue: '25000' },
  { flags: '--ready-file <file>', env: 'STAMPYARD_GATEWAY_READY_FILE', description: 'write {"port",…} here once listening with a valid table' },
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
  if (!/^\d+$/.test(text) || value < min || value > max) errors.push(`${flag} must be an integer from ${min} to ${max}, received ${JSON.stringify(text)}`);
  return value;
}

/** Parses flags (which win) and environment variables. */
export function parseGatewayConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): GatewayConfigResult {
  const command = buildCommand();
  // Environment variables become flags placed first, so flags given on the command line win.
  const fromEnv = GATEWAY_FLAGS.flatMap((spec) => {
    const value = env[spec.env];
    return value === undefined || value === '' ? [] : [`${spec.flags.split(' ')[0]}=${value}`];
  });
  try {
    command.parse([...fromEnv, ...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { ok: false, error: error.message.replace(/^error: /, ''), help: gatewayHelp() };
    throw error;
  }
  const o = command.opts<Record<string, string | undefined>>();
  const errors: string[] = [];
  if (!o['table']) errors.push('--table <path> is required (or STAMPYARD_GATEWAY_TABLE)');
  if (o['jwtPublicKey'] && o['jwks']) errors.push('give either --jwt-public-key or --jwks, not both');
  const hasKey = Boolean(o['jwtPublicKey'] || o['jwks']);
  const identify = parseIdentifyOrder(o['identify'] ?? (hasKey ? 'host,header,token' : 'host,header'));
  if (typeof identify === 'string') errors.push(identify);
  else if (identify.includes('token') && !hasKey) errors.push('--identify includes token but no key is set; add --jwt-public-key <file> or --jwks <file>');
  const ms = (flag: string, key: string, min = 1) => integer(flag, o[key] ?? '', min, 3_600_000, errors);
  const config: GatewayConfig = {
    table: o['table'] ?? '',
    port: integer('--port', o['port'] ?? '', 0, 65535, errors),
    host: o['host'] ?? '127.0.0.1',
    ...(o['adminPort'] !== undefined ? { adminPort: integer('--admin-port', o['adminPort'], 0, 65535, errors) } : {}),
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
    maxConcurrentPerStamp: integer('--max-concurrent-per-stamp', o['maxConcurrentPerStamp'] ?? '', 1, 1_000_000, errors),
    breakerFailures: integer('--breaker-failures', o['breakerFailures'] ?? '', 1, 1_000_000, errors),
    breakerCooldownMs: ms('--breaker-cooldown-ms', 'breakerCooldownMs'),
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
    if (typeof url !== 'string' || !/^https?:\/\/[^/]/.test(url)) return `${file}: ${stamp}: must be an http(s) base URL, received ${JSON.stringify(url)}; e.g. "http://127.0.0.1:9101"`;
    map.set(stamp, url);
  }
  return map;
}
