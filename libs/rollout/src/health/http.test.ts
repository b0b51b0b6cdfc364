import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { aRolloutFleet } from '../testing/index.ts';
import { healthUrl, httpHealth } from './http.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A real HTTP server on 127.0.0.1, on a free port. */
async function serve(handler: (path: string) => { status: number; body: string } | 'hang'): Promise<string> {
  const server = createServer((req, res) => {
    const answer = handler(req.url ?? '/');
    if (answer === 'hang') return;
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('http health', () => {
  it('defaults to https://<stamp host>/healthz', () => {
    const fleet = aRolloutFleet(1);
    expect(healthUrl({ spec: fleet.spec }, fleet.stamps[0]!)).toBe('https://stamp-eu-1.stamps.example.com/healthz');
  });

  it('reads ready and version from each stamp, and treats unreachable, slow and garbled stamps as unknown', async () => {
    const fleet = aRolloutFleet(6, { waves: 1 });
    const names = fleet.stamps.map((s) => s.metadata.name);
    const seen: string[] = [];
    const healthy = await serve((p) => (seen.push(p), { status: 200, body: '{"version":"1.5.0","ready":true}' }));
    const unready = await serve(() => ({ status: 503, body: '{"version":"1.5.0","ready":false}' }));
    const slow = await serve(() => 'hang');
    const garbled = await serve(() => ({ status: 500, body: 'oops' }));
    const closed = await serve(() => ({ status: 200, body: '{}' }));
    await new Promise((r) => servers.pop()!.close(r));
    const report = await httpHealth({
      spec: fleet.spec,
      stamps: fleet.stamps,
      // Generous, so a loaded machine never trips it for the servers that do answer; the hanging one always does.
      timeoutMs: 3000,
      baseUrls: {
        [names[0]!]: healthy,
        [names[1]!]: `${unready}/`,
        [names[2]!]: slow,
        [names[3]!]: garbled,
        [names[4]!]: closed,
        [names[5]!]: 'http://127.0.0.1:9',
      },
    });
    expect(seen).toEqual(['/healthz']);
    expect(report.stamps).toEqual({
      [names[0]!]: { ready: true, version: '1.5.0' },
      [names[1]!]: { ready: false, version: '1.5.0', detail: expect.stringContaining('HTTP 503') },
    });
    expect(report.unknown?.[names[2]!]).toMatch(/timed out/);
    expect(report.unknown?.[names[3]!]).toMatch(/HTTP 500 without/);
    expect(report.unknown?.[names[4]!]).toMatch(/unreachable/);
    expect(report.unknown?.[names[5]!]).toMatch(/unreachable/);
  });
});
