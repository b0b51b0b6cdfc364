import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createUsageCounters, RETAINED_PERIODS } from './usage.ts';

const BIN = fileURLToPath(new URL('../bin/stampyard-stamp-app.mjs', import.meta.url));
const T0 = Date.parse('2026-12-03T10:00:00Z');
const HOUR = 3_600_000;

describe('createUsageCounters', () => {
  it('counts per tenant and period, and closes a period once time passes its end', () => {
    const counters = createUsageCounters({ stamp: 's', version: '1.4.0', periodSeconds: 3600, startedAt: T0 + 5_000 });
    counters.record('acme', 200, 10, 100, T0 + 10_000);
    counters.record('acme', 500, 30, 0, T0 + 20_000);
    counters.record('beta', 200, 5, 7, T0 + HOUR + 1);
    const snapshot = counters.snapshot(T0 + HOUR + 2, false);
    expect(snapshot.periods).toEqual([
      {
        // The first period starts when the process started, not at the hour.
        start: '2026-12-03T10:00:05.000Z',
        end: '2026-12-03T11:00:00.000Z',
        closed: true,
        tenants: [{ tenant: 'acme', requests: 2, errors: 1, latencySumMs: 40, latencyCount: 2, storageBytes: 100 }],
      },
    ]);
    const withOpen = counters.snapshot(T0 + HOUR + 60_000, true);
    expect(withOpen.periods[1]).toEqual({
      start: '2026-12-03T11:00:00.000Z',
      end: '2026-12-03T11:01:00.000Z',
      closed: false,
      // Storage is a level: acme still stores its 100 bytes in a period it made no request in.
      tenants: [
        { tenant: 'acme', requests: 0, errors: 0, latencySumMs: 0, latencyCount: 0, storageBytes: 100 },
        { tenant: 'beta', requests: 1, errors: 0, latencySumMs: 5, latencyCount: 1, storageBytes: 7 },
      ],
    });
  });

  it(`keeps the last ${RETAINED_PERIODS} closed periods and skips periods without requests`, () => {
    const counters = createUsageCounters({ stamp: 's', version: '1', periodSeconds: 1, startedAt: T0 });
    for (let i = 0; i < RETAINED_PERIODS + 5; i++) counters.record('a', 200, 1, 0, T0 + i * 2000);
    const { periods } = counters.snapshot(T0 + 1_000_000, false);
    expect(periods).toHaveLength(RETAINED_PERIODS);
    expect(periods.at(-1)!.start).toBe(new Date(T0 + (RETAINED_PERIODS + 4) * 2000).toISOString());
  });
});

describe('the admin port (real process)', () => {
  it('serves per-tenant usage at GET /usage, counts 5xx answers as errors, and leaves /healthz and tenantless requests out', async () => {
    const child = spawn(process.execPath, [BIN, '--stamp', 'stamp-t', '--version', '1.5.0', '--port', '0', '--admin-port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const started = JSON.parse(line) as { url: string; adminUrl: string };
      for (let i = 0; i < 3; i++)
        await fetch(`${started.url}/x`, { headers: { 'x-stampyard-tenant': 'acme' }, method: 'POST', body: 'abcd' });
      expect((await fetch(`${started.url}/x?fail=1`, { headers: { 'x-stampyard-tenant': 'beta' } })).status).toBe(500);
      await fetch(`${started.url}/healthz`);
      await fetch(`${started.url}/no-tenant`);
      expect((await fetch(`${started.adminUrl}/usage`)).status).toBe(200);
      const snapshot = (await (await fetch(`${started.adminUrl}/usage?include_open=1`)).json()) as {
        stamp: string;
        version: string;
        periods: {
          closed: boolean;
          tenants: { tenant: string; requests: number; errors: number; storageBytes: number; latencyCount: number }[];
        }[];
      };
      expect(snapshot).toMatchObject({ stamp: 'stamp-t', version: '1.5.0', periodSeconds: 3600 });
      const open = snapshot.periods.at(-1)!;
      expect(open.closed).toBe(false);
      expect(
        open.tenants.map(({ tenant, requests, errors, storageBytes, latencyCount }) => ({
          tenant,
          requests,
          errors,
          storageBytes,
          latencyCount,
        })),
      ).toEqual([
        { tenant: 'acme', requests: 3, errors: 0, storageBytes: 12, latencyCount: 3 },
        { tenant: 'beta', requests: 1, errors: 1, storageBytes: 0, latencyCount: 1 },
      ]);
      expect((await fetch(`${started.adminUrl}/other`)).status).toBe(404);
      expect((await fetch(`${started.adminUrl}/usage`, { method: 'POST' })).status).toBe(405);
      // Usage is never served on the tenant port.
      expect(((await (await fetch(`${started.url}/usage`)).json()) as { path: string }).path).toBe('/usage');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
