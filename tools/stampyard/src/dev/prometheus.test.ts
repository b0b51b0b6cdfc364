import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@stampyard/rollout/testing';
import { adminPortFromStartupLine } from './apps.ts';
import { isListening } from './http.ts';
import { startLocalPrometheus } from './prometheus.ts';
import { LocalStamps } from './stamps.ts';
import { Supervisor, isProcessAlive } from './supervisor.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('adminPortFromStartupLine', () => {
  it.each([
    { line: '{"msg":"listening","port":40123,"adminPort":40124,"adminUrl":"http://127.0.0.1:40124"}', port: 40124 },
    { line: '{"msg":"listening","port":40123}', port: undefined },
    { line: 'listening on 127.0.0.1:40124', port: undefined },
  ])('$line → $port', ({ line, port }) => expect(adminPortFromStartupLine(line)).toBe(port));
});

describe('the local Prometheus', () => {
  it('scrapes every stamp-app on its admin port, which a restart keeps, and leaves nothing running', async () => {
    const supervisor = new Supervisor();
    const dir = await mkdtemp(join(tmpdir(), 'stampyard-dev-prometheus-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    cleanups.push(() => supervisor.stopAll());
    const stamps = new LocalStamps(supervisor);
    await stamps.reconcile(
      new Map([
        ['stamp-a', { version: '1.4.0' }],
        ['stamp-b', { version: '1.4.0' }],
      ]),
    );
    const targets = stamps.metricsTargets();
    expect(targets.map((t) => t.stamp)).toEqual(['stamp-a', 'stamp-b']);

    const prometheus = await startLocalPrometheus(supervisor, dir, targets);
    const up = async () => {
      const body = (await (
        await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('up{job="stamp-app"} == 1')}`)
      ).json()) as {
        data: { result: { metric: { stamp: string } }[] };
      };
      return body.data.result.map((r) => r.metric.stamp).sort();
    };
    expect(await eventually('both stamps scraped', async () => ((await up()).length === 2 ? await up() : undefined))).toEqual([
      'stamp-a',
      'stamp-b',
    ]);

    // A restart at another error rate keeps the admin port, so the scrape target stays valid.
    expect(
      await stamps.reconcile(
        new Map([
          ['stamp-a', { version: '1.5.0', errorPercent: 50 }],
          ['stamp-b', { version: '1.4.0' }],
        ]),
      ),
    ).toEqual(['stamp-a']);
    expect(stamps.metricsTargets()).toEqual(targets);

    await supervisor.stopAll();
    expect(supervisor.startedPids.filter(isProcessAlive)).toEqual([]);
    const ports = [...stamps.allPorts(), Number(new URL(prometheus.url).port)];
    expect(await Promise.all(ports.map(isListening))).toEqual(ports.map(() => false));
  }, 90_000);
});
