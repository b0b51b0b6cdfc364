// End to end, as an attacker would try it: anonymous clients on loopback against the gateway
// (its bin, a real process) in front of a stamp-app and a misbehaving stamp served from this
// test. Each case is one of the attacks of issue #12; each must leave the other tenants served.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOMAIN,
  buildTable,
  metricValue,
  startGateway,
  startStampApp,
  stop,
  tempDir,
  type Running,
  type RunningGateway,
} from './harness.ts';

const PER_STAMP = 16; // so each tenant's and each client's share is 4
const BODY_TIMEOUT_MS = 3000;
const WRITE_TIMEOUT_MS = 800;
const HEADERS_TIMEOUT_MS = 400;
/** Clients connecting from this address are a trusted proxy: their X-Forwarded-For names the client. */
const PROXY_ADDRESS = '127.0.0.2';

let gateway: RunningGateway;
let stampApp: Running;
let odd: Server;
let cleanup: () => Promise<void>;

const host = (tenant: string): string => `${tenant}.${DOMAIN}`;

/** The misbehaving stamp: a huge body, a reset, and answers no proxy may pass on. */
function oddStamp(): Server {
  return createServer((req, res) => {
    const raw = (bytes: Buffer): void => {
      req.socket.write(bytes);
      req.socket.end();
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/big') {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let left = 50 * 1024 * 1024;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
      const pump = (): void => {
        while (left > 0) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (path === '/reset') return void req.socket.destroy();
    if (path === '/anomaly/e9')
      return raw(
        Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nx-bad: caf'), Buffer.from([0xe9]), Buffer.from('\r\ncontent-length: 2\r\n\r\nok')]),
      );
    if (path === '/anomaly/204-body') return raw(Buffer.from('HTTP/1.1 204 No Content\r\ncontent-length: 5\r\n\r\nhello'));
    if (path === '/anomaly/100') return raw(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ stamp: 'stamp-odd', tenant: req.headers['x-stampyard-tenant'] }));
  });
}

async function get(
  tenant: string,
  path = '/',
  options: { from?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const headers = { host: host(tenant), ...(options.from ? { 'x-forwarded-for': options.from } : {}), ...options.headers };
  const res = await request(`${gateway.url}${path}`, { headers, ...(options.from ? { dispatcher: proxyAgent } : {}) });
  const text = await res.body.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.statusCode, body, headers: res.headers };
}

/** Sends bytes on a fresh socket from `localAddress` and collects what comes back until the gateway closes it. */
async function raw(text: string, localAddress = '127.0.0.1'): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port: gateway.port, localAddress });
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  socket.write(text);
  const timer = setTimeout(() => socket.destroy(), 5000);
  await once(socket, 'close');
  clearTimeout(timer);
  return answer;
}

async function metrics(): Promise<string> {
  return (await request(`${gateway.adminUrl}/metrics`)).body.text();
}

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const inFlight = async (stamp: string): Promise<number> =>
  metricValue(await metrics(), 'stampyard_gateway_in_flight_requests', `stamp="${stamp}"`);

let proxyAgent: import('undici').Agent;

beforeAll(async () => {
  const { Agent } = await import('undici');
  proxyAgent = new Agent({ localAddress: PROXY_ADDRESS });
  const temp = await tempDir('gw-attacks');
  cleanup = temp.cleanup;
  stampApp = await startStampApp('stamp-shared');
  odd = oddStamp();
  odd.listen(0, '127.0.0.1');
  await once(odd, 'listening');
  const oddPort = (odd.address() as { port: number }).port;
  const shared = ['attacker', 'victim', 'slowpoke', 'named-1', 'named-2', 'named-3', 'named-4', 'named-5'];
  const oddTenants = ['reader', 'resetter', 'odd-victim', 'anomalous'];
  const table = buildTable({
    stamps: [],
    tenants: 0,
    extraStamps: { 'stamp-shared': {}, 'stamp-odd': {} },
    extraTenants: Object.fromEntries([
      ...shared.map((t) => [t, { stamp: 'stamp-shared', status: 'active' }]),
      ...oddTenants.map((t) => [t, { stamp: 'stamp-odd', status: 'active' }]),
    ]),
  });
  await writeFile(join(temp.dir, 'table.json'), JSON.stringify(table));
  await writeFile(
    join(temp.dir, 'upstreams.json'),
    JSON.stringify({ 'stamp-shared': stampApp.url, 'stamp-odd': `http://127.0.0.1:${oddPort}` }),
  );
  gateway = await startGateway(temp.dir, [
    '--table',
    join(temp.dir, 'table.json'),
    '--upstreams',
    join(temp.dir, 'upstreams.json'),
    '--max-concurrent-per-stamp',
    String(PER_STAMP),
    '--request-body-timeout-ms',
    String(BODY_TIMEOUT_MS),
    '--request-timeout-ms',
    '5000',
    '--client-write-timeout-ms',
    String(WRITE_TIMEOUT_MS),
    '--headers-timeout-ms',
    String(HEADERS_TIMEOUT_MS),
    '--tenant-backoff-failures',
    '2',
    '--tenant-backoff-ms',
    '60000',
    '--trust-proxy',
    `${PROXY_ADDRESS}/32`,
  ]);
}, 120_000);

afterAll(async () => {
  await stop(gateway);
  await stop(stampApp);
  odd?.closeAllConnections();
  odd?.close();
  await proxyAgent?.close();
  await cleanup?.();
});

describe('slow request bodies', () => {
  it('one client holding slow bodies fills only its share; another tenant of the stamp is served; each slot comes back with a 408', async () => {
    const sockets: Socket[] = [];
    const answers: Promise<string>[] = [];
    const received: string[] = [];
    for (let i = 0; i < PER_STAMP; i++) {
      const socket = connect({ host: '127.0.0.1', port: gateway.port });
      let answer = '';
      received.push('');
      socket.on('data', (d: Buffer) => {
        answer += d.toString();
        received[i] = answer;
      });
      socket.on('error', () => undefined);
      answers.push(once(socket, 'close').then(() => answer));
      socket.write(
        `POST /upload HTTP/1.1\r\nHost: ${host(i % 2 === 0 ? 'attacker' : `named-${(i % 5) + 1}`)}\r\nContent-Length: 100000\r\n\r\nx`,
      );
      sockets.push(socket);
    }
    await until(async () => (await inFlight('stamp-shared')) > 0, 'the slow bodies to be in flight');
    const victim = await get('victim', '/orders', { from: '198.51.100.7' });
    expect([victim.status, victim.body['tenant'], victim.body['error']]).toEqual([200, 'victim', undefined]);
    // Served while the attacker still held its slots: none of them had its 408 yet.
    expect(received.filter((a) => a.startsWith('HTTP/1.1 408'))).toEqual([]);

    const all = await Promise.all(answers);
    const timedOut = all.filter((a) => a.startsWith('HTTP/1.1 408'));
    const refused = all.filter((a) => a.startsWith('HTTP/1.1 503'));
    // The client's cap (4) admitted four; every other socket was refused at once.
    expect(timedOut.length).toBe(4);
    expect(refused.length).toBe(PER_STAMP - 4);
    expect(refused.every((a) => a.includes('"error":"client-busy"'))).toBe(true);
    expect(await inFlight('stamp-shared')).toBe(0);
    const text = await metrics();
    expect(metricValue(text, 'stampyard_gateway_client_timeouts_total', 'limit="request-body"')).toBe(4);
    expect(
      metricValue(text, 'stampyard_gateway_refusals_total', 'reason="client-busy",stamp="stamp-shared",tenant="attacker"'),
    ).toBeGreaterThan(0);
    expect(gateway.output.join('')).toContain('"limit":"request-body"');
  });

  it("one tenant's slow bodies from many clients fill only the tenant's share", async () => {
    const sockets = Array.from({ length: 8 }, (_, i) => {
      const socket = connect({ host: '127.0.0.1', port: gateway.port, localAddress: PROXY_ADDRESS });
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('error', () => undefined);
      socket.write(
        `POST /upload HTTP/1.1\r\nHost: ${host('attacker')}\r\nX-Forwarded-For: 203.0.113.${i}\r\nContent-Length: 100000\r\n\r\nx`,
      );
      return once(socket, 'close').then(() => answer);
    });
    const all = await Promise.all(sockets);
    expect(all.filter((a) => a.includes('"error":"tenant-busy"')).length).toBe(4);
    expect(all.filter((a) => a.startsWith('HTTP/1.1 408')).length).toBe(4);
  });
});

describe('slow readers', () => {
  it('a client that stops reading a 50 MB answer is cut off and its slot freed', async () => {
    const socket = connect({ host: '127.0.0.1', port: gateway.port });
    socket.on('error', () => undefined);
    socket.write(`GET /big HTTP/1.1\r\nHost: ${host('reader')}\r\n\r\n`);
    socket.pause(); // never read
    await until(
      async () => metricValue(await metrics(), 'stampyard_gateway_client_timeouts_total', 'limit="client-write"') === 1,
      'the client-write limit',
      15_000,
    );
    expect(await inFlight('stamp-odd')).toBe(0);
    // Reading now drains what the kernel buffered, then meets the end the gateway gave the connection.
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    const closed = once(socket, 'close');
    socket.resume();
    await closed;
    expect(received).toBeLessThan(50 * 1024 * 1024);
    expect(gateway.output.join('')).toContain('"limit":"client-write"');
  });
});

describe("one tenant's failures stay that tenant's", () => {
  it("a hanging path backs its tenant off (503 + Retry-After) and leaves the stamp's breaker closed", async () => {
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 10; i++) {
      const answer = await get('slowpoke', '/slow?delay_ms=5000');
      statuses.push(answer.status);
      if (answer.status === 503) retryAfter = answer.headers['retry-after'];
    }
    expect(statuses.slice(0, 2)).toEqual([504, 504]);
    expect(statuses.slice(2).every((s) => s === 503)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const text = await metrics();
    expect(metricValue(text, 'stampyard_gateway_breaker_state', 'stamp="stamp-shared"')).toBe(0);
    expect(metricValue(text, 'stampyard_gateway_refusals_total', 'reason="tenant-backoff",stamp="stamp-shared",tenant="slowpoke"')).toBe(8);
    expect(metricValue(text, 'stampyard_gateway_tenant_backoffs_total', 'stamp="stamp-shared"')).toBe(1);
    expect((await get('victim', '/', { from: '198.51.100.8' })).status).toBe(200);
  });

  it("a path where the stamp resets the connection does not open the breaker for the stamp's other tenants", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get('resetter', '/reset')).status);
    expect(statuses.slice(0, 2)).toEqual([502, 502]);
    expect(metricValue(await metrics(), 'stampyard_gateway_breaker_state', 'stamp="stamp-odd"')).toBe(0);
    expect((await get('odd-victim', '/')).status).toBe(200);
  });
});

describe('strict HTTP', () => {
  it.each([
    { name: 'two Host headers', head: `GET / HTTP/1.1\r\nHost: ${host('victim')}\r\nHost: ${host('attacker')}\r\n\r\n`, status: 400 },
    { name: 'an HTTP/1.1 request without Host', head: 'GET / HTTP/1.1\r\nX-Tenant-Id: victim\r\n\r\n', status: 400 },
    { name: 'a Host port that is not a number', head: `GET / HTTP/1.1\r\nHost: ${host('victim')}:abc\r\n\r\n`, status: 400 },
    { name: 'a Host port past 65535', head: `GET / HTTP/1.1\r\nHost: ${host('victim')}:70000\r\n\r\n`, status: 400 },
    {
      name: 'headers past the limit (101)',
      head: `GET / HTTP/1.1\r\nHost: ${host('victim')}\r\n${Array.from({ length: 100 }, (_, i) => `x-h${i}: v\r\n`).join('')}\r\n`,
      status: 431,
    },
  ])('$name → $status, and the connection closes', async ({ head, status }) => {
    const answer = await raw(head);
    expect(answer.startsWith(`HTTP/1.1 ${status}`)).toBe(true);
    expect(answer).not.toContain('x-stampyard-stamp');
  });

  it('exactly 100 headers are fine', async () => {
    const answer = await raw(
      `GET / HTTP/1.1\r\nHost: ${host('victim')}\r\nConnection: close\r\n${Array.from({ length: 98 }, (_, i) => `x-h${i}: v\r\n`).join('')}\r\n`,
    );
    expect(answer.startsWith('HTTP/1.1 200')).toBe(true);
  });

  it('strips forged Forwarded, X-Real-IP and x-stampyard-* (either spelling); X-Forwarded-For is replaced for an untrusted peer', async () => {
    const answer = await raw(
      `GET /?echo_headers=1 HTTP/1.1\r\nHost: ${host('victim')}\r\nConnection: close\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nx_stampyard_tenant: attacker\r\nx-stampyard-stamp: stamp-odd\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n`,
    );
    const seen = (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> }).headers;
    expect(seen['x_stampyard_tenant']).toBeUndefined();
    expect(seen['x-stampyard-stamp']).toBeUndefined();
    expect(seen['x-stampyard-tenant']).toBe('victim');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-real-ip']).toBe('127.0.0.1');
    expect(seen['forwarded']).toBe(`for=127.0.0.1;proto=http;host="${host('victim')}"`);
  });

  it("a trusted proxy's X-Forwarded-For is extended, and names the client", async () => {
    const answer = await raw(
      `GET /?echo_headers=1 HTTP/1.1\r\nHost: ${host('victim')}\r\nConnection: close\r\nX-Forwarded-For: 198.51.100.9\r\n\r\n`,
      PROXY_ADDRESS,
    );
    const seen = (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> }).headers;
    expect(seen['x-forwarded-for']).toBe(`198.51.100.9, ${PROXY_ADDRESS}`);
    expect(seen['x-real-ip']).toBe('198.51.100.9');
  });
});

describe('a quiet public port', () => {
  it('answers liveness only; metrics and readiness details live on the admin port', async () => {
    for (const path of ['metrics', 'readyz']) expect((await request(`${gateway.url}/.well-known/stampyard/${path}`)).statusCode).toBe(404);
    const live = await request(`${gateway.url}/.well-known/stampyard/healthz`);
    expect(await live.body.json()).toEqual({ live: true });
    expect((await request(`${gateway.adminUrl}/metrics`)).statusCode).toBe(200);
  });
});

describe('upstream anomalies', () => {
  it.each([
    { path: '/anomaly/e9', kind: 'invalid-header' },
    { path: '/anomaly/204-body', kind: 'content-length-mismatch' },
    { path: '/anomaly/100', kind: 'unsolicited-100-continue' },
  ])('$path → 502, logged and counted as $kind, never a breaker failure', async ({ path, kind }) => {
    const answer = await get('anomalous', path);
    expect([answer.status, answer.body['error']]).toEqual([502, 'stamp-bad-response']);
    const text = await metrics();
    expect(metricValue(text, 'stampyard_gateway_upstream_anomalies_total', `kind="${kind}",stamp="stamp-odd"`)).toBe(1);
    expect(metricValue(text, 'stampyard_gateway_breaker_state', 'stamp="stamp-odd"')).toBe(0);
    await until(async () => gateway.output.join('').includes(`"anomaly":"${kind}"`), 'the log line');
    expect((await get('odd-victim', '/')).status).toBe(200);
  });
});
