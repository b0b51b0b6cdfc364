// The sample service inside each stamp: answers every request with who it is and who asked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { StampAppConfig } from './config.ts';
import type { StampAppMetrics } from './metrics.ts';
import type { UsageCounters } from './usage.ts';

/** The answer to every request except /healthz. */
export interface StampAppAnswer {
  readonly stamp: string;
  readonly version: string;
  /** From `x-stampyard-tenant` (set by the gateway), else `x-tenant-id`, else null. */
  readonly tenant: string | null;
  readonly method: string;
  readonly path: string;
  /** Bytes of request body received. */
  readonly bodyBytes: number;
  /** The request's headers, only when asked with `?echo_headers=1` (a test aid). */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/** Longest per-request delay `?delay_ms=` accepts. */
export const MAX_REQUEST_DELAY_MS = 60_000;

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The per-request delay asked for by `?delay_ms=<n>` (a test aid), capped. */
export function requestedDelayMs(url: string): number {
  const match = /[?&]delay_ms=(\d+)/.exec(url);
  return match ? Math.min(Number(match[1]), MAX_REQUEST_DELAY_MS) : 0;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Builds the server; the caller listens. With `metrics`, every answer but /healthz is counted and may be an
 * injected error; with `usage`, every answer to a named tenant is counted for the usage export.
 */
export function createStampApp(config: StampAppConfig, metrics?: StampAppMetrics, usage?: UsageCounters): Server {
  return createServer((req, res) => {
    if (config.hang) return; // accept and never answer
    const started = performance.now();
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const tenant = headerValue(req, 'x-stampyard-tenant') ?? headerValue(req, 'x-tenant-id');
    // Probes are not traffic: /healthz is neither counted nor failed on purpose.
    const observed = path === '/healthz' ? undefined : metrics?.observe(tenant);
    if (observed) res.once('finish', () => observed.end(res.statusCode));
    let bodyBytes = 0;
    if (usage && tenant !== null && path !== '/healthz') {
      res.once('finish', () => usage.record(tenant, res.statusCode, performance.now() - started, bodyBytes, Date.now()));
    }
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      const answer = (): void => {
        if (path === '/healthz') {
          send(res, config.unhealthy ? 503 : 200, { version: config.version, ready: !config.unhealthy });
          return;
        }
        // `?fail=1` fails one request on purpose (a test aid); --error-percent fails a share of them.
        if (observed?.fail || /[?&]fail=1(&|$)/.test(url)) {
          send(res, 500, { stamp: config.stamp, version: config.version, error: `injected error (--error-percent ${metrics?.errors.percent ?? 0})` });
          return;
        }
        const body: StampAppAnswer = {
          stamp: config.stamp,
          version: config.version,
          tenant,
          method: req.method ?? 'GET',
          path,
          bodyBytes,
          ...(/[?&]echo_headers=1/.test(url) ? { headers: req.headers } : {}),
        };
        send(res, 200, body);
      };
      const delay = config.delayMs + requestedDelayMs(url);
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
}
