// The gateway service: own routes, identification, routing decision, bulkheads, breakers, proxying.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Counter, Histogram } from 'prom-client';
import type { Logger } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import { CLOSED, breakerAdmit, breakerGaugeValue, breakerRecord, type BreakerPolicy, type BreakerState } from './breaker.ts';
import type { GatewayConfig } from './config.ts';
import { REVISION_HEADER, STAMP_HEADER, requestHeadersToStamp, responseHeadersFromStamp } from './headers.ts';
import { NO_TOKEN, resolveIdentity, type Identity } from './identify.ts';
import { createMetrics, type GatewayMetrics } from './metrics.ts';
import { decideRoute, type CompiledStamp, type CompiledTable } from './route.ts';
import { EPOCH_HEADER, MISDIRECTED_RETRY_AFTER_SECONDS, decideAfterMisdirected, epochOf } from './misdirected.ts';
import { TableStore, type ReloadResult } from './table-store.ts';
import type { TokenVerifier } from './token.ts';

/** The gateway's own routes on the main port; tenants' paths can't start with it. */
export const OWN_PREFIX = '/.well-known/stampyard/';

export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly upstreams: ReadonlyMap<string, string>;
  readonly logger: Logger;
  /** @default - tokens are not inspected */
  readonly verifyToken?: TokenVerifier;
  /** Called whenever the gateway becomes ready (listening with a valid table). */
  readonly onReady?: (info: { port: number; adminPort?: number; revision: string }) => void;
}

/** Per stamp, kept across table loads: its bulkhead count, breaker and pool. */
export interface StampRuntime {
  readonly name: string;
  origin: string;
  pool: Pool;
  inFlight: number;
  breaker: BreakerState;
}

class UpstreamFailure extends Error {
  constructor(
    readonly status: 502 | 504,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function failureOf(error: unknown, stamp: string): UpstreamFailure {
  const code = (error as { code?: string }).code ?? 'UNKNOWN';
  if (TIMEOUT_CODES.has(code)) return new UpstreamFailure(504, 'stamp-timeout', `stamp ${stamp} did not answer in time (${code})`);
  return new UpstreamFailure(502, 'stamp-unreachable', `stamp ${stamp} is unreachable (${code})`);
}

export class Gateway {
  readonly metrics: GatewayMetrics = createMetrics(() => [...this.runtimes.values()].map((r) => [r.name, r.inFlight] as const));
  readonly store: TableStore;
  private server: Server | undefined;
  private admin: Server | undefined;
  private draining = false;
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly runtimes = new Map<string, StampRuntime>();
  private readonly retiredPools = new Set<Pool>();
  private readonly requestCounters = new Map<string, Counter.Internal>();
  private readonly latencyByStamp = new Map<string, Histogram.Internal<'stamp'>>();
  private readonly breakerPolicy: BreakerPolicy;
  private port = 0;
  private adminPort: number | undefined;

  constructor(private readonly deps: GatewayDeps) {
    const { config } = deps;
    this.breakerPolicy = { failureThreshold: config.breakerFailures, cooldownMs: config.breakerCooldownMs };
    this.store = new TableStore({
      path: config.table,
      upstreams: deps.upstreams,
      pollIntervalMs: config.pollIntervalMs,
      debounceMs: config.watchDebounceMs,
      onReload: (outcome) => this.onReload(outcome),
    });
  }

  get ready(): boolean {
    return !this.draining && this.store.current !== undefined && this.server?.listening === true;
  }

  /** Listens, loads the table (not ready until one is valid) and starts watching. */
  async start(): Promise<{ port: number; adminPort?: number }> {
    const { config, logger } = this.deps;
    this.server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.handle(req, res));
    this.port = await listen(this.server, config.port, config.host);
    if (config.adminPort !== undefined) {
      this.admin = createServer((req, res) => this.handleAdmin(req, res, (req.url ?? '/').split('?')[0] ?? '/'));
      this.adminPort = await listen(this.admin, config.adminPort, config.host);
    }
    logger.info({ host: config.host, port: this.port, adminPort: this.adminPort, url: `http://${config.host}:${this.port}` }, 'listening');
    await this.store.init();
    await this.store.reload(true);
    this.store.start();
    return this.adminPort === undefined ? { port: this.port } : { port: this.port, adminPort: this.adminPort };
  }

  private onReload(outcome: ReloadResult): void {
    const { logger } = this.deps;
    this.metrics.reloads.inc({ result: outcome.result });
    if (outcome.result === 'rejected') {
      logger.error({ table: this.deps.config.table, error: outcome.error, keptRevision: this.store.current?.revision ?? null }, 'table rejected; keeping the last good table');
      return;
    }
    if (outcome.result === 'unchanged') return;
    const { table } = outcome;
    this.syncRuntimes(table);
    this.metrics.tableRevision.reset();
    this.metrics.tableRevision.set({ revision: table.revision }, 1);
    this.metrics.tenants.set(outcome.tenants);
    logger.info({ revision: table.revision, tenants: outcome.tenants, stamps: table.stamps.size, ms: Math.round(outcome.ms) }, 'table loaded');
    if (this.server?.listening && !this.draining) {
      this.deps.onReady?.({ port: this.port, ...(this.adminPort !== undefined ? { adminPort: this.adminPort } : {}), revision: table.revision });
    }
  }

  /** One pool per stamp; a stamp whose endpoint changed gets a new pool, the old one closes after its requests. */
  private syncRuntimes(table: CompiledTable): void {
    for (const stamp of table.stamps.values()) {
      const existing = this.runtimes.get(stamp.name);
      if (existing) {
        if (existing.origin === stamp.origin) continue;
        // The same runtime object: in-flight requests still count against this stamp's bulkhead.
        this.retire(existing.pool);
        existing.pool = this.newPool(stamp.origin);
        existing.origin = stamp.origin;
        continue;
      }
      this.runtimes.set(stamp.name, { name: stamp.name, origin: stamp.origin, pool: this.newPool(stamp.origin), inFlight: 0, breaker: CLOSED });
      this.metrics.breakerState.set({ stamp: stamp.name }, breakerGaugeValue(CLOSED));
    }
    for (const [name, runtime] of this.runtimes) {
      if (table.stamps.has(name)) continue;
      this.runtimes.delete(name);
      this.retire(runtime.pool);
    }
  }

  private newPool(origin: string): Pool {
    const { config } = this.deps;
    return new Pool(origin, {
      connections: config.maxConcurrentPerStamp,
      pipelining: 1,
      connect: { timeout: config.connectTimeoutMs },
      headersTimeout: config.headersTimeoutMs,
      bodyTimeout: config.bodyTimeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  private retire(pool: Pool): void {
    this.retiredPools.add(pool);
    void pool.close().finally(() => this.retiredPools.delete(pool));
  }

  count(stamp: string, status: number, startedMs: number): void {
    const key = `${stamp}\u0000${status}`;
    let counter = this.requestCounters.get(key);
    if (!counter) {
      counter = this.metrics.requests.labels(stamp, String(status));
      this.requestCounters.set(key, counter);
    }
    counter.inc();
    let latency = this.latencyByStamp.get(stamp);
    if (!latency) {
      latency = this.metrics.latency.labels(stamp);
      this.latencyByStamp.set(stamp, latency);
    }
    latency.observe((performance.now() - startedMs) / 1000);
  }

  private sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra };
    const revision = this.store.current?.revision;
    if (revision && headers[REVISION_HEADER] === undefined) headers[REVISION_HEADER] = revision;
    if (this.draining) headers['connection'] = 'close';
    res.writeHead(status, headers);
    res.end(text);
  }

  reject(res: ServerResponse, startedMs: number, status: number, code: string, message: string, table: CompiledTable | undefined, tenant?: string, stamp?: string): void {
    const extra: Record<string, string> = {};
    if (stamp) extra[STAMP_HEADER] = stamp;
    if (table) extra[REVISION_HEADER] = table.revision;
    this.sendJson(res, status, { error: code, message, ...(tenant ? { tenant } : {}), ...(stamp ? { stamp } : {}), revision: table?.revision ?? null }, extra);
    this.count(stamp ?? '', status, startedMs);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const startedMs = performance.now();
    const url = req.url ?? '/';
    if (url.startsWith(OWN_PREFIX)) return this.handleOwn(req, res, url, startedMs);
    if (url.charCodeAt(0) !== 47 /* '/' */) return this.reject(res, startedMs, 400, 'bad-request', 'the request target must be a path (origin-form), e.g. GET /orders', this.store.current);
    if (this.draining) return this.reject(res, startedMs, 503, 'shutting-down', 'the gateway is shutting down; retry', this.store.current);
    const table = this.store.current;
    if (!table) return this.reject(res, startedMs, 503, 'not-ready', 'no valid routing table loaded yet', undefined);
    const authorization = req.headers.authorization;
    if (this.deps.verifyToken && authorization !== undefined) {
      this.deps
        .verifyToken(authorization)
        .then((token) => this.route(req, res, table, this.identify(req, table, token), startedMs))
        .catch((error: unknown) => this.internalError(res, error, startedMs));
      return;
    }
    this.route(req, res, table, this.identify(req, table, NO_TOKEN), startedMs);
  }

  private identify(req: IncomingMessage, table: CompiledTable, token: Parameters<typeof resolveIdentity>[1]['token']): Identity {
    const header = req.headers[this.deps.config.tenantHeader];
    return resolveIdentity(
      this.deps.config.identify,
      { host: req.headers.host, header: Array.isArray(header) ? header.join(', ') : header, token },
      table.domain,
    );
  }

  private internalError(res: ServerResponse, error: unknown, startedMs: number): void {
    this.deps.logger.error({ err: error }, 'internal error; please open an issue');
    if (!res.headersSent) this.reject(res, startedMs, 500, 'internal-error', 'the gateway failed; see its log', this.store.current);
    else res.destroy();
  }

  private route(req: IncomingMessage, res: ServerResponse, table: CompiledTable, identity: Identity, startedMs: number): void {
    const decision = decideRoute(table, identity);
    if (decision.kind === 'reject') return this.reject(res, startedMs, decision.status, decision.code, decision.message, table, decision.tenant, decision.stamp);
    if (decision.tokenStampMismatch) {
      this.metrics.tokenStampMismatches.inc();
      this.deps.logger.debug({ tenant: decision.tenant, stamp: decision.stamp.name, tokenStamp: identity.ok ? identity.tokenStamp : undefined }, 'token stamp disagrees with the table; the table wins');
    }
    this.forward(req, res, table, decision.tenant, decision.stamp, startedMs);
  }

  private forward(req: IncomingMessage, res: ServerResponse, table: CompiledTable, tenant: string, stamp: CompiledStamp, startedMs: number, retried = false): void {
    const runtime = this.runtimes.get(stamp.name);
    if (!runtime) return this.internalError(res, new Error(`no pool for stamp ${stamp.name}`), startedMs);
    if (runtime.inFlight >= this.deps.config.maxConcurrentPerStamp) {
      return this.reject(res, startedMs, 503, 'stamp-busy', `stamp ${stamp.name} has ${runtime.inFlight} requests in flight, its limit; retry later`, table, tenant, stamp.name);
    }
    const admitted = breakerAdmit(runtime.breaker, Date.now());
    this.setBreaker(runtime, admitted.next);
    if (!admitted.allowed) return this.reject(res, startedMs, 503, 'stamp-circuit-open', `stamp ${stamp.name} is failing; its circuit breaker is open`, table, tenant, stamp.name);

    runtime.inFlight++;
    this.active++;
    const url = req.url ?? '/';
    const te = req.headers['transfer-encoding'];
    const length = req.headers['content-length'];
    const hasBody = te !== undefined || (length !== undefined && length !== '0');
    // A request without a body can be sent again after a 421; one whose body was streamed cannot.
    const handler = new ProxyHandler(this, res, runtime, table, tenant, stamp.name, startedMs, { req, replayable: !hasBody, retried });
    res.once('close', () => handler.clientClosed());
    const headers = requestHeadersToStamp(req.headers, { clientIp: req.socket.remoteAddress ?? '', proto: 'http', tenant });
    headers[EPOCH_HEADER] = String(epochOf(table, tenant)); // always the table's, never the client's
    try {
      runtime.pool.dispatch(
        {
          origin: stamp.origin,
          path: stamp.basePath + url,
          method: (req.method ?? 'GET') as 'GET',
          headers,
          body: hasBody ? req : null,
        },
        handler,
      );
    } catch (error) {
      // undici refuses some requests synchronously (e.g. a header value it won't send): the client's fault.
      handler.refused(error as Error);
    }
  }

  /**
   * A stamp answered 421: it did not process the request, and this gateway's table is stale.
   * Count it, re-read the table, then retry once on the stamp the table now names, or answer 503 + Retry-After.
   */
  misdirected(req: IncomingMessage, res: ServerResponse, tenant: string, refusedBy: string, startedMs: number, replayable: boolean, retried: boolean): void {
    this.metrics.misdirected.inc({ stamp: refusedBy });
    this.deps.logger.info({ tenant, stamp: refusedBy }, 'stamp answered 421: re-reading the routing table');
    this.store
      .reload()
      .then(() => {
        const table = this.store.current;
        if (!table) return this.reject(res, startedMs, 503, 'not-ready', 'no valid routing table loaded', undefined);
        const decision = decideAfterMisdirected(table, tenant, refusedBy, replayable, retried);
        if (decision.kind === 'retry') return this.forward(req, res, table, tenant, decision.stamp, startedMs, true);
        const extra = { [STAMP_HEADER]: refusedBy, [REVISION_HEADER]: table.revision, 'retry-after': String(MISDIRECTED_RETRY_AFTER_SECONDS) };
        this.sendJson(res, 503, { error: 'misdirected', message: decision.message, tenant, stamp: refusedBy, revision: table.revision }, extra);
        this.count(refusedBy, 503, startedMs);
      })
      .catch((error: unknown) => this.internalError(res, error, startedMs));
  }

  /** Called by ProxyHandler once a forwarded request is over. */
  finishForward(runtime: StampRuntime, success: boolean): void {
    runtime.inFlight--;
    this.setBreaker(runtime, breakerRecord(runtime.breaker, success, Date.now(), this.breakerPolicy));
    if (--this.active === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  /** Headers added to every proxied response. */
  responseHead(statusCode: number, headers: Readonly<Record<string, string | string[] | undefined>>, stamp: string, revision: string): OutgoingHttpHeaders {
    const out = responseHeadersFromStamp(headers);
    out[STAMP_HEADER] = stamp;
    out[REVISION_HEADER] = revision;
    if (this.draining) out['connection'] = 'close';
    return out;
  }

  upstreamFailed(res: ServerResponse, error: Error, table: CompiledTable, tenant: string, stamp: string, startedMs: number): void {
    const failure = failureOf(error, stamp);
    this.deps.logger.debug({ stamp, tenant, code: failure.code, err: error }, 'upstream failed');
    this.reject(res, startedMs, failure.status, failure.code, failure.message, table, tenant, stamp);
  }

  private setBreaker(runtime: StampRuntime, next: BreakerState): void {
    if (next === runtime.breaker) return;
    const before = runtime.breaker.kind;
    runtime.breaker = next;
    if (before !== next.kind) {
      this.metrics.breakerState.set({ stamp: runtime.name }, breakerGaugeValue(next));
      this.deps.logger.warn({ stamp: runtime.name, from: before, to: next.kind }, 'circuit breaker changed');
    }
  }

  private handleOwn(req: IncomingMessage, res: ServerResponse, url: string, startedMs: number): void {
    const path = url.split('?')[0] ?? url;
    const name = path.slice(OWN_PREFIX.length);
    if (name === 'route') return this.handleRouteLookup(req, res, startedMs);
    this.handleAdmin(req, res, `/${name}`);
  }

  private handleAdmin(_req: IncomingMessage, res: ServerResponse, path: string): void {
    if (path === '/healthz') return this.sendJson(res, 200, { live: true });
    if (path === '/readyz') {
      const table = this.store.current;
      const body = { ready: this.ready, revision: table?.revision ?? null, tenants: table?.tenantCount ?? 0, shuttingDown: this.draining };
      return this.sendJson(res, this.ready ? 200 : 503, body);
    }
    if (path === '/metrics') {
      void this.metrics.registry.metrics().then((text) => {
        const revision = this.store.current?.revision;
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType, ...(revision ? { [REVISION_HEADER]: revision } : {}) });
        res.end(text);
      });
      return;
    }
    this.sendJson(res, 404, { error: 'not-found', message: `the gateway serves ${OWN_PREFIX}{healthz,readyz,metrics,route}` });
  }

  /** Lookup-then-direct: the identified tenant's stamp endpoint, for clients that call it directly. */
  private handleRouteLookup(req: IncomingMessage, res: ServerResponse, startedMs: number): void {
    const table = this.store.current;
    if (!table) return this.reject(res, startedMs, 503, 'not-ready', 'no valid routing table loaded yet', undefined);
    const answer = (identity: Identity): void => {
      const decision = decideRoute(table, identity);
      if (decision.kind === 'reject') return this.reject(res, startedMs, decision.status, decision.code, decision.message, table, decision.tenant, decision.stamp);
      if (decision.tokenStampMismatch) this.metrics.tokenStampMismatches.inc();
      this.sendJson(
        res,
        200,
        { tenant: decision.tenant, stamp: decision.stamp.name, endpoint: decision.stamp.endpoint, revision: table.revision },
        { [STAMP_HEADER]: decision.stamp.name, [REVISION_HEADER]: table.revision },
      );
    };
    if (this.deps.verifyToken && req.headers.authorization !== undefined) {
      this.deps
        .verifyToken(req.headers.authorization)
        .then((token) => answer(this.identify(req, table, token)))
        .catch((error: unknown) => this.internalError(res, error, startedMs));
      return;
    }
    answer(this.identify(req, table, NO_TOKEN));
  }

  /**
   * Graceful stop: readyz turns 503, the listener stops accepting, idle connections close,
   * in-flight requests get up to `shutdownTimeoutMs` to finish. Resolves whether they all finished.
   */
  async shutdown(): Promise<boolean> {
    const { config, logger } = this.deps;
    this.draining = true;
    this.store.stop();
    logger.info({ inFlight: this.active, timeoutMs: config.shutdownTimeoutMs }, 'shutting down; draining in-flight requests');
    const closed = this.server ? new Promise<void>((resolve) => this.server!.close(() => resolve())) : Promise.resolve();
    this.server?.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.active === 0 ? Promise.resolve(true) : new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), config.shutdownTimeoutMs))),
    ]);
    clearTimeout(timer);
    this.server?.closeAllConnections();
    await closed;
    await Promise.all([...this.runtimes.values()].map((r) => r.pool.destroy()));
    await Promise.all([...this.retiredPools].map((p) => p.destroy()));
    if (this.admin) {
      this.admin.closeAllConnections();
      await new Promise<void>((resolve) => this.admin!.close(() => resolve()));
    }
    logger.info({ drained, left: this.active }, 'stopped');
    return drained;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Streams one proxied exchange with undici's dispatch API: no intermediate streams, and
 * backpressure from the client pauses the stamp's response.
 */
class ProxyHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private responded = false;
  private over = false;
  private closedEarly = false;

  constructor(
    private readonly gateway: Gateway,
    private readonly res: ServerResponse,
    private readonly runtime: StampRuntime,
    private readonly table: CompiledTable,
    private readonly tenant: string,
    private readonly stamp: string,
    private readonly startedMs: number,
    private readonly attempt: { readonly req: IncomingMessage; readonly replayable: boolean; readonly retried: boolean },
  ) {}

  /** Set when the stamp answered 421: its answer is dropped and the gateway decides what the client gets. */
  private misdirected = false;

  /** The client went away before its answer was complete: stop the upstream request. */
  clientClosed(): void {
    if (this.over || this.res.writableFinished) return;
    this.closedEarly = true;
    this.controller?.abort(new Error('the client closed the connection'));
  }

  private finish(success: boolean): void {
    if (this.over) return;
    this.over = true;
    this.gateway.finishForward(this.runtime, success);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.closedEarly) controller.abort(new Error('the client closed the connection'));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Readonly<Record<string, string | string[] | undefined>>): void {
    if (statusCode < 200) return;
    if (statusCode === 421) {
      this.misdirected = true;
      return;
    }
    this.responded = true;
    this.res.writeHead(statusCode, this.gateway.responseHead(statusCode, headers, this.stamp, this.table.revision));
    this.gateway.count(this.stamp, statusCode, this.startedMs);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.misdirected) return;
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.finish(true);
    if (this.misdirected) {
      if (!this.closedEarly) this.gateway.misdirected(this.attempt.req, this.res, this.tenant, this.stamp, this.startedMs, this.attempt.replayable, this.attempt.retried);
      return;
    }
    this.res.end();
  }

  /** undici would not send the request at all. */
  refused(error: Error): void {
    this.finish(true);
    this.gateway.reject(this.res, this.startedMs, 400, 'bad-request', `the request cannot be forwarded: ${error.message}`, this.table, this.tenant, this.stamp);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.closedEarly) {
      this.finish(true); // the client left; not the stamp's fault
      return;
    }
    this.finish(false);
    if (!this.responded) this.gateway.upstreamFailed(this.res, error, this.table, this.tenant, this.stamp, this.startedMs);
    else this.res.destroy(error);
  }
}
