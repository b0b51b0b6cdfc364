// End to end: 10 stamp-app processes, the gateway through its bin, a table of 1,000 tenants.
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOMAIN,
  buildTable,
  mapLimit,
  metricValue,
  startGateway,
  startStampApp,
  stop,
  tempDir,
  tenantId,
  type Running,
  type RunningGateway,
} from './harness.ts';

const STAMPS = Array.from({ length: 10 }, (_, i) => `stamp-${String(i).padStart(2, '0')}`);
const TENANTS = 1000;
const HEADERS_TIMEOUT_MS = 1000;
const MAX_PER_STAMP = 8;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  ms: number;
}

let gateway: RunningGateway;
const stamps: Running[] = [];
let cleanup: () => Promise<void>;
let tableDir: string;
let key: CryptoKey;
let forgedKey: CryptoKey;

async function get(
  path: string,
  headers: Record<string, string> = {},
  init: { method?: 'GET' | 'POST'; body?: string } = {},
): Promise<Answer> {
  const started = performance.now();
  const res = await request(`${gateway.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body ?? null });
  const text = await res.body.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.statusCode, headers: res.headers, body, ms: performance.now() - started };
}

function token(claims: Record<string, unknown>, signWith: CryptoKey = key, expiresIn = '5m'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .setIssuer('stampyard-test')
    .sign(signWith);
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

async function metrics(): Promise<string> {
  const res = await request(`${gateway.adminUrl}/metrics`);
  return res.body.text();
}

beforeAll(async () => {
  const temp = await tempDir('gw-e2e');
  tableDir = temp.dir;
  const pair = await generateKeyPair('ES256');
  key = pair.privateKey;
  forgedKey = (await generateKeyPair('ES256')).privateKey;
  await writeFile(join(temp.dir, 'key.pem'), await exportSPKI(pair.publicKey));

  const started = await Promise.all([
    ...STAMPS.map((s) => startStampApp(s)),
    startStampApp('stamp-hung', ['--hang']),
    startStampApp('stamp-hung-2', ['--hang']),
  ]);
  stamps.push(...started);
  const closedPort = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const upstreams: Record<string, string> = { 'stamp-down': `http://127.0.0.1:${closedPort}` };
  STAMPS.forEach((s, i) => (upstreams[s] = started[i]!.url));
  upstreams['stamp-hung'] = started[10]!.url;
  upstreams['stamp-hung-2'] = started[11]!.url;
  const table = buildTable({
    stamps: STAMPS,
    tenants: TENANTS,
    draining: ['stamp-09'],
    extraStamps: { 'stamp-hung': {}, 'stamp-hung-2': {}, 'stamp-down': {} },
    extraTenants: {
      'suspended-1': { stamp: 'stamp-01', status: 'suspended' },
      'hung-1': { stamp: 'stamp-hung', status: 'active' },
      'hung-2': { stamp: 'stamp-hung-2', status: 'active' },
      'down-1': { stamp: 'stamp-down', status: 'active' },
    },
  });
  await writeFile(join(temp.dir, 'table.json'), JSON.stringify(table));
  await writeFile(join(temp.dir, 'upstreams.json'), JSON.stringify(upstreams));
  gateway = await startGateway(temp.dir, [
    '--table',
    join(temp.dir, 'table.json'),
    '--upstreams',
    join(temp.dir, 'upstreams.json'),
    '--identify',
    'host,header,token',
    '--jwt-public-key',
    join(temp.dir, 'key.pem'),
    '--jwt-issuer',
    'stampyard-test',
    '--headers-timeout-ms',
    String(HEADERS_TIMEOUT_MS),
    '--max-concurrent-per-stamp',
    String(MAX_PER_STAMP),
    '--breaker-connect-failures',
    '3',
    // Every tenant gets the whole bulkhead here: this suite checks stamp isolation, attacks.e2e checks fair share.
    '--max-concurrent-per-tenant',
    String(MAX_PER_STAMP),
    '--max-concurrent-per-client',
    '1000',
    '--breaker-cooldown-ms',
    '600000',
  ]);
  cleanup = temp.cleanup;
}, 120_000);

afterAll(async () => {
  await stop(gateway);
  await Promise.all(stamps.map((s) => stop(s)));
  await cleanup?.();
});

const expectedStamp = (i: number): string => STAMPS[i % STAMPS.length]!;
const ids = Array.from({ length: TENANTS }, (_, i) => i);

describe('every tenant reaches its own stamp', () => {
  it.each([
    { mode: 'host', headersFor: async (id: string) => ({ host: `${id}.${DOMAIN}` }) },
    { mode: 'header', headersFor: async (id: string) => ({ 'x-tenant-id': id }) },
    { mode: 'token', headersFor: async (id: string) => ({ authorization: `Bearer ${await token({ tenant: id })}` }) },
  ])('identified by $mode', async ({ headersFor }) => {
    // No more requests in flight than one stamp's bulkhead admits: a stamp that stalls
    // for a moment on a busy machine must not turn this routing check into a 503.
    const answers = await mapLimit(ids, MAX_PER_STAMP, async (i) => get('/orders?x=1', await headersFor(tenantId(i))));
    const wrong = answers
      .map((a, i) => ({ i, status: a.status, stamp: a.body['stamp'], tenant: a.body['tenant'], header: a.headers['x-stampyard-stamp'] }))
      .filter(
        ({ i, status, stamp, tenant, header }) =>
          status !== 200 || stamp !== expectedStamp(i) || tenant !== tenantId(i) || header !== expectedStamp(i),
      );
    expect(wrong).toEqual([]);
    expect(new Set(answers.map((a) => a.headers['x-stampyard-revision'])).size).toBe(1);
  });

  it('routes a draining stamp’s tenants (draining only stops new placements)', async () => {
    const a = await get('/', { 'x-tenant-id': tenantId(9) });
    expect([a.status, a.body['stamp']]).toEqual([200, 'stamp-09']);
  });

  it('answers the lookup-then-direct route with the stamp endpoint, to a verified token only', async () => {
    const refused = await get('/.well-known/stampyard/route', { host: `${tenantId(3)}.${DOMAIN}` });
    expect([refused.status, refused.body['error'], refused.body['stamp']]).toEqual([401, 'token-required', undefined]);
    const a = await get('/.well-known/stampyard/route', { authorization: `Bearer ${await token({ tenant: tenantId(3) })}` });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({
      tenant: tenantId(3),
      stamp: 'stamp-03',
      endpoint: stamps[3]!.url,
      revision: a.headers['x-stampyard-revision'],
    });
  });

  it('streams request bodies, strips hop-by-hop headers and sets X-Forwarded-*', async () => {
    const body = 'x'.repeat(1_000_000);
    // node:http, not undici: undici refuses to send a Connection header naming other headers.
    const a = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/upload?echo_headers=1`, {
        method: 'POST',
        headers: {
          host: `${tenantId(5)}.${DOMAIN}`,
          connection: 'keep-alive, x-secret',
          'x-secret': 'drop me',
          'x-keep': 'yes',
          'x-stampyard-tenant': 'forged',
          'keep-alive': 'timeout=5',
          te: 'trailers',
        },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      });
      req.end(body);
    });
    expect(a.status).toBe(200);
    expect(a.body['bodyBytes']).toBe(body.length);
    const seen = a.body['headers'] as Record<string, string>;
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen['te']).toBeUndefined();
    expect(seen['x-secret']).toBeUndefined();
    expect(seen['x-keep']).toBe('yes');
    expect(seen['x-forwarded-host']).toBe(`${tenantId(5)}.${DOMAIN}`);
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-real-ip']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-stampyard-tenant']).toBe(tenantId(5));
  });
});

describe('refusals carry the documented status and are never routed', () => {
  it.each([
    { name: 'unknown tenant', headers: { 'x-tenant-id': 'nobody' }, status: 404, error: 'unknown-tenant' },
    { name: 'suspended tenant', headers: { 'x-tenant-id': 'suspended-1' }, status: 403, error: 'tenant-suspended' },
    {
      name: 'host and header disagree',
      headers: { host: `${tenantId(1)}.${DOMAIN}`, 'x-tenant-id': tenantId(2) },
      status: 400,
      error: 'conflicting-tenants',
    },
    { name: 'no tenant at all', headers: {}, status: 400, error: 'no-tenant' },
    { name: 'host outside the domain', headers: { host: 'evil.example' }, status: 400, error: 'no-tenant' },
  ] as { name: string; headers: Record<string, string>; status: number; error: string }[])(
    '$name → $status',
    async ({ headers, status, error }) => {
      const a = await get('/', headers);
      expect([a.status, a.body['error']]).toEqual([status, error]);
      expect(a.body['stamp'] === undefined || status === 403).toBe(true);
      expect(a.headers['x-stampyard-revision']).toMatch(/^sha256:/);
    },
  );

  it('refuses an absolute-form request target', async () => {
    const a = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: gateway.port,
        path: `http://${tenantId(1)}.${DOMAIN}/x`,
        headers: { 'x-tenant-id': tenantId(1) },
      });
      req.on('error', reject);
      req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.end();
    });
    expect(a).toBe(400);
  });

  it('refuses a host and a token that disagree', async () => {
    const a = await get('/', { host: `${tenantId(1)}.${DOMAIN}`, authorization: `Bearer ${await token({ tenant: tenantId(2) })}` });
    expect([a.status, a.body['error']]).toEqual([400, 'conflicting-tenants']);
  });

  it.each([
    { name: 'forged (wrong key)', make: () => token({ tenant: tenantId(1) }, forgedKey) },
    {
      name: 'unsigned (alg none)',
      make: async () =>
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ tenant: tenantId(1), iss: 'stampyard-test', exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url')}.`,
    },
    {
      name: 'expired',
      make: () =>
        new SignJWT({ tenant: tenantId(1) })
          .setProtectedHeader({ alg: 'ES256' })
          .setIssuer('stampyard-test')
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(key),
    },
    {
      name: 'wrong issuer',
      make: () =>
        new SignJWT({ tenant: tenantId(1) })
          .setProtectedHeader({ alg: 'ES256' })
          .setIssuer('someone-else')
          .setExpirationTime('5m')
          .sign(key),
    },
  ])('rejects a $name token with 401', async ({ make }) => {
    const a = await get('/', { authorization: `Bearer ${await make()}` });
    expect([a.status, a.body['error']]).toEqual([401, 'invalid-token']);
    expect(a.headers['x-stampyard-stamp']).toBeUndefined();
  });

  it('follows the table, not the token, when its stamp claim disagrees, and counts it', async () => {
    const before = metricValue(await metrics(), 'stampyard_gateway_token_stamp_mismatch_total');
    const a = await get('/', { authorization: `Bearer ${await token({ tenant: tenantId(0), stamp: 'stamp-05' })}` });
    expect([a.status, a.body['stamp']]).toEqual([200, 'stamp-00']);
    expect(metricValue(await metrics(), 'stampyard_gateway_token_stamp_mismatch_total')).toBe(before + 1);
  });
});

describe('failing stamps', () => {
  it('answers 502 for a stopped stamp, then 503 once its breaker opens', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get('/', { 'x-tenant-id': 'down-1' })).status);
    expect(statuses).toEqual([502, 502, 502, 503, 503]);
    expect(metricValue(await metrics(), 'stampyard_gateway_breaker_state', 'stamp="stamp-down"')).toBe(2);
  });

  it('answers 504 for a hung stamp after the headers timeout', async () => {
    const a = await get('/', { 'x-tenant-id': 'hung-1' });
    expect([a.status, a.body['error'], a.headers['x-stampyard-stamp']]).toEqual([504, 'stamp-timeout', 'stamp-hung']);
    expect(a.ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS * 0.9);
  });

  it('a hung stamp fills only its own bulkhead: other stamps keep their latency, excess fails fast', async () => {
    const others = Array.from({ length: 200 }, (_, i) => i);
    const sample = async (): Promise<number[]> =>
      (await mapLimit(others, 4, (i) => get('/', { 'x-tenant-id': tenantId(i) }))).map((a) => (a.status === 200 ? a.ms : Infinity));
    const baseline = p99(await sample());
    const hung = Promise.all(Array.from({ length: MAX_PER_STAMP + 12 }, () => get('/', { 'x-tenant-id': 'hung-2' })));
    const during = p99(await sample());
    const answers = await hung;
    // Stated bound: other stamps' p99 stays under 10× its baseline or 250 ms, whichever is larger.
    expect(during).toBeLessThan(Math.max(10 * baseline, 250));
    const fast = answers.filter((a) => a.status === 503);
    expect(fast.length).toBeGreaterThanOrEqual(12);
    expect(Math.max(...fast.map((a) => a.ms))).toBeLessThan(HEADERS_TIMEOUT_MS / 2);
    expect(answers.filter((a) => a.status === 504).length).toBeLessThanOrEqual(MAX_PER_STAMP);
  });
});

describe('token-only identification (--identify token)', () => {
  it('routes by the token alone and strips the other tenant hints before proxying', async () => {
    const temp = await tempDir('gw-token-only');
    const tokenOnly = await startGateway(temp.dir, [
      '--table',
      join(tableDir, 'table.json'),
      '--upstreams',
      join(tableDir, 'upstreams.json'),
      '--identify',
      'token',
      '--jwt-public-key',
      join(tableDir, 'key.pem'),
    ]);
    try {
      const echo = async (headers: Record<string, string>) => {
        const res = await request(`${tokenOnly.url}/?echo_headers=1`, { headers });
        const body = (await res.body.json()) as { stamp: string; headers: Record<string, string> };
        return { status: res.statusCode, stamp: body.stamp, seen: body.headers };
      };
      const bearer = `Bearer ${await token({ tenant: tenantId(3) })}`;
      const other = await echo({ authorization: bearer, 'x-tenant-id': tenantId(4), host: `${tenantId(4)}.${DOMAIN}` });
      expect([other.status, other.stamp]).toEqual([200, 'stamp-03']);
      expect(other.seen['x-tenant-id']).toBeUndefined();
      expect(other.seen['x-forwarded-host']).toBeUndefined();
      expect(other.seen['forwarded']).not.toContain(tenantId(4));
      expect(other.seen['x-stampyard-tenant']).toBe(tenantId(3));
      const same = await echo({ authorization: bearer, host: `${tenantId(3)}.${DOMAIN}` });
      expect(same.seen['x-forwarded-host']).toBe(`${tenantId(3)}.${DOMAIN}`);
      expect((await request(`${tokenOnly.url}/`, { headers: { 'x-tenant-id': tenantId(3) } })).statusCode).toBe(400);
    } finally {
      await stop(tokenOnly);
      await temp.cleanup();
    }
  });
});

describe('operations', () => {
  it('serves readyz and metrics on the admin port only; the public port keeps a bare liveness answer', async () => {
    for (const path of ['readyz', 'metrics'])
      expect((await get(`/.well-known/stampyard/${path}`, { 'x-tenant-id': tenantId(0) })).status).toBe(404);
    const live = await get('/.well-known/stampyard/healthz');
    expect([live.status, live.body]).toEqual([200, { live: true }]);
    const readyRes = await request(`${gateway.adminUrl}/readyz`);
    const ready = { status: readyRes.statusCode, body: (await readyRes.body.json()) as Record<string, unknown> };
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, tenants: TENANTS + 4 });
    const text = await metrics();
    expect(metricValue(text, 'stampyard_gateway_table_tenants')).toBe(TENANTS + 4);
    expect(metricValue(text, 'stampyard_gateway_table_revision', `revision="${String(ready.body['revision'])}"`)).toBe(1);
    expect(metricValue(text, 'stampyard_gateway_requests_total', 'stamp="stamp-00",status="200"')).toBeGreaterThan(0);
    // A tenant's own /healthz is proxied to its stamp.
    const tenantHealth = await get('/healthz', { 'x-tenant-id': tenantId(0) });
    expect([tenantHealth.status, tenantHealth.headers['x-stampyard-stamp']]).toEqual([200, 'stamp-00']);
  });
});
