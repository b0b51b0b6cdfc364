// How the local fleet starts this workspace's apps: stamp-app and the gateway,
// each through its own bin (which runs its TypeScript through tsx).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../context.ts';
import { jsonObject, LOOPBACK, sleep } from './http.ts';
import type { ProcessSpec } from './supervisor.ts';

/** The bin file of a workspace app, from its package.json. */
export function appBin(appDir: string, binName: string, workspaceRoot = REPOSITORY_ROOT): string {
  const dir = join(workspaceRoot, 'apps', appDir);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const bin = manifest.bin?.[binName];
  if (!bin) throw new Error(`${join(dir, 'package.json')} declares no bin '${binName}'`);
  return join(dir, bin);
}

/**
 * The port in a startup line: a JSON line with a numeric `port`
 * (stamp-app: {"msg":"listening",…,"port":40123,…}), else a `127.0.0.1:<port>` URL.
 */
export function portFromStartupLine(line: string): number | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    const object = jsonObject(trimmed);
    if (object && 'msg' in object && object['msg'] !== 'listening') return undefined;
    const port = object?.['port'];
    if (typeof port === 'number' && Number.isInteger(port) && port > 0) return port;
  }
  const match = /(?:127\.0\.0\.1|localhost):(\d{2,5})\b/.exec(trimmed);
  const port = match ? Number(match[1]) : undefined;
  return port !== undefined && port > 0 && port < 65536 ? port : undefined;
}

/** The admin port in stamp-app's startup line (`"adminPort":40124`), if it has one. */
export function adminPortFromStartupLine(line: string): number | undefined {
  const port = jsonObject(line.trim())?.['adminPort'];
  return typeof port === 'number' && Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * One stamp-app process: its stamp, declared version, port (0: pick one) and health; with
 * `adminPort`, its metrics listener (0: pick one), and `errorPercent`, the percentage of requests it fails.
 * `script` is the file node runs. @default - the app's bin
 */
export function stampAppSpec(input: {
  stamp: string;
  version: string;
  port: number;
  unhealthy: boolean;
  adminPort?: number;
  errorPercent?: number;
  script?: string;
}): ProcessSpec {
  return {
    name: `stamp-app ${input.stamp}`,
    command: process.execPath,
    args: [
      input.script ?? appBin('stamp-app', 'stampyard-stamp-app'),
      '--stamp',
      input.stamp,
      '--version',
      input.version,
      '--port',
      String(input.port),
      '--host',
      LOOPBACK,
      '--admin-port',
      '0',
      ...(input.unhealthy ? ['--unhealthy'] : []),
      ...(input.adminPort !== undefined ? ['--admin-port', String(input.adminPort)] : []),
      ...(input.errorPercent ? ['--error-percent', String(input.errorPercent)] : []),
    ],
    readPort: portFromStartupLine,
  };
}

/**
 * The gateway, reading the routing table and the local upstreams override, with a free admin
 * port (probes and metrics live there, never on the public port) announced in `readyFile`.
 */
export function gatewaySpec(input: { table: string; upstreams: string; port: number; readyFile: string }): ProcessSpec {
  return {
    name: 'gateway',
    command: process.execPath,
    args: [
      appBin('gateway', 'stampyard-gateway'),
      '--table',
      input.table,
      '--upstreams',
      input.upstreams,
      '--port',
      String(input.port),
      '--admin-port',
      '0',
      '--ready-file',
      input.readyFile,
      '--host',
      LOOPBACK,
      '--shutdown-timeout-ms',
      '2000',
    ],
    readPort: portFromStartupLine,
  };
}

/** The gateway's readiness endpoint, on its admin port. */
export const GATEWAY_READY_PATH = '/readyz';

/** Waits for the gateway's ready file (written once it has loaded the table) and returns its admin port. */
export async function gatewayAdminPort(readyFile: string, timeoutMs = 15_000, signal?: AbortSignal): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const info = jsonObject(await readFile(readyFile, 'utf8').catch(() => ''));
    if (typeof info?.['adminPort'] === 'number') return info['adminPort'];
    if (Date.now() > deadline) throw new Error(`the gateway wrote no ready file ${readyFile} within ${timeoutMs} ms`);
    await sleep(50, signal);
  }
}
