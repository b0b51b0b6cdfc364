// The stamp's guard, through a real stamp-app process on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/stampyard-stamp-app.mjs', import.meta.url));

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminUrl: string;
  readonly tenantListRevision: string;
}

async function start(stamp: string, listFile: string): Promise<Started> {
  const child = spawn(process.execPath, [BIN, '--stamp', stamp, '--port', '0', '--admin-port', '0', '--tenant-list', listFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, ...(JSON.parse(line) as Omit<Started, 'child'>) };
}

function writeList(file: string, stamp: string, revision: string, tenants: Record<string, { epoch: number; phase?: string }>): void {
  writeFileSync(`${file}.tmp`, JSON.stringify({ schemaVersion: 1, revision, stamp, tenants }));
  renameSync(`${file}.tmp`, file);
}

describe('stamp-app with a tenant list (real processes)', () => {
  let dir: string;
  let a: Started;
  let b: Started;
  const listA = () => join(dir, 'a.json');
  const listB = () => join(dir, 'b.json');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stamp-app-tenancy-'));
    writeList(listA(), 'stamp-a', 'rev-a1', { acme: { epoch: 0 } });
    writeList(listB(), 'stamp-b', 'rev-b1', {});
    [a, b] = await Promise.all([start('stamp-a', listA()), start('stamp-b', listB())]);
  });
  afterAll(async () => {
    for (const s of [a, b]) {
      if (!s) continue;
      s.child.kill('SIGTERM');
      if (s.child.exitCode === null) await once(s.child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('says its list revision at startup', () => {
    expect(a.tenantListRevision).toBe('rev-a1');
  });

  it('serves its tenant, logs the write, and answers a direct call for a stranger with 421 naming itself and its list revision', async () => {
    const ok = await fetch(`${a.url}/orders`, { method: 'POST', body: 'order-1', headers: { 'x-tenant-id': 'acme' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ stamp: 'stamp-a', tenant: 'acme', write: { seq: 1, epoch: 0 } });

    const wrong = await fetch(`${b.url}/orders`, { method: 'POST', body: 'order-x', headers: { 'x-tenant-id': 'acme' } });
    expect(wrong.status).toBe(421);
    expect(wrong.headers.get('x-stampyard-stamp')).toBe('stamp-b');
    expect(wrong.headers.get('x-stampyard-tenant-list-revision')).toBe('rev-b1');
    expect(await wrong.json()).toMatchObject({
      error: 'misdirected',
      reason: 'not-on-list',
      stamp: 'stamp-b',
      tenant: 'acme',
      tenantListRevision: 'rev-b1',
    });
    const bWrites = (await (await fetch(`${b.adminUrl}/tenants/acme/writes`)).json()) as { writes: unknown[] };
    expect(bWrites.writes).toEqual([]);
  });

  it('serves the migration routes on the one admin listener, beside /metrics and /usage', async () => {
    const metrics = await fetch(`${a.adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_requests_total');
    expect((await fetch(`${a.adminUrl}/usage`)).status).toBe(200);
    expect(await (await fetch(`${a.adminUrl}/tenant-list`)).json()).toMatchObject({ stamp: 'stamp-a', revision: 'rev-a1' });
  });

  it('fences writes (503 + Retry-After) while reads go on, exports only when fenced, and the target imports and then serves at the next epoch', async () => {
    expect((await fetch(`${a.adminUrl}/tenants/acme/export`)).status).toBe(409);

    writeList(listA(), 'stamp-a', 'rev-a2', { acme: { epoch: 0, phase: 'fenced' } });
    const fenced = await fetch(`${a.url}/orders`, {
      method: 'PUT',
      body: 'order-2',
      headers: { 'x-tenant-id': 'acme', 'x-stampyard-epoch': '0' },
    });
    expect(fenced.status).toBe(503);
    expect(fenced.headers.get('retry-after')).toBe('5');
    expect(fenced.headers.get('x-stampyard-tenant-list-revision')).toBe('rev-a2');
    expect((await fetch(`${a.url}/orders`, { headers: { 'x-tenant-id': 'acme' } })).status).toBe(200);

    const exported = await (await fetch(`${a.adminUrl}/tenants/acme/export`)).json();
    expect(exported).toMatchObject({ tenant: 'acme', writes: [{ seq: 1, body: 'order-1', stamp: 'stamp-a' }] });
    const imported = await fetch(`${b.adminUrl}/tenants/acme/import`, { method: 'POST', body: JSON.stringify(exported) });
    expect(await imported.json()).toEqual({ tenant: 'acme', imported: 1 });

    // Expand: the target admits the tenant at epoch 1, still fenced; contract: the source drops it.
    writeList(listB(), 'stamp-b', 'rev-b2', { acme: { epoch: 1, phase: 'cutover-expand' } });
    writeList(listA(), 'stamp-a', 'rev-a3', {});
    const stale = await fetch(`${b.url}/orders`, { headers: { 'x-tenant-id': 'acme', 'x-stampyard-epoch': '0' } });
    expect(stale.status).toBe(421);
    expect(await stale.json()).toMatchObject({ reason: 'stale-epoch' });
    expect((await fetch(`${a.url}/orders`, { headers: { 'x-tenant-id': 'acme', 'x-stampyard-epoch': '0' } })).status).toBe(421);

    // Done: the fence is lifted on the target.
    writeList(listB(), 'stamp-b', 'rev-b3', { acme: { epoch: 1 } });
    const write = await fetch(`${b.url}/orders`, {
      method: 'POST',
      body: 'order-3',
      headers: { 'x-tenant-id': 'acme', 'x-stampyard-epoch': '1' },
    });
    expect(await write.json()).toMatchObject({ stamp: 'stamp-b', write: { seq: 2, epoch: 1 } });
    // The import refuses to overwrite a tenant served unfenced; cleanup on the source is allowed now.
    expect((await fetch(`${b.adminUrl}/tenants/acme/import`, { method: 'POST', body: JSON.stringify(exported) })).status).toBe(409);
    expect(await (await fetch(`${a.adminUrl}/tenants/acme`, { method: 'DELETE' })).json()).toEqual({ tenant: 'acme', deleted: 1 });
    expect((await fetch(`${b.adminUrl}/tenants/acme`, { method: 'DELETE' })).status).toBe(409);
  });
});
