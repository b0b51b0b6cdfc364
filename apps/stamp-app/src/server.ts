// The sample service inside each stamp: answers every request with who it is and who asked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { StampAppConfig } from './config.ts';
import { failsAt, type UsageCounters } from './usage.ts';

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

/** Builds the server; the caller listens. With `usage`, every tenant's answered request is counted. */
export function createStampApp(config: StampAppConfig, usage?: UsageCounters): Server {
  let served = 0;
  return createServer((req, res) => {
    if (config.hang) return; // accept and never answer
    const started = performance.now();
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on('end', () => {
      const url = req.url ?? '/';
      const path = url.split('?')[0] ?? '/';
      const answer = (): void => {
        if (path === '/healthz') {
          send(res, config.unhealthy ? 503 : 200, { version: config.version, ready: !config.unhealthy });
          return;
        }
        const tenant = headerValue(req, 'x-stampyard-tenant') ?? headerValue(req, 'x-tenant-id');
        served += 1;
        const status = /[?&]fail=1(&|$)/.test(url) || failsAt(served, config.errorPercent ?? 0) ? 500 : 200;
        if (usage && tenant !== null) {
          res.once('finish', () => usage.record(tenant, status, performance.now() - started, bodyBytes, Date.now()));
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
        send(res, status, body);
      };
      const delay = config.delayMs + requestedDelayMs(url);
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
}
