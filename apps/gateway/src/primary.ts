// `--workers <n>`: a primary process forks n gateway workers that share the port, each
// loading and watching the table itself. The primary serves the admin port (readiness of
// every worker, metrics of every worker with a `worker` label) and writes the ready file
// once every worker has loaded the same table. Bulkheads, shares, back-offs and breakers
// are per worker.
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

type MetricsJson = MetricObjectWithValues<MetricValue<string>>;
import type { GatewayConfig } from './config.ts';

/** Messages between the primary and its workers. */
export type WorkerMessage =
  | { readonly type: 'stampyard-ready'; readonly port: number; readonly revision: string }
  | { readonly type: 'stampyard-metrics'; readonly id: number; readonly metrics: MetricsJson[] };
export type PrimaryMessage = { readonly type: 'stampyard-metrics'; readonly id: number };

/** What the primary knows of one worker: its table revision once it is ready. */
export interface WorkerState {
  readonly id: number;
  readonly revision?: string;
  readonly port?: number;
}

/**
 * The cluster is ready when `expected` workers are running and every one has loaded a table;
 * its revision is the one they all agree on (undefined while a reload is under way).
 */
export function clusterReadiness(
  workers: readonly WorkerState[],
  expected: number,
): { readonly ready: boolean; readonly revision: string | undefined; readonly port: number | undefined } {
  const revisions = new Set(workers.map((w) => w.revision));
  const ready = workers.length >= expected && workers.every((w) => w.revision !== undefined);
  const revision = ready && revisions.size === 1 ? workers[0]!.revision : undefined;
  return { ready, revision, port: workers.find((w) => w.port !== undefined)?.port };
}

export interface PrimaryOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Called whenever every worker has loaded the same table. */
  readonly onReady: (info: { port: number; adminPort?: number; revision: string; workers: number }) => void;
  /** @default 2000 */
  readonly metricsTimeoutMs?: number;
}

/** Runs the primary until SIGTERM/SIGINT; resolves with the exit code once every worker has stopped. */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { config, logger } = options;
  const states = new Map<number, WorkerState>();
  const pending = new Map<number, { resolve: (m: MetricsJson[]) => void }>();
  let nextRequest = 1;
  let stopping = false;
  let lastAnnounced: string | undefined;
  let adminPort: number | undefined;

  const announce = (): void => {
    const readiness = clusterReadiness([...states.values()], config.workers);
    if (!readiness.ready || readiness.revision === undefined || readiness.port === undefined || readiness.revision === lastAnnounced)
      return;
    lastAnnounced = readiness.revision;
    logger.info({ workers: states.size, revision: readiness.revision }, 'every worker has loaded the table');
    options.onReady({
      port: readiness.port,
      ...(adminPort !== undefined ? { adminPort } : {}),
      revision: readiness.revision,
      workers: states.size,
    });
  };

  const fork = (): Worker => {
    const worker = cluster.fork();
    states.set(worker.id, { id: worker.id });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'stampyard-ready') {
        states.set(worker.id, { id: worker.id, revision: message.revision, port: message.port });
        announce();
      } else if (message.type === 'stampyard-metrics') {
        pending.get(message.id)?.resolve(message.metrics);
        pending.delete(message.id);
      }
    });
    return worker;
  };

  let failedStart: (code: number) => void = () => undefined;
  cluster.on('exit', (worker, code, signal) => {
    const state = states.get(worker.id);
    states.delete(worker.id);
    if (stopping) return;
    if (state?.revision === undefined && code !== 0 && signal === null && lastAnnounced === undefined) {
      // It could not start (port in use, unreadable key file): so won't the next one.
      logger.fatal({ worker: worker.id, code }, 'a worker could not start; stopping');
      failedStart(code);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'worker exited; starting another');
    fork();
  });

  const metricsOf = (worker: Worker): Promise<MetricsJson[]> =>
    new Promise((resolve) => {
      const id = nextRequest++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve([]);
      }, options.metricsTimeoutMs ?? 2000);
      pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
      worker.send({ type: 'stampyard-metrics', id } satisfies PrimaryMessage);
    });

  let admin: Server | undefined;
  if (config.adminPort !== undefined) {
    admin = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const json = (status: number, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (path === '/healthz') return json(200, { live: true });
      if (path === '/readyz') {
        const readiness = clusterReadiness([...states.values()], config.workers);
        const ready = readiness.ready && !stopping;
        return json(ready ? 200 : 503, {
          ready,
          revision: readiness.revision ?? null,
          workers: [...states.values()].map((w) => ({ worker: w.id, revision: w.revision ?? null })),
          shuttingDown: stopping,
        });
      }
      if (path === '/metrics') {
        void Promise.all(Object.values(cluster.workers ?? {}).flatMap((w) => (w ? [metricsOf(w)] : []))).then(async (all) => {
          const registry = AggregatorRegistry.aggregate(all.filter((m) => m.length > 0));
          const text = await registry.metrics();
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        });
        return;
      }
      json(404, { error: 'not-found', message: 'the admin port serves /healthz, /readyz, /metrics' });
    });
    await new Promise<void>((resolve, reject) => {
      admin!.once('error', reject);
      admin!.listen(config.adminPort, config.host, () => resolve());
    });
    adminPort = (admin.address() as AddressInfo).port;
  }

  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers, adminPort }, 'primary started its workers');

  return await new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'signal received; stopping every worker');
      const exits = Object.values(cluster.workers ?? {}).map((worker) => {
        if (!worker) return Promise.resolve();
        const exited = new Promise<void>((done) => worker.once('exit', () => done()));
        worker.process.kill('SIGTERM');
        return exited;
      });
      void Promise.all(exits).then(() => {
        admin?.closeAllConnections();
        admin?.close();
        logger.info('stopped');
        resolve(0); // a no-op after a failed start resolved it with the worker's code
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    failedStart = (code) => {
      stop('a worker could not start');
      resolve(code);
    };
  });
}
