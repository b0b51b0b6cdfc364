// Flags and environment for the sample stamp app. Pure: argv and env in, config or usage error out.
import { parseArgs } from 'node:util';
import { parseErrorPercent } from './metrics.ts';

export interface StampAppConfig {
  /** The stamp this instance runs in, echoed in every answer. */
  readonly stamp: string;
  /** The app version, echoed in every answer and in /healthz. @default '0.0.0' */
  readonly version: string;
  /** Port to listen on; 0 picks a free one. @default 8080 */
  readonly port: number;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host: string;
  /** Report `ready: false` (and 503) on /healthz. @default false */
  readonly unhealthy: boolean;
  /** Delay every answer by this many milliseconds. @default 0 */
  readonly delayMs: number;
  /** Accept requests and never answer them (a hung stamp, for tests). @default false */
  readonly hang: boolean;
  /** The stamp's tenant list (its mounted ConfigMap's `tenants.json`): strangers get 421, migrating tenants' writes 503. @default - none: every tenant is served (tests and benchmarks only) */
  readonly tenantList?: string;
  /** Port of the admin listener (`/metrics`, `/error-percent`, `/usage`, and the migration routes: export, import, write logs), which the gateway never routes to; 0 picks a free one. @default - no admin listener */
  readonly adminPort?: number;
  /** Length of a usage period. @default 3600 */
  readonly usagePeriodSeconds: number;
  /** Whole percentage of requests answered with an injected 500, evenly spread (a demo and test aid). @default 0 */
  readonly errorPercent: number;
}

export type ConfigResult = { readonly ok: true; readonly config: StampAppConfig } | { readonly ok: false; readonly error: string };

export const STAMP_APP_USAGE = `Usage: stampyard-stamp-app --stamp <name> [--version <v>] [--port <n>] [--host <address>] [--unhealthy] [--delay-ms <n>] [--hang]
       [--tenant-list <file>] [--admin-port <n>] [--error-percent <0..100>] [--usage-period-seconds <n>]

Flags (environment variable in brackets):
  --stamp <name>     stamp name echoed in answers            [STAMP_APP_STAMP]   required
  --version <v>      app version                             [STAMP_APP_VERSION] default 0.0.0
  --port <n>         port, 0 picks a free one                [STAMP_APP_PORT]    default 8080
  --host <address>   listen address                          [STAMP_APP_HOST]    default 127.0.0.1
  --unhealthy        /healthz reports ready: false (503)     [STAMP_APP_UNHEALTHY=1]
  --delay-ms <n>     delay every answer by n ms              [STAMP_APP_DELAY_MS] default 0
  --hang             accept requests, never answer           [STAMP_APP_HANG=1]
  --tenant-list <f>  the stamp's tenant list: others get 421 [STAMP_APP_TENANT_LIST] default none (serve all)
  --admin-port <n>   admin listener (/metrics, /error-percent, /usage, [ADMIN_PORT] default none
                     tenant export/import/writes), never routed to by the gateway; 0 picks a free one
  --error-percent <n>  answer n% of requests 500, evenly     [STAMP_APP_ERROR_PERCENT] default 0
  --usage-period-seconds <n>  length of a usage period        [STAMP_APP_USAGE_PERIOD_SECONDS] default 3600

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 could not listen or read the tenant list, 2 usage error.`;

function integer(name: string, text: string, min: number, max: number): number | string {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    return `${name} must be an integer from ${min} to ${max}, received ${JSON.stringify(text)}`;
  return value;
}

function flagOrEnv(flag: string | boolean | undefined, env: string | undefined): string | undefined {
  if (typeof flag === 'string') return flag;
  return env === '' ? undefined : env;
}

/** Reads the config from argv (flags win) and the environment. */
export function parseStampAppConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ConfigResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stamp: { type: 'string' },
        version: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        unhealthy: { type: 'boolean' },
        'delay-ms': { type: 'string' },
        hang: { type: 'boolean' },
        'tenant-list': { type: 'string' },
        'admin-port': { type: 'string' },
        'usage-period-seconds': { type: 'string' },
        'error-percent': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const stamp = flagOrEnv(values['stamp'], env['STAMP_APP_STAMP']);
  if (!stamp) return { ok: false, error: '--stamp <name> is required (or STAMP_APP_STAMP)' };
  const port = integer('--port', flagOrEnv(values['port'], env['STAMP_APP_PORT']) ?? '8080', 0, 65535);
  if (typeof port === 'string') return { ok: false, error: port };
  const delayMs = integer('--delay-ms', flagOrEnv(values['delay-ms'], env['STAMP_APP_DELAY_MS']) ?? '0', 0, 3_600_000);
  if (typeof delayMs === 'string') return { ok: false, error: delayMs };
  const adminPortText = flagOrEnv(values['admin-port'], env['ADMIN_PORT']);
  const adminPort = adminPortText === undefined ? undefined : integer('--admin-port', adminPortText, 0, 65535);
  if (typeof adminPort === 'string') return { ok: false, error: adminPort };
  const tenantList = flagOrEnv(values['tenant-list'], env['STAMP_APP_TENANT_LIST']);
  const errorPercent = parseErrorPercent(flagOrEnv(values['error-percent'], env['STAMP_APP_ERROR_PERCENT']) ?? '0');
  if (typeof errorPercent === 'string') return { ok: false, error: `--error-percent: ${errorPercent}` };
  const usagePeriodSeconds = integer(
    '--usage-period-seconds',
    flagOrEnv(values['usage-period-seconds'], env['STAMP_APP_USAGE_PERIOD_SECONDS']) ?? '3600',
    1,
    86_400,
  );
  if (typeof usagePeriodSeconds === 'string') return { ok: false, error: usagePeriodSeconds };
  return {
    ok: true,
    config: {
      stamp,
      version: flagOrEnv(values['version'], env['STAMP_APP_VERSION']) ?? '0.0.0',
      port,
      host: flagOrEnv(values['host'], env['STAMP_APP_HOST']) ?? '127.0.0.1',
      unhealthy: values['unhealthy'] === true || env['STAMP_APP_UNHEALTHY'] === '1',
      delayMs,
      hang: values['hang'] === true || env['STAMP_APP_HANG'] === '1',
      ...(tenantList !== undefined ? { tenantList } : {}),
      ...(adminPort === undefined ? {} : { adminPort }),
      usagePeriodSeconds,
      errorPercent,
    },
  };
}
