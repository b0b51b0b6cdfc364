// Choosing the health source a command names: a JSON file, `flux` or `http`. The CLI passes its flags.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitError, type FleetSpec, type Stamp } from '@stampyard/stamp-spec';
import { NO_HEALTH, parseHealthFile, type HealthReport } from './report.ts';
import { fluxHealth, kubectlRunner } from './flux.ts';
import { httpHealth } from './http.ts';

/** The environment variable naming the `--health-urls` file when the flag is absent. */
export const HEALTH_URLS_ENV = 'STAMPYARD_HEALTH_URLS';

export interface HealthSourceOptions {
  /** `flux`, `http` or a JSON file path. @default - no source: every stamp is unknown */
  readonly health?: string;
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
 * Reads health from the source the options name. Throws ExitError(2) for a source that is neither
 * `flux`, `http` nor a readable file, and for a bad timeout or URL map; ValidationError for a bad file.
 */
export async function loadHealth(
  options: HealthSourceOptions,
  spec: FleetSpec,
  stamps: readonly Stamp[],
  cwd = process.cwd(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<HealthReport> {
  const source = options.health;
  if (source === undefined) return NO_HEALTH;
  const timeoutMs = Number(options.healthTimeout ?? '5000');
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new ExitError(2, `--health-timeout: '${options.healthTimeout}' is not a positive whole number of milliseconds`);
  if (source === 'flux') {
    return fluxHealth({ spec, stamps, kubectl: kubectlRunner(timeoutMs), ...(options.expectedRevision ? { expectedRevision: options.expectedRevision } : {}) });
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
    throw new ExitError(2, `--health: '${source}' is neither flux, http nor a readable JSON file`);
  }
  return parseHealthFile(text, source, stamps.map((s) => s.metadata.name));
}

async function readUrlMap(path: string): Promise<Record<string, string>> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ExitError(2, `--health-urls: cannot read ${path} as JSON (${(error as Error).message}); expected { "<stamp>": "http://127.0.0.1:8081" }`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || Object.values(data).some((v) => typeof v !== 'string')) {
    throw new ExitError(2, `--health-urls: ${path} must map stamp names to base URLs, e.g. { "stamp-eu-1": "http://127.0.0.1:8081" }`);
  }
  return Object.fromEntries(Object.entries(data as Record<string, string>));
}
