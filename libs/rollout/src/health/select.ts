// Choosing the health sources a command names: a JSON file, `flux`, `http`, `prometheus`, or several
// joined by commas (`prometheus,flux`: every one must call a stamp healthy). The CLI passes its flags.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitError, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import { NO_HEALTH, parseHealthFile, type HealthReport } from './report.ts';
import { fluxHealth, kubectlRunner } from './flux.ts';
import { httpHealth } from './http.ts';
import { prometheusHealth, prometheusQuery } from './prometheus.ts';
import { combineHealth } from './combine.ts';

/** The environment variable naming the `--health-urls` file when the flag is absent. */
export const HEALTH_URLS_ENV = 'STAMPYARD_HEALTH_URLS';

/** The environment variable giving `--prometheus-url` when the flag is absent. */
export const PROMETHEUS_URL_ENV = 'STAMPYARD_PROMETHEUS_URL';

export interface HealthSourceOptions {
  /** `flux`, `http`, `prometheus` or a JSON file path, or several joined by commas. @default - no source: every stamp is unknown */
  readonly health?: string;
  /** With `prometheus`: the Prometheus base URL. @default - $STAMPYARD_PROMETHEUS_URL */
  readonly prometheusUrl?: string;
  /** With `http`: JSON map of stamp name → base URL. @default - $STAMPYARD_HEALTH_URLS, else https://<stamp host> */
  readonly healthUrls?: string;
  /** Alias of healthUrls. @default - none */
  readonly endpoints?: string;
  /** Per-stamp timeout in milliseconds, as given on the command line. @default '5000' */
  readonly healthTimeout?: string;
  /** With `flux`: the Git commit every Kustomization must have applied. @default - the revision each attempted */
  readonly expectedRevision?: string;
}

/**
 * Reads health from the sources the options name (comma-separated; all must call a stamp healthy, see
 * `combineHealth`). Throws ExitError(2) for a source that is neither `flux`, `http`, `prometheus` nor a
 * readable file, for `prometheus` without a URL or without analyses, and for a bad timeout or URL map;
 * ValidationError for a bad file.
 */
export async function loadHealth(
  options: HealthSourceOptions,
  spec: FleetSpec,
  stamps: readonly Stamp[],
  cwd = process.cwd(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<HealthReport> {
  if (options.health === undefined) return NO_HEALTH;
  const sources = options.health.split(',').map((s) => s.trim());
  if (sources.some((s) => s === '') || new Set(sources).size !== sources.length) {
    throw new ExitError(2, `--health: '${options.health}' must name each source once, joined by commas, e.g. prometheus,flux`);
  }
  const timeoutMs = Number(options.healthTimeout ?? '5000');
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new ExitError(2, `--health-timeout: '${options.healthTimeout}' is not a positive whole number of milliseconds`);
  const reports = await Promise.all(sources.map((source) => loadOne(source, options, spec, stamps, timeoutMs, cwd, env)));
  return combineHealth(reports);
}

async function loadOne(
  source: string,
  options: HealthSourceOptions,
  spec: FleetSpec,
  stamps: readonly Stamp[],
  timeoutMs: number,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<HealthReport> {
  if (source === 'prometheus') {
    const url = options.prometheusUrl ?? env[PROMETHEUS_URL_ENV];
    if (!url)
      throw new ExitError(
        2,
        `--health prometheus needs --prometheus-url <url> (or $${PROMETHEUS_URL_ENV}), e.g. --prometheus-url http://127.0.0.1:9090`,
      );
    if (!/^https?:\/\/[^\s]+$/.test(url))
      throw new ExitError(2, `--prometheus-url: '${url}' is not an http(s) URL, e.g. http://127.0.0.1:9090`);
    if (spec.rollout.analysis.length === 0) {
      throw new ExitError(
        2,
        '--health prometheus: fleet.yaml lists no analyses; add them under spec.rollout.analysis, e.g. { name: error-rate, query: <PromQL with $stamp and $window>, max: 0.05, window: 5m }',
      );
    }
    const { analyses: _analyses, ...report } = await prometheusHealth({
      analyses: spec.rollout.analysis,
      stamps,
      query: prometheusQuery(url, Math.max(timeoutMs, 10_000)),
    });
    return report;
  }
  if (source === 'flux') {
    return fluxHealth({
      spec,
      stamps,
      kubectl: kubectlRunner(timeoutMs),
      ...(options.expectedRevision ? { expectedRevision: options.expectedRevision } : {}),
    });
  }
  if (source === 'http') {
    const urlsFile = options.healthUrls ?? options.endpoints ?? env[HEALTH_URLS_ENV];
    const baseUrls = urlsFile ? await readUrlMap(resolve(cwd, urlsFile)) : {};
    return httpHealth({ spec, stamps, baseUrls, timeoutMs });
  }
  const path = resolve(cwd, source);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ExitError(2, `--health: '${source}' is neither flux, http, prometheus nor a readable JSON file`);
  }
  return parseHealthFile(
    text,
    source,
    stamps.map((s) => s.metadata.name),
  );
}

async function readUrlMap(path: string): Promise<Record<string, string>> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ExitError(
      2,
      `--health-urls: cannot read ${path} as JSON (${(error as Error).message}); expected { "<stamp>": "http://127.0.0.1:8081" }`,
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.values(data).some((v) => typeof v !== 'string')) {
    throw new ExitError(2, `--health-urls: ${path} must map stamp names to base URLs, e.g. { "stamp-eu-1": "http://127.0.0.1:8081" }`);
  }
  return Object.fromEntries(Object.entries(data as Record<string, string>));
}
