// End to end: replacing the table under load (file rename, ConfigMap `..data` swap),
// rejecting corrupt tables, and draining on SIGTERM.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RoutingTable } from '@stampyard/routing/lookup';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTable,
  metricValue,
  shardFiles,
  startGateway,
  startStampApp,
  stop,
  swapFile,
  tempDir,
  tenantId,
  writeConfigMapVolume,
  type Running,
  type RunningGateway,
} from './harness.ts';

const STAMPS = ['stamp-a', 'stamp-b', 'stamp-c', 'stamp-d'];
const TENANTS = 1000;
const MOVED = 100;

const before = buildTable({ stamps: STAMPS, tenants: TENANTS, stampOf: (i) => STAMPS[i % 2]! });
// The new table moves the first MOVED tenants to stamp-c and stamp-d.
const after = buildTable({ stamps: STAMPS, tenants: TENANTS, stampOf: (i) => (i < MOVED ? STAMPS[2 + (i % 2)]! : STAMPS[i % 2]!) });
const tables = new Map<string, RoutingTable>([
  [before.revision, before],
  [after.revision, after],
]);

let dir: string;
let cleanup: () => Promise<void>;
let upstreamsFile: string;
const stamps: Running[] = [];
const gateways: RunningGateway[] = [];
const agent = new Agent({ connections: 16 });

async function call(gateway: RunningGateway, tenant: string, path = '/'): Promise<{ status: number; stamp: unknown; revision: string }> {
  const res = await request(`${gateway.url}${path}`, { headers: { 'x-tenant-id': tenant }, dispatcher: agent });
  const body = (await res.body.json()) as Record<string, unknown>;
  return { status: res.statusCode, stamp: body['stamp'], revision: String(res.headers['x-stampyard-revision']) };
}

async function metrics(gateway: RunningGateway): Promise<string> {
  return (await request(`${gateway.adminUrl}/metrics`, { dispatcher: agent })).body.text();
}

/**
 * Runs steady load (8 workers) against the gateway while `change` runs, until a request for a
 * moved tenant sees the new revision, plus 50 more requests. Returns every answer that is wrong:
 * a failed status, or a stamp other than the one its revision's table names.
 */
async function underLoad(gateway: RunningGateway, change: () => Promise<void>): Promise<{ wrong: unknown[]; total: number }> {
  let switched = false;
  let extra = 0;
  let total = 0;
  const wrong: unknown[] = [];
  const worker = async (w: number): Promise<void> => {
    for (let n = 0; !switched || extra < 50; n++) {
      const i = (w * 131 + n * 7) % TENANTS;
      const answer = await call(gateway, tenantId(i)).catch((error: Error) => ({ status: 0, stamp: error.message, revision: '' }));
      total++;
      if (switched) extra++;
      const table = tables.get(answer.revision);
      if (answer.status !== 200 || !table || table.tenants[tenantId(i)]!.stamp !== answer.stamp)
        wrong.push({ tenant: tenantId(i), ...answer });
      if (answer.revision === after.revision) switched = true;
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
  await change();
  await load;
  return { wrong, total };
}

async function waitForMetric(gateway: RunningGateway, name: string, labels: string, atLeast: number): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    if (metricValue(await metrics(gateway), name, labels) >= atLeast) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${name}{${labels}} never reached ${atLeast}`);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('gw-reload'));
  stamps.push(...(await Promise.all(STAMPS.map((s) => startStampApp(s)))));
  upstreamsFile = join(dir, 'upstreams.json');
  await writeFile(upstreamsFile, JSON.stringify(Object.fromEntries(STAMPS.map((s, i) => [s, stamps[i]!.url]))));
}, 60_000);

afterAll(async () => {
  await Promise.all(gateways.map((g) => stop(g)));
  await Promise.all(stamps.map((s) => stop(s)));
  await agent.close();
  await cleanup?.();
});

describe('replacing the table', () => {
  it('a file swapped by rename under load: no request fails, later requests follow the new table', async () => {
    const file = join(dir, 'table.json');
    await writeFile(file, JSON.stringify(before));
    // Polling off in effect: the folder watch alone must see the rename.
    const gateway = await startGateway(dir, ['--table', file, '--upstreams', upstreamsFile, '--poll-interval-ms', '600000']);
    gateways.push(gateway);
    expect((await call(gateway, tenantId(0))).stamp).toBe('stamp-a');

    const { wrong, total } = await underLoad(gateway, () => swapFile(file, JSON.stringify(after)));
    expect(wrong).toEqual([]);
    expect(total).toBeGreaterThan(50);
    expect(await call(gateway, tenantId(0))).toEqual({ status: 200, stamp: 'stamp-c', revision: after.revision });
    expect(await call(gateway, tenantId(1))).toEqual({ status: 200, stamp: 'stamp-d', revision: after.revision });
    expect(await call(gateway, tenantId(MOVED))).toEqual({ status: 200, stamp: 'stamp-a', revision: after.revision });

    // Corrupt tables are rejected, counted, and the last good table keeps serving.
    const corrupt = [
      { name: 'bad JSON', text: JSON.stringify(before).slice(0, -10) },
      { name: 'revision mismatch', text: JSON.stringify({ ...before, domain: 'other.example' }) },
      {
        name: 'tenant on a missing stamp',
        text: JSON.stringify(buildTable({ stamps: STAMPS, tenants: 3, extraTenants: { lost: { stamp: 'stamp-z', status: 'active' } } })),
      },
    ];
    for (const [n, { name, text }] of corrupt.entries()) {
      await swapFile(file, text);
      await waitForMetric(gateway, 'stampyard_gateway_table_reloads_total', 'result="rejected"', n + 1);
      expect({ name, answer: await call(gateway, tenantId(0)) }).toEqual({
        name,
        answer: { status: 200, stamp: 'stamp-c', revision: after.revision },
      });
    }
    expect(gateway.output.join('')).toContain('table rejected; keeping the last good table');
  });

  it('a ConfigMap volume of shards whose ..data symlink is swapped under load', async () => {
    const volume = join(dir, 'configmap');
    await mkdir(volume);
    await writeConfigMapVolume(volume, shardFiles(before), 1);
    const gateway = await startGateway(dir, ['--table', volume, '--upstreams', upstreamsFile, '--poll-interval-ms', '600000']);
    gateways.push(gateway);
    expect((await call(gateway, tenantId(0))).revision).toBe(before.revision);

    const { wrong } = await underLoad(gateway, () => writeConfigMapVolume(volume, shardFiles(after), 2));
    expect(wrong).toEqual([]);
    expect(await call(gateway, tenantId(0))).toEqual({ status: 200, stamp: 'stamp-c', revision: after.revision });
    expect(metricValue(await metrics(gateway), 'stampyard_gateway_table_reloads_total', 'result="loaded"')).toBe(2);
  });
});

describe('startup', () => {
  it('is live but not ready, and routes nothing, until a valid table loads (found by polling)', async () => {
    const file = join(dir, 'table-late.json');
    await writeFile(file, '{"not":"a table"}');
    // Watch events effectively off (a 10-minute debounce): the poll alone must pick the table up.
    const gateway = await startGateway(
      dir,
      ['--table', file, '--upstreams', upstreamsFile, '--poll-interval-ms', '100', '--watch-debounce-ms', '600000'],
      'listening',
    );
    gateways.push(gateway);
    const status = async (path: string, headers: Record<string, string> = {}, base = gateway.url) =>
      (await request(`${base}${path}`, { headers, dispatcher: agent })).statusCode;
    expect(await status('/.well-known/stampyard/healthz')).toBe(200);
    expect(await status('/healthz', {}, gateway.adminUrl)).toBe(200);
    expect(await status('/readyz', {}, gateway.adminUrl)).toBe(503);
    expect(await status('/', { 'x-tenant-id': tenantId(0) })).toBe(503);
    await waitForMetric(gateway, 'stampyard_gateway_table_reloads_total', 'result="rejected"', 1);
    await swapFile(file, JSON.stringify(before));
    await waitForMetric(gateway, 'stampyard_gateway_table_reloads_total', 'result="loaded"', 1);
    expect(await status('/readyz', {}, gateway.adminUrl)).toBe(200);
    expect(await call(gateway, tenantId(0))).toEqual({ status: 200, stamp: 'stamp-a', revision: before.revision });
  });
});

describe('circuit breaker', () => {
  it('opens on a stopped stamp, then a half-open probe closes it once the stamp is back', async () => {
    const first = await startStampApp('stamp-flaky');
    const port = first.port;
    const file = join(dir, 'table-breaker.json');
    await writeFile(file, JSON.stringify(buildTable({ stamps: ['stamp-flaky'], tenants: 2 })));
    const upstreams = join(dir, 'upstreams-breaker.json');
    await writeFile(upstreams, JSON.stringify({ 'stamp-flaky': first.url }));
    const gateway = await startGateway(dir, [
      '--table',
      file,
      '--upstreams',
      upstreams,
      '--breaker-connect-failures',
      '2',
      '--breaker-cooldown-ms',
      '300',
    ]);
    gateways.push(gateway);
    const status = async () =>
      await request(`${gateway.url}/`, { headers: { 'x-tenant-id': tenantId(0) }, dispatcher: agent }).then(
        async (r) => (await r.body.dump(), r.statusCode),
      );
    expect(await status()).toBe(200);
    await stop(first);
    expect([await status(), await status(), await status()]).toEqual([502, 502, 503]);
    const again = await startStampApp('stamp-flaky', ['--port', String(port)]);
    stamps.push(again);
    // Open until the cool-down ends; then one probe goes through and closes the breaker.
    const seen: number[] = [];
    for (let tries = 0; tries < 200 && seen.at(-1) !== 200; tries++) {
      seen.push(await status());
      if (seen.at(-1) !== 200) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(seen.at(-1)).toBe(200);
    expect(new Set(seen.slice(0, -1))).toEqual(new Set(seen.length > 1 ? [503] : []));
    expect(await status()).toBe(200);
    expect(metricValue(await metrics(gateway), 'stampyard_gateway_breaker_state', 'stamp="stamp-flaky"')).toBe(0);
    expect(gateway.output.join('')).toContain('"from":"half-open","to":"closed"');
  });
});

describe('shutdown', () => {
  it('SIGTERM drains an in-flight request, refuses new connections, and exits 0', async () => {
    const file = join(dir, 'table-shutdown.json');
    await writeFile(file, JSON.stringify(before));
    const gateway = await startGateway(dir, ['--table', file, '--upstreams', upstreamsFile]);
    gateways.push(gateway);
    const slow = call(gateway, tenantId(0), '/slow?delay_ms=1500');
    await waitForMetric(gateway, 'stampyard_gateway_in_flight_requests', 'stamp="stamp-a"', 1);
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)));
    gateway.child.kill('SIGTERM');
    // New connections are refused once the listener has closed (or get 503 while it closes).
    let refused = false;
    for (let tries = 0; tries < 100 && !refused; tries++) {
      const fresh = new Agent({ connections: 1 });
      const outcome = await request(`${gateway.url}/`, { headers: { 'x-tenant-id': tenantId(1) }, dispatcher: fresh })
        .then(async (res) => (await res.body.text(), res.statusCode))
        .catch((error: { code?: string }) => error.code);
      await fresh.close();
      refused = outcome === 'ECONNREFUSED' || outcome === 503;
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(refused).toBe(true);
    expect(await slow).toMatchObject({ status: 200, stamp: 'stamp-a' });
    expect(await exited).toBe(0);
    expect(gateway.output.join('')).toContain('"drained":true');
  });
});
