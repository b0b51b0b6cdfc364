// End to end: --workers 2. Processes share the port, each loads and watches the table; the
// primary serves readiness and every worker's metrics on the admin port, and writes the ready
// file once every worker has loaded the table.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GATEWAY_BIN,
  buildTable,
  metricValue,
  startGateway,
  startStampApp,
  stop,
  swapFile,
  tempDir,
  tenantId,
  type Running,
  type RunningGateway,
} from './harness.ts';

const STAMPS = ['stamp-a', 'stamp-b'];
let gateway: RunningGateway;
const stamps: Running[] = [];
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('gw-workers'));
  stamps.push(...(await Promise.all(STAMPS.map((s) => startStampApp(s)))));
  await writeFile(join(dir, 'upstreams.json'), JSON.stringify(Object.fromEntries(STAMPS.map((s, i) => [s, stamps[i]!.url]))));
  await writeFile(join(dir, 'table.json'), JSON.stringify(buildTable({ stamps: STAMPS, tenants: 100 })));
  gateway = await startGateway(dir, [
    '--table',
    join(dir, 'table.json'),
    '--upstreams',
    join(dir, 'upstreams.json'),
    '--workers',
    '2',
    '--poll-interval-ms',
    '200',
  ]);
}, 120_000);

afterAll(async () => {
  await stop(gateway);
  await Promise.all(stamps.map((s) => stop(s)));
  await cleanup?.();
});

describe('--workers 2', () => {
  it('serves from both workers on one port, reports both in metrics, and stops them all on SIGTERM', async () => {
    const ready = JSON.parse(await readFile(gateway.readyFile, 'utf8')) as { workers: number; revision: string };
    expect(ready.workers).toBe(2);
    // Fresh connections: the primary hands them to the workers in turn.
    for (let i = 0; i < 20; i++) {
      const agent = new Agent({ connections: 1 });
      const res = await request(`${gateway.url}/`, { headers: { 'x-tenant-id': tenantId(i) }, dispatcher: agent });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      await agent.close();
    }
    const text = await (await request(`${gateway.adminUrl}/metrics`)).body.text();
    const served = (worker: string) =>
      metricValue(text, 'stampyard_gateway_requests_total', `stamp="stamp-a",status="200",worker="${worker}"`) +
      metricValue(text, 'stampyard_gateway_requests_total', `stamp="stamp-b",status="200",worker="${worker}"`);
    expect(served('1') + served('2')).toBe(20);
    expect(served('1')).toBeGreaterThan(0);
    expect(served('2')).toBeGreaterThan(0);
    const readyz = await request(`${gateway.adminUrl}/readyz`);
    expect(readyz.statusCode).toBe(200);
    expect(await readyz.body.json()).toMatchObject({ ready: true, revision: ready.revision });

    // A new table: the ready file follows once both workers have loaded it.
    const next = buildTable({ stamps: STAMPS, tenants: 101 });
    await swapFile(join(dir, 'table.json'), JSON.stringify(next));
    for (let tries = 0; tries < 200; tries++) {
      const info = JSON.parse(await readFile(gateway.readyFile, 'utf8')) as { revision: string };
      if (info.revision === next.revision) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((JSON.parse(await readFile(gateway.readyFile, 'utf8')) as { revision: string }).revision).toBe(next.revision);

    expect(await stop(gateway)).toBe(0);
    const out = gateway.output.join('');
    expect(out.match(/"msg":"stopped"/g)?.length).toBe(3);
  }, 120_000);
});

describe('--workers that cannot start', () => {
  it('exits 1 when the port is taken, instead of forking workers forever', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as { port: number }).port;
    const child = spawn(process.execPath, [GATEWAY_BIN, '--table', join(dir, 'table.json'), '--port', String(port), '--workers', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    busy.close();
    expect(code).toBe(1);
    expect(output).toContain('a worker could not start; stopping');
  }, 120_000);
});
