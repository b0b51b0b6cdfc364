// Health from real metrics: the fleet's `rollout.analysis` queries, run against Prometheus for
// every promoted stamp. Each query is an instant query at Prometheus's own current time (no `time`
// parameter), so neither `--now` nor the local fleet's bake scale bends what the metrics say.
//
// A stamp passes only when every analysis returns one number within its bounds. No data (no
// series, or NaN such as 0/0 with no traffic) is unknown, and unknown is never healthy.
import { request } from 'undici';
import type { Analysis, Stamp } from '@stampyard/stamp-spec';
import type { HealthReport, StampHealth } from './report.ts';
import { mapLimit } from '../private/map-limit.ts';

/** How one analysis came out for one stamp. */
export type AnalysisOutcome =
  /** One number, within every bound. */
  | 'pass'
  /** One number, outside a bound: an explicit failure. */
  | 'fail'
  /** No series, or NaN: nothing to judge, so unknown. */
  | 'no-data'
  /** Prometheus could not be asked or refused the query: unknown. */
  | 'error';

/** One analysis for one stamp. */
export interface AnalysisResult {
  readonly analysis: string;
  readonly stamp: string;
  readonly outcome: AnalysisOutcome;
  /** The number the query returned. @default - none (no data or an error) */
  readonly value?: number;
  /** The query as sent, with `$stamp` and `$window` substituted. */
  readonly query: string;
  /** A sentence naming the analysis, the stamp, the value and the bound. */
  readonly message: string;
}

/** The query of `analysis` for `stamp`: `$stamp` and `$window` substituted. Pure. */
export function analysisQuery(analysis: Analysis, stamp: string): string {
  return analysis.query.replaceAll('$window', analysis.window).replaceAll('$stamp', stamp);
}

/** The analysis's bounds in words, e.g. `max 0.05` or `min 1, max 10`. */
export function describeBounds(analysis: Pick<Analysis, 'min' | 'max'>): string {
  return [analysis.min !== undefined ? `min ${analysis.min}` : '', analysis.max !== undefined ? `max ${analysis.max}` : '']
    .filter(Boolean)
    .join(', ');
}

/** The part of Prometheus's `/api/v1/query` answer this reads. */
export interface PrometheusQueryResponse {
  readonly status?: string;
  readonly errorType?: string;
  readonly error?: string;
  readonly data?: {
    readonly resultType?: string;
    readonly result?: unknown;
  };
}

/** Prometheus writes sample values as strings: "0.5", "NaN", "+Inf", "-Inf". */
function sampleValue(pair: unknown): number | undefined {
  if (!Array.isArray(pair) || typeof pair[1] !== 'string') return undefined;
  const text = pair[1];
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  return Number.isNaN(value) ? Number.NaN : value;
}

/** Judges one analysis for one stamp from Prometheus's answer. Pure. */
export function judgeAnalysis(analysis: Analysis, stamp: string, response: PrometheusQueryResponse): AnalysisResult {
  const query = analysisQuery(analysis, stamp);
  const bounds = describeBounds(analysis);
  const base = { analysis: analysis.name, stamp, query };
  const about = `analysis ${analysis.name} on ${stamp}`;
  if (response.status !== 'success') {
    const why = response.error ? `${response.errorType ?? 'error'}: ${response.error}` : 'an answer without status success';
    return {
      ...base,
      outcome: 'error',
      message: `${about}: Prometheus refused the query (${why}); fix the query in fleet.yaml rollout.analysis`,
    };
  }
  const { resultType, result } = response.data ?? {};
  let value: number | undefined;
  if (resultType === 'scalar') {
    value = sampleValue(result);
  } else if (resultType === 'vector' && Array.isArray(result)) {
    if (result.length === 0) {
      return {
        ...base,
        outcome: 'no-data',
        message: `${about}: no data (the query returned no series; is Prometheus scraping ${stamp}, and has it had traffic in the last ${analysis.window}?), so its health is unknown`,
      };
    }
    if (result.length > 1) {
      return {
        ...base,
        outcome: 'error',
        message: `${about}: the query returned ${result.length} series, expected one number; aggregate it, e.g. sum(...)`,
      };
    }
    value = sampleValue((result[0] as { value?: unknown } | undefined)?.value);
  } else {
    return {
      ...base,
      outcome: 'error',
      message: `${about}: the query returned a ${resultType ?? 'missing'} result, expected one number (an instant vector of one series, or a scalar)`,
    };
  }
  if (value === undefined) return { ...base, outcome: 'error', message: `${about}: Prometheus answered without a readable value` };
  if (Number.isNaN(value)) {
    return {
      ...base,
      outcome: 'no-data',
      message: `${about}: no data (the value is NaN, e.g. no requests in the last ${analysis.window}), so its health is unknown`,
    };
  }
  if (analysis.max !== undefined && value > analysis.max) {
    return { ...base, outcome: 'fail', value, message: `${about}: ${value} is above the max ${analysis.max}` };
  }
  if (analysis.min !== undefined && value < analysis.min) {
    return { ...base, outcome: 'fail', value, message: `${about}: ${value} is below the min ${analysis.min}` };
  }
  return { ...base, outcome: 'pass', value, message: `${about}: ${value} is within ${bounds}` };
}

/**
 * One stamp's health from its analyses' results, or a reason it is unknown. Pure.
 * A failure outranks no data: a stamp failing one analysis has failed, whatever the others say.
 * Prometheus does not know which version a stamp runs, so the health carries no version:
 * combine this source with one that does (`--health prometheus,flux`).
 */
export function analysisStampHealth(results: readonly AnalysisResult[]): { health: StampHealth } | { unknown: string } {
  const failed = results.filter((r) => r.outcome === 'fail');
  if (failed.length > 0) {
    const messages = failed.map((r) => r.message).join('; ');
    return { health: { ready: false, detail: messages, failure: messages } };
  }
  const unknown = results.filter((r) => r.outcome !== 'pass');
  if (unknown.length > 0) return { unknown: unknown.map((r) => r.message).join('; ') };
  if (results.length === 0) return { unknown: 'no analyses ran; list them under rollout.analysis in fleet.yaml' };
  return { health: { ready: true, detail: results.map((r) => r.message).join('; ') } };
}

/** Asks Prometheus one instant query. Injected so tests can use a real server or a recorded one. */
export type PrometheusQuery = (query: string) => Promise<PrometheusQueryResponse>;

/**
 * Queries `<url>/api/v1/query` with undici, at Prometheus's own current time. A transport
 * failure, a timeout or an unreadable answer comes back as a response without status success.
 */
export function prometheusQuery(url: string, timeoutMs = 10_000): PrometheusQuery {
  const endpoint = `${url.replace(/\/+$/, '')}/api/v1/query`;
  return async (query) => {
    try {
      const response = await request(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ query }).toString(),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      try {
        return JSON.parse(text) as PrometheusQueryResponse;
      } catch {
        return { status: 'error', errorType: `HTTP ${response.statusCode}`, error: `not JSON: ${text.slice(0, 120)}` };
      }
    } catch (error) {
      const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
      return { status: 'error', errorType: 'unreachable', error: `${endpoint}: ${cause}` };
    }
  };
}

export interface PrometheusHealthOptions {
  /** The analyses to run: fleet.yaml's `rollout.analysis`. */
  readonly analyses: readonly Analysis[];
  /** The stamps to judge (the promoted ones). */
  readonly stamps: readonly Stamp[];
  /** Runs one instant query; `prometheusQuery(url)` for a real Prometheus. */
  readonly query: PrometheusQuery;
  /** Queries at once. @default 8 */
  readonly concurrency?: number;
}

/** The analyses' results for every stamp, sorted by stamp then by the analyses' order. */
export async function runAnalyses(options: PrometheusHealthOptions): Promise<AnalysisResult[]> {
  const jobs = options.stamps.flatMap((stamp) => options.analyses.map((analysis) => ({ stamp: stamp.metadata.name, analysis })));
  const results = new Map<(typeof jobs)[number], AnalysisResult>();
  await mapLimit(jobs, options.concurrency ?? 8, async (job) => {
    results.set(job, judgeAnalysis(job.analysis, job.stamp, await options.query(analysisQuery(job.analysis, job.stamp))));
  });
  const order = [...jobs].sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
  return order.map((job) => results.get(job)!);
}

/** The `prometheus` health source: every analysis for every stamp. */
export async function prometheusHealth(
  options: PrometheusHealthOptions,
): Promise<HealthReport & { readonly analyses: readonly AnalysisResult[] }> {
  const results = await runAnalyses(options);
  const byStamp = new Map<string, AnalysisResult[]>();
  for (const stamp of options.stamps) byStamp.set(stamp.metadata.name, []);
  for (const result of results) byStamp.get(result.stamp)!.push(result);
  const stamps: [string, StampHealth][] = [];
  const unknown: [string, string][] = [];
  for (const [name, list] of [...byStamp].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const judged = analysisStampHealth(list);
    if ('health' in judged) stamps.push([name, judged.health]);
    else unknown.push([name, judged.unknown]);
  }
  return { source: 'prometheus', stamps: ownRecord(stamps), unknown: ownRecord(unknown), analyses: results };
}

/** A record from entries that is safe for any key, `__proto__` included (no prototype). */
function ownRecord<T>(entries: readonly (readonly [string, T])[]): Record<string, T> {
  const record = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) record[key] = value;
  return record;
}

/** One stamp Prometheus scrapes: its name and the `host:port` of its metrics endpoint. */
export interface ScrapeTarget {
  readonly stamp: string;
  readonly address: string;
}

/**
 * A Prometheus configuration that scrapes every stamp's `/metrics` (stamp-app's admin port),
 * labelling each target with its stamp. The app's own `stamp` label wins (`honor_labels`), so
 * the series keep the name the app reports. Deterministic: targets sorted by stamp. Pure.
 */
export function prometheusScrapeConfig(targets: readonly ScrapeTarget[], scrapeInterval = '15s'): string {
  const sorted = [...targets].sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
  const lines = [
    '# Generated by stampyard: Prometheus scraping every stamp for rollout analyses.',
    'global:',
    `  scrape_interval: ${scrapeInterval}`,
    `  evaluation_interval: ${scrapeInterval}`,
    'scrape_configs:',
    '  - job_name: stamp-app',
    '    honor_labels: true',
    '    metrics_path: /metrics',
    '    static_configs:',
    ...sorted.flatMap((t) => [`      - targets: [${JSON.stringify(t.address)}]`, `        labels: { stamp: ${JSON.stringify(t.stamp)} }`]),
  ];
  if (sorted.length === 0) lines.push('      []');
  return `${lines.join('\n')}\n`;
}
