// A real Prometheus for the local fleet (Debian's `prometheus`; `.ci/run` installs it), scraping
// every stamp-app's admin port so `--health prometheus` runs the fleet's analyses on real metrics.
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { prometheusScrapeConfig, type ScrapeTarget } from '@stampyard/rollout';
import { LOOPBACK } from './http.ts';
import type { ProcessSpec, RunningProcess, Supervisor } from './supervisor.ts';

/** How often the local Prometheus scrapes: often enough that a 15 s analysis window has data within seconds. */
export const LOCAL_SCRAPE_INTERVAL = '1s';

/** The line Prometheus logs once it serves queries. */
const READY_LINE = 'Server is ready to receive web requests';

/**
 * Prometheus on `port` with its configuration and data under `dir`. Prometheus cannot report a
 * port it picked, so the caller passes a free one; it counts as started once it logs that it is ready.
 */
export function prometheusSpec(input: { dir: string; port: number; binary?: string }): ProcessSpec {
  return {
    name: 'prometheus',
    command: input.binary ?? 'prometheus',
    args: [
      `--config.file=${join(input.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(input.dir, 'data')}`,
      `--web.listen-address=${LOOPBACK}:${input.port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    readPort: (line) => (line.includes(READY_LINE) ? input.port : undefined),
    startTimeoutMs: 60_000,
  };
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface LocalPrometheus {
  readonly process: RunningProcess;
  /** Its base URL, for `--prometheus-url`. */
  readonly url: string;
}

/**
 * Writes the scrape configuration for `targets` under `dir` and starts Prometheus there, retrying
 * on another port when the chosen one was taken in between.
 */
export async function startLocalPrometheus(
  supervisor: Supervisor,
  dir: string,
  targets: readonly ScrapeTarget[],
  binary?: string,
): Promise<LocalPrometheus> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'prometheus.yml'), prometheusScrapeConfig(targets, LOCAL_SCRAPE_INTERVAL));
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      const process = await supervisor.start(prometheusSpec({ dir, port, ...(binary ? { binary } : {}) }));
      return { process, url: `http://${LOOPBACK}:${port}` };
    } catch (error) {
      const message = (error as Error).message;
      if (attempt >= 3 || !message.includes('address already in use')) {
        if (/ENOENT|could not start/.test(message))
          throw new Error(`${message}\nInstall Prometheus: apt-get install -y --no-install-recommends prometheus`);
        throw error;
      }
    }
  }
}
