// Shared helpers for the gateway's end-to-end tests and benchmark: real processes on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rename, rm, symlink, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  sealRoutingTable,
  shardRoutingTable,
  SHARD_INDEX_FILE,
  type RoutingTable,
  type StampRoute,
  type TenantRoute,
} from '@stampyard/routing/lookup';

export const GATEWAY_BIN = fileURLToPath(new URL('../bin/stampyard-gateway.mjs', import.meta.url));
export const STAMP_APP_BIN = fileURLToPath(new URL('../../stamp-app/bin/stampyard-stamp-app.mjs', import.meta.url));
export const DOMAIN = 'stamps.test';

export interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly output: string[];
}

/** Starts a stamp-app and waits for its startup line. */
export async function startStampApp(stamp: string, extra: readonly string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [STAMP_APP_BIN, '--stamp', stamp, '--version', '1.0.0', '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => Promise.reject(new Error(`stamp-app ${stamp} exited: ${output.join('')}`))),
  ])) as [string];
  const started = JSON.parse(line) as { port: number; url: string };
  return { child, port: started.port, url: started.url, output };
}

export interface RunningGateway extends Running {
  readonly readyFile: string;
  /** `http://127.0.0.1:<admin port>`: /healthz, /readyz, /metrics. */
  readonly adminUrl: string;
}

/**
 * Starts the gateway through its bin, with a free `--admin-port`, and waits for the ready
 * file, or with `until: 'listening'` only for its `listening` log line.
 */
export async function startGateway(
  dir: string,
  args: readonly string[],
  until: 'ready' | 'listening' = 'ready',
  nodeArgs: readonly string[] = [],
): Promise<RunningGateway> {
  const readyFile = join(dir, `ready-${Math.random().toString(36).slice(2)}.json`);
  const child = spawn(
    process.execPath,
    [...nodeArgs, GATEWAY_BIN, '--port', '0', '--admin-port', '0', '--ready-file', readyFile, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`gateway exited before it was ready:\n${output.join('')}`);
    const listening = until === 'listening' ? /"port":(\d+),"adminPort":(\d+)[^\n]*"msg":"listening"/.exec(output.join('')) : null;
    if (listening)
      return {
        child,
        port: Number(listening[1]),
        url: `http://127.0.0.1:${listening[1]}`,
        adminUrl: `http://127.0.0.1:${listening[2]}`,
        output,
        readyFile,
      };
    const text = until === 'ready' ? await readFile(readyFile, 'utf8').catch(() => undefined) : undefined;
    if (text) {
      const info = JSON.parse(text) as { port: number; adminPort: number };
      return {
        child,
        port: info.port,
        url: `http://127.0.0.1:${info.port}`,
        adminUrl: `http://127.0.0.1:${info.adminPort}`,
        output,
        readyFile,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function stop(running: Running | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return running?.child.exitCode ?? null;
  running.child.kill(signal);
  const [code] = (await once(running.child, 'exit')) as [number | null];
  return code;
}

export function tenantId(i: number): string {
  return `t${String(i).padStart(6, '0')}`;
}

export interface TableInput {
  readonly stamps: readonly string[];
  readonly tenants: number;
  /** Stamp of tenant i. @default - round-robin over `stamps` */
  readonly stampOf?: (i: number) => string;
  readonly extraStamps?: Readonly<Record<string, Partial<StampRoute>>>;
  readonly extraTenants?: Readonly<Record<string, TenantRoute>>;
  readonly draining?: readonly string[];
}

export function buildTable(input: TableInput): RoutingTable {
  const stamps: Record<string, StampRoute> = {};
  for (const name of input.stamps) {
    stamps[name] = {
      endpoint: `https://${name}.internal.test`,
      region: 'westeurope',
      residency: 'eu',
      status: input.draining?.includes(name) ? 'draining' : 'active',
    };
  }
  for (const [name, route] of Object.entries(input.extraStamps ?? {})) {
    stamps[name] = { endpoint: `https://${name}.internal.test`, region: 'westeurope', residency: 'eu', status: 'active', ...route };
  }
  const tenants: Record<string, TenantRoute> = {};
  for (let i = 0; i < input.tenants; i++) {
    tenants[tenantId(i)] = { stamp: input.stampOf ? input.stampOf(i) : input.stamps[i % input.stamps.length]!, status: 'active' };
  }
  Object.assign(tenants, input.extraTenants ?? {});
  return sealRoutingTable({ schemaVersion: 1, domain: DOMAIN, stamps, tenants });
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `stampyard-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Replaces a file the way an editor or `kubectl cp` can't tear: write aside, rename over. */
export async function swapFile(path: string, text: string): Promise<void> {
  const temp = `${path}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

/**
 * Writes a table into a folder the way the kubelet updates a ConfigMap volume: files in a
 * fresh timestamped folder, `..data_tmp` → it, renamed over `..data`; the visible names are
 * symlinks through `..data`.
 */
export async function writeConfigMapVolume(dir: string, files: ReadonlyMap<string, string>, generation: number): Promise<void> {
  const versioned = `..${generation}_${Date.now()}`;
  await mkdir(join(dir, versioned));
  for (const [name, text] of files) await writeFile(join(dir, versioned, name), text);
  await symlink(versioned, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of files.keys()) {
    await symlink(join('..data', name), join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

/** The ConfigMap files for a table: the shard index and its shards. */
export function shardFiles(table: RoutingTable | string, maxShardBytes = 40_000): Map<string, string> {
  const text = typeof table === 'string' ? table : JSON.stringify(table);
  const revision = typeof table === 'string' ? (JSON.parse(table) as RoutingTable).revision : table.revision;
  const { index, shards } = shardRoutingTable(text, revision, maxShardBytes);
  return new Map([[SHARD_INDEX_FILE, JSON.stringify(index)], ...shards]);
}

/** Runs `fn` over items with at most `concurrency` at once. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

/**
 * A metric's value from Prometheus text, matched by name and label pairs in any order
 * (e.g. `result="rejected"` or `stamp="s",reason="r"`).
 */
export function metricValue(text: string, name: string, labels = ''): number {
  const pairs = labels === '' ? [] : labels.split(/,(?=[a-z_]+=")/);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (labels === '' ? rest.startsWith(' ') : rest.startsWith('{') && pairs.every((pair) => rest.includes(pair)))
      return Number(line.split(' ').pop());
  }
  return 0;
}
