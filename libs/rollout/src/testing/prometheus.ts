// A real Prometheus on loopback for tests (Debian's `prometheus`; `.ci/run` installs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prometheusScrapeConfig, type ScrapeTarget } from '../health/prometheus.ts';

export interface TestPrometheus {
  /** Its base URL, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  /** Stops it and deletes its data. */
  readonly stop: () => Promise<void>;
}

/** A free port on 127.0.0.1 (for programs that cannot report the port they got). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` every `intervalMs` until it answers a value; throws `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Starts `prometheus` scraping `targets` every `scrapeInterval`, and resolves once it is ready.
 * @param binary - @default 'prometheus'
 */
export async function startPrometheus(
  targets: readonly ScrapeTarget[],
  scrapeInterval = '1s',
  binary = 'prometheus',
): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'stampyard-prometheus-'));
  await writeFile(join(dir, 'prometheus.yml'), prometheusScrapeConfig(targets, scrapeInterval));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      binary,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    const exited = once(child, 'exit');
    let gone = false;
    void exited.then(() => (gone = true));
    const url = `http://127.0.0.1:${port}`;
    const outcome = await eventually(
      'prometheus /-/ready',
      async () => (gone ? 'exited' : (await fetch(`${url}/-/ready`)).ok ? 'ready' : undefined),
      60_000,
      100,
    ).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    if (outcome === 'ready') {
      return {
        url,
        async stop() {
          if (child.exitCode === null) {
            child.kill('SIGTERM');
            await exited;
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    if (attempt >= 3 || !/address already in use/.test(log)) throw new Error(`prometheus exited before it was ready:\n${log}`);
  }
}
