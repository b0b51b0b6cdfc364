// The sample service inside each stamp: answers every request with who it is and who asked.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { StampAppConfig } from './config.ts';
import type { StampAppMetrics } from './metrics.ts';
import type { UsageCounters } from './usage.ts';
import { FENCE_RETRY_AFTER_SECONDS, decideAdmission, type TenantListFile } from './tenancy.ts';
import type { WriteLog } from './write-log.ts';

/** The stamp's guard: its tenant list and the tenants' write logs. */
export interface StampTenancy {
  readonly lists: TenantListFile;
  readonly log: WriteLog;
}

/** The header carrying the routing table's epoch for the tenant (sent by the gateway). */
export const EPOCH_HEADER = 'x-stampyard-epoch';

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
  /** With a tenant list: the write this request was recorded as (writes only). @default - absent */
  readonly write?: { readonly seq: number; readonly epoch: number };
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

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Bytes of a request body kept for the write log (the rest is counted, not kept). */
const MAX_LOGGED_BODY_BYTES = 64 * 1024;

/**
 * Builds the server; the caller listens. With `metrics`, every answer but /healthz is counted and may be an
 * injected error; with `usage`, every answer to a named tenant is counted for the usage export.
 * With `tenancy`, a request is served only for a tenant on the stamp's list (421 otherwise, naming the
 * stamp and its list revision), a migrating tenant's writes are fenced (503 + Retry-After), and every
 * accepted write goes to the tenant's write log. A refused request is never an injected error: the
 * admission decision comes first.
 */
export function createStampApp(config: StampAppConfig, metrics?: StampAppMetrics, usage?: UsageCounters, tenancy?: StampTenancy): Server {
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
    const kept: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      if (tenancy && bodyBytes < MAX_LOGGED_BODY_BYTES) kept.push(chunk);
      bodyBytes += chunk.length;
    });
    req.on('end', () => {
      const answer = (): void => {
        if (path === '/healthz') {
          send(res, config.unhealthy ? 503 : 200, { version: config.version, ready: !config.unhealthy });
          return;
        }
        let write: StampAppAnswer['write'];
        // `?fail=1` fails one request on purpose (a test aid); --error-percent fails a share of them.
        // After the admission refusals, so a 421 or a fence is never masked; before the write log, so a failed write is not logged.
        const injected = observed?.fail === true || /[?&]fail=1(&|$)/.test(url);
        if (tenancy) {
          const list = tenancy.lists.current();
          const admission = decideAdmission(list, tenant, req.method ?? 'GET', headerValue(req, EPOCH_HEADER) ?? undefined);
          const who = { 'x-stampyard-stamp': config.stamp, 'x-stampyard-tenant-list-revision': list.revision };
          if (admission.kind === 'misdirected') {
            const why =
              admission.reason === 'no-tenant'
                ? 'the request names no tenant'
                : admission.reason === 'not-on-list'
                  ? `tenant '${admission.tenant}' is not on this stamp's list`
                  : `the request's epoch is older than ${admission.epoch}, the epoch this stamp serves tenant '${admission.tenant}' at`;
            send(
              res,
              421,
              {
                error: 'misdirected',
                reason: admission.reason,
                message: `${config.stamp} did not process this request: ${why} (tenant list ${list.revision}); the router's table is stale`,
                stamp: config.stamp,
                tenant: admission.tenant,
                tenantListRevision: list.revision,
              },
              who,
            );
            return;
          }
          if (admission.kind === 'unavailable') {
            const why =
              admission.reason === 'fenced'
                ? `tenant '${admission.tenant}' is migrating; its writes are fenced`
                : `the request comes from a newer epoch than ${admission.epoch}; this stamp's tenant list is catching up`;
            send(
              res,
              503,
              {
                error: admission.reason,
                message: `${config.stamp}: ${why}; retry in ${FENCE_RETRY_AFTER_SECONDS} s`,
                stamp: config.stamp,
                tenant: admission.tenant,
                tenantListRevision: list.revision,
              },
              { ...who, 'retry-after': String(FENCE_RETRY_AFTER_SECONDS) },
            );
            return;
          }
          if (admission.write && !injected) {
            const record = tenancy.log.append(
              admission.tenant,
              admission.epoch,
              req.method ?? 'POST',
              path,
              Buffer.concat(kept).toString('utf8').slice(0, MAX_LOGGED_BODY_BYTES),
            );
            write = { seq: record.seq, epoch: record.epoch };
          }
        }
        if (injected) {
          send(res, 500, {
            stamp: config.stamp,
            version: config.version,
            error: `injected error (--error-percent ${metrics?.errors.percent ?? 0})`,
          });
          return;
        }
        const body: StampAppAnswer = {
          stamp: config.stamp,
          version: config.version,
          tenant,
          method: req.method ?? 'GET',
          path,
          bodyBytes,
          ...(write ? { write } : {}),
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
