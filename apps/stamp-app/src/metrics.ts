// The stamp app's Prometheus metrics and its injected errors, served on the admin port only.
//
// The admin port is a second listener the gateway never routes to: a tenant can neither read
// another tenant's metrics nor change the error rate. Rollout analyses query these series, e.g.
//   sum(rate(http_errors_total{stamp="$stamp"}[$window])) / sum(rate(http_requests_total{stamp="$stamp"}[$window]))
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The tenant label of a request that named no tenant (Prometheus treats an empty label as absent). */
export const NO_TENANT = 'none';

/** Latency buckets, in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Decides which requests fail so that, after n requests, exactly floor(n × percent / 100) have failed:
 * spread evenly, no randomness, so a test or a demo sees the rate it set from the first requests on.
 * Changing the percentage starts the count again, so the new rate holds from then on.
 */
export class ErrorInjector {
  #percent: number;
  #seen = 0;

  /** @param percent - the whole percentage of requests that fail, from 0 to 100 */
  constructor(percent = 0) {
    this.#percent = checkedPercent(percent);
  }

  get percent(): number {
    return this.#percent;
  }

  set percent(percent: number) {
    this.#percent = checkedPercent(percent);
    this.#seen = 0;
  }

  /** Whether the next request fails. */
  next(): boolean {
    const n = ++this.#seen;
    return Math.floor((n * this.#percent) / 100) > Math.floor(((n - 1) * this.#percent) / 100);
  }
}

function checkedPercent(percent: number): number {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100)
    throw new RangeError(`error percent must be a whole number from 0 to 100, received ${String(percent)}`);
  return percent;
}

/** Parses an error percentage given as text (a flag, an environment variable or a request body). */
export function parseErrorPercent(text: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d{1,3}$/.test(trimmed) || value > 100)
    return `error percent must be a whole number from 0 to 100, such as 5, received ${JSON.stringify(text)}`;
  return value;
}

export interface StampAppMetricsProps {
  /** The stamp label on every series. */
  readonly stamp: string;
  /** The version label on every series. */
  readonly version: string;
  /** The whole percentage of requests answered with an injected 500, from 0 to 100. @default 0 */
  readonly errorPercent?: number;
}

/** What a request passes through: whether to fail it, and the call that records its answer. */
export interface RequestObservation {
  /** Answer this request with an injected error. */
  readonly fail: boolean;
  /** Records the answer's status code and the time since the request began. */
  readonly end: (status: number) => void;
}

export interface StampAppMetrics {
  readonly registry: Registry;
  readonly errors: ErrorInjector;
  /** Starts observing one request (not /healthz: probes are not traffic). */
  readonly observe: (tenant: string | null) => RequestObservation;
}

/** Metrics on a registry of their own, so two apps in one process (tests) never share series. */
export function createStampAppMetrics(props: StampAppMetricsProps): StampAppMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'stamp_app_' });
  const labelNames = ['stamp', 'version', 'tenant'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by stamp, version and tenant (probes excluded).',
    labelNames: [...labelNames, 'code'],
    registers,
  });
  const failures = new Counter({
    name: 'http_errors_total',
    help: 'Requests answered with a 5xx status, by stamp, version and tenant.',
    labelNames,
    registers,
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response, by stamp, version and tenant.',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const errors = new ErrorInjector(props.errorPercent ?? 0);
  new Gauge({
    name: 'stamp_app_error_percent',
    help: 'The percentage of requests this process is set to fail (a demo and test aid).',
    labelNames: ['stamp', 'version'],
    registers,
    collect() {
      this.set({ stamp: props.stamp, version: props.version }, errors.percent);
    },
  });
  new Gauge({
    name: 'stamp_app_info',
    help: 'The stamp and version this process serves (value 1).',
    labelNames: ['stamp', 'version'],
    registers,
  }).set({ stamp: props.stamp, version: props.version }, 1);
  return {
    registry,
    errors,
    observe(tenant) {
      const labels = { stamp: props.stamp, version: props.version, tenant: tenant ?? NO_TENANT };
      const stop = latency.startTimer(labels);
      return {
        fail: errors.next(),
        end(status) {
          stop();
          requests.inc({ ...labels, code: String(status) });
          // Always touch the error series, so a tenant without errors has a 0 to divide, not no series.
          failures.inc(labels, status >= 500 ? 1 : 0);
        },
      };
    },
  };
}

function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Serves the metrics' admin routes; answers false for any other path so the admin server can try
 * its other handlers:
 * - `GET /metrics`: the Prometheus text format.
 * - `GET /error-percent`: the injected error percentage; `PUT /error-percent` with a body such as `50` sets it.
 */
export function metricsAdminHandler(metrics: StampAppMetrics): AdminHandler {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      void metrics.registry.metrics().then((text) => sendText(res, 200, metrics.registry.contentType, text));
      return true;
    }
    if (path !== '/error-percent') return false;
    if (req.method === 'GET') {
      sendText(res, 200, 'application/json', JSON.stringify({ errorPercent: metrics.errors.percent }));
      return true;
    }
    if (req.method !== 'PUT') {
      res.setHeader('allow', 'GET, PUT');
      sendText(res, 405, 'application/json', JSON.stringify({ error: 'use GET or PUT' }));
      return true;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const percent = parseErrorPercent(body);
      if (typeof percent === 'string') {
        sendText(res, 400, 'application/json', JSON.stringify({ error: percent }));
        return;
      }
      metrics.errors.percent = percent;
      sendText(res, 200, 'application/json', JSON.stringify({ errorPercent: percent }));
    });
    return true;
  };
}

/** A request handler of the admin listener: answers true when it served the request. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The admin listener and the port it got. */
export interface AdminListener {
  readonly server: Server;
  readonly port: number;
}

/**
 * Listens on the admin port and serves each request with the first handler that takes it;
 * 404 for any other path.
 */
export async function listenAdmin(port: number, host: string, handlers: readonly AdminHandler[]): Promise<AdminListener> {
  const server = createServer((req, res) => {
    if (handlers.some((handle) => handle(req, res))) return;
    sendText(
      res,
      404,
      'application/json',
      JSON.stringify({ error: `no admin route ${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0]}` }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
