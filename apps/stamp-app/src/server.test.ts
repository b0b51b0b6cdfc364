import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requestedDelayMs } from './server.ts';

const BIN = fileURLToPath(new URL('../bin/stampyard-stamp-app.mjs', import.meta.url));

describe('requestedDelayMs', () => {
  it.each([
    { url: '/', expected: 0 },
    { url: '/x?delay_ms=250', expected: 250 },
    { url: '/x?a=1&delay_ms=7', expected: 7 },
    { url: '/x?delay_ms=999999999', expected: 60_000 },
  ])('$url → $expected', ({ url, expected }) => expect(requestedDelayMs(url)).toBe(expected));
});

describe('stampyard-stamp-app (real process)', () => {
  it('prints its port, answers with stamp, tenant and path, reports health, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, '--stamp', 'stamp-t', '--version', '1.2.3', '--port', '0', '--unhealthy'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const started = JSON.parse(line) as { msg: string; port: number; url: string };
    expect(started.msg).toBe('listening');
    expect(started.port).toBeGreaterThan(0);

    const answer = await fetch(`${started.url}/orders/1?q=1`, { method: 'POST', body: 'hello', headers: { 'x-stampyard-tenant': 'acme' } });
    expect(await answer.json()).toEqual({
      stamp: 'stamp-t',
      version: '1.2.3',
      tenant: 'acme',
      method: 'POST',
      path: '/orders/1',
      bodyBytes: 5,
    });
    const health = await fetch(`${started.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ version: '1.2.3', ready: false });

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
