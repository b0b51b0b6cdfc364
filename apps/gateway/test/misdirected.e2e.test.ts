// End to end: stamps that refuse strangers (421), and a gateway whose table is stale recovering
// from it. Real stamp-app and gateway processes on 127.0.0.1. The gateway is started with table
// watching slowed to never and polling off, so it holds its stale table until a 421 makes it re-read.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantRoute } from '@stampyard/routing/lookup';
import {
  buildTable,
  metricValue,
  startGateway,
  startStampApp,
  stop,
  swapFile,
  tempDir,
  type Running,
  type RunningGateway,
} from './harness.ts';

const agent = new Agent({ connections: 4 });
let dir: string;
let cleanup: () => Promise<void>;
let a: Running;
let b: Running;
let gateway: RunningGateway;

const listFile = (stamp: string) => join(dir, `${stamp}.tenants.json`);
async function writeList(stamp: string, revision: string, tenants: Record<string, { epoch: number; phase?: string }>): Promise<void> {
  await swapFile(listFile(stamp), JSON.stringify({ schemaVersion: 1, revision, stamp, tenants }));
}
const table = (tenants: Record<string, TenantRoute>) => buildTable({ stamps: ['stamp-a', 'stamp-b'], tenants: 0, extraTenants: tenants });

async function call(url: string, tenant: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const res = await request(`${url}/orders?echo_headers=1`, {
    method: (init.method ?? 'GET') as 'GET',
    body: init.body ?? null,
    headers: { 'x-tenant-id': tenant, ...init.headers },
    dispatcher: agent,
  });
  const body = (await res.body.json()) as Record<string, unknown>;
  return { status: res.statusCode, headers: res.headers, body };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('misdirected'));
  await writeList('stamp-a', 'a1', { acme: { epoch: 0 }, gamma: { epoch: 0 }, delta: { epoch: 0 } });
  await writeList('stamp-b', 'b1', { beta: { epoch: 0 } });
  [a, b] = await Promise.all([
    startStampApp('stamp-a', ['--tenant-list', listFile('stamp-a')]),
    startStampApp('stamp-b', ['--tenant-list', listFile('stamp-b')]),
  ]);
  await writeFile(join(dir, 'upstreams.json'), JSON.stringify({ 'stamp-a': a.url, 'stamp-b': b.url }));
  await writeFile(
    join(dir, 'table.json'),
    JSON.stringify(
      table({
        acme: { stamp: 'stamp-a', status: 'active' },
        gamma: { stamp: 'stamp-a', status: 'active' },
        delta: { stamp: 'stamp-a', status: 'active' },
        beta: { stamp: 'stamp-b', status: 'active' },
      }),
    ),
  );
  gateway = await startGateway(dir, [
    '--table',
    join(dir, 'table.json'),
    '--upstreams',
    join(dir, 'upstreams.json'),
    '--identify',
    'header',
    '--poll-interval-ms',
    '0',
    '--watch-debounce-ms',
    '600000',
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([stop(gateway), stop(a), stop(b)]);
  await agent.close();
  await cleanup?.();
});

describe('stamps refuse strangers; a stale gateway recovers', () => {
  it('sends the tenant epoch from its table (never the client one), and the stamp serves its own tenant', async () => {
    const answer = await call(gateway.url, 'acme', { headers: { 'x-stampyard-epoch': '99' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ stamp: 'stamp-a', tenant: 'acme' });
    expect((answer.body['headers'] as Record<string, string>)['x-stampyard-epoch']).toBe('0');
  });

  it('a direct request to the wrong stamp gets 421 naming the stamp and its list revision', async () => {
    const answer = await call(b.url, 'acme');
    expect(answer.status).toBe(421);
    expect(answer.body).toMatchObject({ error: 'misdirected', stamp: 'stamp-b', tenantListRevision: 'b1' });
  });

  it('a write with a body refused by the stale stamp is answered 503 + Retry-After (never re-sent, never a 421 to the client)', async () => {
    // gamma moved to stamp-b at epoch 1 (contract): lists first, then the table file; the gateway still holds the old table.
    await writeList('stamp-b', 'b2', { beta: { epoch: 0 }, gamma: { epoch: 1 } });
    await writeList('stamp-a', 'a2', { acme: { epoch: 0 }, delta: { epoch: 0 } });
    await swapFile(
      join(dir, 'table.json'),
      JSON.stringify(
        table({
          acme: { stamp: 'stamp-a', status: 'active' },
          gamma: { stamp: 'stamp-b', status: 'active', epoch: 1 },
          delta: { stamp: 'stamp-a', status: 'active' },
          beta: { stamp: 'stamp-b', status: 'active' },
        }),
      ),
    );
    const answer = await call(gateway.url, 'gamma', { method: 'POST', body: 'order' });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('2');
    expect(answer.body).toMatchObject({ error: 'misdirected', stamp: 'stamp-a' });
    // Neither stamp logged the write.
    const next = await call(gateway.url, 'gamma', { method: 'POST', body: 'order' });
    expect(next).toMatchObject({ status: 200, body: { stamp: 'stamp-b', write: { seq: 1, epoch: 1 } } });
  });

  it('a read refused by the stale stamp is retried once on the stamp the re-read table names, and counted', async () => {
    const before = metricValue(
      await (await request(`${gateway.adminUrl}/metrics`, { dispatcher: agent })).body.text(),
      'stampyard_gateway_misdirected_total',
      'stamp="stamp-a"',
    );
    await writeList('stamp-b', 'b3', { acme: { epoch: 1 }, beta: { epoch: 0 }, gamma: { epoch: 1 } });
    await writeList('stamp-a', 'a3', { delta: { epoch: 0 } });
    const moved = table({
      acme: { stamp: 'stamp-b', status: 'active', epoch: 1 },
      gamma: { stamp: 'stamp-b', status: 'active', epoch: 1 },
      delta: { stamp: 'stamp-a', status: 'active' },
      beta: { stamp: 'stamp-b', status: 'active' },
    });
    await swapFile(join(dir, 'table.json'), JSON.stringify(moved));
    const answer = await call(gateway.url, 'acme');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ stamp: 'stamp-b', tenant: 'acme' });
    expect((answer.body['headers'] as Record<string, string>)['x-stampyard-epoch']).toBe('1');
    expect(answer.headers['x-stampyard-revision']).toBe(moved.revision);
    const after = metricValue(
      await (await request(`${gateway.adminUrl}/metrics`, { dispatcher: agent })).body.text(),
      'stampyard_gateway_misdirected_total',
      'stamp="stamp-a"',
    );
    expect(after - before).toBe(1);
  });

  it('when the re-read table still names the refusing stamp, answers 503 + Retry-After instead of guessing', async () => {
    await writeList('stamp-a', 'a4', {}); // a list ahead of the table (or a hand-edited table)
    const answer = await call(gateway.url, 'delta');
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('2');
    expect(String(answer.body['message'])).toContain('still routes it there');
  });
});
