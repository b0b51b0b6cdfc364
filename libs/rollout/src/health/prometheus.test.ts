import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Analysis } from '@stampyard/stamp-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aRolloutFleet, eventually, startPrometheus, type TestPrometheus } from '../testing/index.ts';
import {
  analysisQuery,
  analysisStampHealth,
  judgeAnalysis,
  prometheusHealth,
  prometheusQuery,
  prometheusScrapeConfig,
  type PrometheusQueryResponse,
} from './prometheus.ts';

const errorRate: Analysis = {
  name: 'error-rate',
  query: 'sum(rate(http_errors_total{stamp="$stamp"}[$window])) / sum(rate(http_requests_total{stamp="$stamp"}[$window]))',
  max: 0.1,
  window: '15s',
};
const vector = (...values: string[]): PrometheusQueryResponse => ({
  status: 'success',
  data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1733240000, v] })) },
});

describe('analysisQuery', () => {
  it('substitutes $stamp and $window everywhere', () => {
    expect(analysisQuery(errorRate, 'stamp-eu-1')).toBe(
      'sum(rate(http_errors_total{stamp="stamp-eu-1"}[15s])) / sum(rate(http_requests_total{stamp="stamp-eu-1"}[15s]))',
    );
  });
});

describe('judgeAnalysis', () => {
  const throughput: Analysis = {
    name: 'throughput',
    query: 'sum(rate(http_requests_total{stamp="$stamp"}[$window]))',
    min: 1,
    max: 100,
    window: '1m',
  };
  const cases: { name: string; analysis: Analysis; response: PrometheusQueryResponse; outcome: string; value?: number; message: string }[] =
    [
      {
        name: 'a value within max',
        analysis: errorRate,
        response: vector('0.02'),
        outcome: 'pass',
        value: 0.02,
        message: 'analysis error-rate on s1: 0.02 is within max 0.1',
      },
      {
        name: 'a value equal to max',
        analysis: errorRate,
        response: vector('0.1'),
        outcome: 'pass',
        value: 0.1,
        message: 'analysis error-rate on s1: 0.1 is within max 0.1',
      },
      {
        name: 'a value above max',
        analysis: errorRate,
        response: vector('0.5'),
        outcome: 'fail',
        value: 0.5,
        message: 'analysis error-rate on s1: 0.5 is above the max 0.1',
      },
      {
        name: '+Inf above max',
        analysis: errorRate,
        response: vector('+Inf'),
        outcome: 'fail',
        value: Number.POSITIVE_INFINITY,
        message: 'Infinity is above the max 0.1',
      },
      {
        name: 'a value below min',
        analysis: throughput,
        response: vector('0.5'),
        outcome: 'fail',
        value: 0.5,
        message: 'analysis throughput on s1: 0.5 is below the min 1',
      },
      {
        name: 'a value within min and max',
        analysis: throughput,
        response: vector('7'),
        outcome: 'pass',
        value: 7,
        message: '7 is within min 1, max 100',
      },
      {
        name: 'a scalar',
        analysis: errorRate,
        response: { status: 'success', data: { resultType: 'scalar', result: [1, '0.01'] } },
        outcome: 'pass',
        value: 0.01,
        message: '0.01 is within max 0.1',
      },
      {
        name: 'no series',
        analysis: errorRate,
        response: vector(),
        outcome: 'no-data',
        message: 'analysis error-rate on s1: no data (the query returned no series',
      },
      {
        name: 'NaN (no traffic: 0/0)',
        analysis: errorRate,
        response: vector('NaN'),
        outcome: 'no-data',
        message: 'no data (the value is NaN, e.g. no requests in the last 15s)',
      },
      {
        name: 'several series',
        analysis: errorRate,
        response: vector('0', '1'),
        outcome: 'error',
        message: 'returned 2 series, expected one number; aggregate it',
      },
      {
        name: 'a range vector',
        analysis: errorRate,
        response: { status: 'success', data: { resultType: 'matrix', result: [] } },
        outcome: 'error',
        message: 'returned a matrix result',
      },
      {
        name: 'a refused query',
        analysis: errorRate,
        response: { status: 'error', errorType: 'bad_data', error: 'parse error' },
        outcome: 'error',
        message: 'Prometheus refused the query (bad_data: parse error); fix the query',
      },
      {
        name: 'an unreadable value',
        analysis: errorRate,
        response: { status: 'success', data: { resultType: 'vector', result: [{}] } },
        outcome: 'error',
        message: 'without a readable value',
      },
    ];
  it.each(cases)('$name → $outcome', ({ analysis, response, outcome, value, message }) => {
    const result = judgeAnalysis(analysis, 's1', response);
    expect(result.outcome).toBe(outcome);
    expect(result.value).toBe(value);
    expect(result.message).toContain(message);
    expect(result).toMatchObject({ analysis: analysis.name, stamp: 's1', query: analysisQuery(analysis, 's1') });
  });
});

describe('analysisStampHealth', () => {
  const pass = judgeAnalysis(errorRate, 's1', vector('0'));
  const fail = judgeAnalysis(errorRate, 's1', vector('0.9'));
  const none = judgeAnalysis(errorRate, 's1', vector());
  it.each([
    { name: 'every analysis passes', results: [pass, pass], expected: { health: { ready: true } } },
    { name: 'one fails, another has no data: failed', results: [none, fail], expected: { health: { ready: false, detail: fail.message } } },
    { name: 'one has no data: unknown, never healthy', results: [pass, none], expected: { unknown: none.message } },
    { name: 'no analyses: unknown', results: [], expected: { unknown: expect.stringContaining('rollout.analysis') } },
  ])('$name', ({ results, expected }) => expect(analysisStampHealth(results)).toMatchObject(expected));
});

describe('prometheusScrapeConfig', () => {
  it('scrapes each stamp, labelled with its name, sorted, keeping the app’s labels', () => {
    expect(
      prometheusScrapeConfig(
        [
          { stamp: 'b', address: '127.0.0.1:2' },
          { stamp: 'a', address: '127.0.0.1:1' },
        ],
        '1s',
      ),
    ).toBe(
      [
        '# Generated by stampyard: Prometheus scraping every stamp for rollout analyses.',
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: stamp-app',
        '    honor_labels: true',
        '    metrics_path: /metrics',
        '    static_configs:',
        '      - targets: ["127.0.0.1:1"]',
        '        labels: { stamp: "a" }',
        '      - targets: ["127.0.0.1:2"]',
        '        labels: { stamp: "b" }',
        '',
      ].join('\n'),
    );
  });
});

const STAMP_APP = fileURLToPath(new URL('../../../../apps/stamp-app/bin/stampyard-stamp-app.mjs', import.meta.url));

interface RunningApp {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminPort: number;
}

async function startStampApp(stamp: string, errorPercent: number): Promise<RunningApp> {
  const child = spawn(
    process.execPath,
    [STAMP_APP, '--stamp', stamp, '--version', '1.5.0', '--port', '0', '--admin-port', '0', '--error-percent', String(errorPercent)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const started = JSON.parse(line) as { url: string; adminPort: number };
  return { child, url: started.url, adminPort: started.adminPort };
}

describe('prometheus health against a real Prometheus scraping real stamp-apps', () => {
  // stamp-eu-1 serves well, stamp-eu-2 fails half its requests, stamp-eu-3 has no traffic,
  // and nothing scrapes stamp-eu-4.
  const fleet = aRolloutFleet(4, { waves: 1 });
  const [good, bad, idle, unscraped] = fleet.stamps.map((s) => s.metadata.name) as [string, string, string, string];
  const apps: RunningApp[] = [];
  let prometheus: TestPrometheus | undefined;
  let traffic: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    apps.push(...(await Promise.all([startStampApp(good, 0), startStampApp(bad, 50), startStampApp(idle, 0)])));
    const send = () =>
      void Promise.all(
        apps.slice(0, 2).map((a) => fetch(`${a.url}/orders`, { headers: { 'x-stampyard-tenant': 'acme' } }).then((r) => r.arrayBuffer())),
      ).catch(() => undefined);
    traffic = setInterval(send, 50);
    prometheus = await startPrometheus([good, bad, idle].map((stamp, i) => ({ stamp, address: `127.0.0.1:${apps[i]!.adminPort}` })));
  });

  afterAll(async () => {
    clearInterval(traffic);
    await prometheus?.stop();
    await Promise.all(apps.map(async (a) => (a.child.kill('SIGTERM'), await once(a.child, 'exit'))));
  });

  it('passes a stamp within bounds, fails one above them, and leaves no traffic and no series unknown, naming analysis, stamp, value and bound', async () => {
    const analyses = [errorRate];
    const query = prometheusQuery(prometheus!.url);
    // Scrapes land once a second; wait (without a fixed sleep) until both served stamps have data.
    const report = await eventually(
      'error-rate data for the stamps with traffic',
      async () => {
        const r = await prometheusHealth({ analyses, stamps: fleet.stamps, query });
        return r.stamps[good] && r.stamps[bad] ? r : undefined;
      },
      90_000,
    );
    expect(report.source).toBe('prometheus');
    expect(report.stamps[good]).toMatchObject({
      ready: true,
      detail: expect.stringMatching(new RegExp(`^analysis error-rate on ${good}: 0 is within max 0\\.1$`)),
    });
    expect(report.stamps[bad]).toMatchObject({
      ready: false,
      detail: expect.stringMatching(new RegExp(`^analysis error-rate on ${bad}: 0\\.[45]\\d* is above the max 0\\.1$`)),
    });
    const value = report.analyses.find((r) => r.stamp === bad)!.value!;
    expect(value).toBeGreaterThan(0.4);
    expect(value).toBeLessThan(0.6);
    // A stamp that never had a request has no series yet (and one with no requests in the window gives NaN): no data either way.
    expect(report.unknown?.[idle]).toMatch(new RegExp(`analysis error-rate on ${idle}: no data \\(`));
    expect(report.unknown?.[unscraped]).toMatch(new RegExp(`analysis error-rate on ${unscraped}: no data \\(the query returned no series`));
    expect(Object.keys(report.stamps)).toEqual([good, bad].sort());
  }, 120_000);

  it('reports a query Prometheus refuses, and an unreachable Prometheus, as unknown', async () => {
    const broken: Analysis = { ...errorRate, name: 'broken', query: 'sum(rate(http_errors_total{stamp="$stamp"}[$window]' };
    const refused = await prometheusHealth({
      analyses: [broken],
      stamps: fleet.stamps.slice(0, 1),
      query: prometheusQuery(prometheus!.url),
    });
    expect(refused.stamps).toEqual({});
    expect(refused.unknown?.[good]).toMatch(
      /analysis broken on .*: Prometheus refused the query \(bad_data: .*\); fix the query in fleet.yaml rollout.analysis/,
    );

    const gone = await prometheusHealth({
      analyses: [errorRate],
      stamps: fleet.stamps.slice(0, 1),
      query: prometheusQuery('http://127.0.0.1:9', 2000),
    });
    expect(gone.unknown?.[good]).toMatch(/Prometheus refused the query \(unreachable: http:\/\/127\.0\.0\.1:9\/api\/v1\/query: /);
  });
});
