import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorInjector, parseErrorPercent } from './metrics.ts';

const BIN = fileURLToPath(new URL('../bin/stampyard-stamp-app.mjs', import.meta.url));

describe('ErrorInjector', () => {
  it('after n requests exactly floor(n × percent / 100) have failed, for any percentage and n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 500 }), (percent, n) => {
        const injector = new ErrorInjector(percent);
        let failed = 0;
        for (let i = 0; i < n; i++) if (injector.next()) failed++;
        expect(failed).toBe(Math.floor((n * percent) / 100));
      }),
    );
  });

  it('starts counting again when the percentage changes', () => {
    const injector = new ErrorInjector(0);
    for (let i = 0; i < 10; i++) injector.next();
    injector.percent = 50;
    expect([injector.next(), injector.next(), injector.next(), injector.next()]).toEqual([false, true, false, true]);
  });

  it.each([-1, 101, 0.5, Number.NaN])('refuses the percentage %s', (percent) => {
    expect(() => new ErrorInjector(percent)).toThrow(/whole number from 0 to 100/);
  });
});

describe('parseErrorPercent', () => {
  it.each([
    { text: '0', expected: 0 },
    { text: '25\n', expected: 25 },
    { text: '100', expected: 100 },
  ])('reads $text', ({ text, expected }) => expect(parseErrorPercent(text)).toBe(expected));

  it.each(['', '-1', '101', '0.5', 'half', '1e1', '0x1'])('refuses %j naming the value', (text) => {
    expect(parseErrorPercent(text)).toBe(`error percent must be a whole number from 0 to 100, such as 5, received ${JSON.stringify(text)}`);
  });
});

/** Starts the real app; resolves with its startup line and a stop function. */
async function startApp(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const started = JSON.parse(line) as { url: string; adminUrl?: string; adminPort?: number; port: number };
  return {
    started,
    async stop(): Promise<number> {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      return code;
    },
  };
}

/** The value of one series in the Prometheus text format, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics on the admin port (real process)', () => {
  it('counts requests and errors per tenant, times them, serves them only on the admin port, and takes a new error percentage at run time', async () => {
    const app = await startApp(['--stamp', 'stamp-m', '--version', '1.5.0', '--port', '0', '--admin-port', '0', '--error-percent', '50']);
    try {
      expect(app.started.adminPort).toBeGreaterThan(0);
      expect(app.started.adminPort).not.toBe(app.started.port);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await fetch(`${app.started.url}/orders`, { headers: { 'x-stampyard-tenant': 'acme' } })).status);
      statuses.push((await fetch(`${app.started.url}/orders`)).status);
      expect((await fetch(`${app.started.url}/healthz`)).status).toBe(200);
      expect(statuses).toEqual([200, 500, 200, 500, 200]);

      const metrics = await (await fetch(`${app.started.adminUrl!}/metrics`)).text();
      const acme = 'stamp="stamp-m",version="1.5.0",tenant="acme"';
      expect(sample(metrics, `http_requests_total{${acme},code="200"}`)).toBe(2);
      expect(sample(metrics, `http_requests_total{${acme},code="500"}`)).toBe(2);
      expect(sample(metrics, `http_errors_total{${acme}}`)).toBe(2);
      expect(sample(metrics, 'http_requests_total{stamp="stamp-m",version="1.5.0",tenant="none",code="200"}')).toBe(1);
      expect(sample(metrics, 'http_requests_total{stamp="stamp-m",version="1.5.0",tenant="none",code="500"}')).toBeUndefined();
      // A tenant without errors has an error series at 0, so an error-rate query has a number to divide.
      expect(sample(metrics, 'http_errors_total{stamp="stamp-m",version="1.5.0",tenant="none"}')).toBe(0);
      expect(sample(metrics, `http_request_duration_seconds_count{${acme}}`)).toBe(4);
      expect(sample(metrics, `http_request_duration_seconds_bucket{le="+Inf",${acme}}`)).toBe(4);
      expect(sample(metrics, 'stamp_app_error_percent{stamp="stamp-m",version="1.5.0"}')).toBe(50);
      expect(metrics).not.toMatch(/healthz/);

      const set = await fetch(`${app.started.adminUrl!}/error-percent`, { method: 'PUT', body: '0' });
      expect(await set.json()).toEqual({ errorPercent: 0 });
      const refused = await fetch(`${app.started.adminUrl!}/error-percent`, { method: 'PUT', body: '200' });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error: 'error percent must be a whole number from 0 to 100, such as 5, received "200"' });
      expect(await (await fetch(`${app.started.adminUrl!}/error-percent`)).json()).toEqual({ errorPercent: 0 });
      for (let i = 0; i < 3; i++) expect((await fetch(`${app.started.url}/x`)).status).toBe(200);
      // The traffic port has no metrics: the gateway routes there, and tenants must not read them.
      expect(await (await fetch(`${app.started.url}/metrics`)).json()).toMatchObject({ path: '/metrics', stamp: 'stamp-m' });
      expect((await fetch(`${app.started.adminUrl!}/nope`)).status).toBe(404);
    } finally {
      expect(await app.stop()).toBe(0);
    }
  });

  it('has no admin listener unless asked for one', async () => {
    const app = await startApp(['--stamp', 'stamp-n', '--port', '0']);
    expect(app.started.adminPort).toBeUndefined();
    expect(await app.stop()).toBe(0);
  });
});
