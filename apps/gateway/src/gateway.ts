// The gateway service: own routes, identification, routing decision, fair share, back-off,
// breakers, client time limits and proxying.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, BlockList } from 'node:net';
import type { Counter, Histogram } from 'prom-client';
import type { Logger } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import { backoffAdmit, backoffRecord, retryAfterSeconds, type BackoffEntry, type BackoffPolicy } from './backoff.ts';
import {
  CLOSED,
  SUCCESS,
  breakerAbandon,
  breakerAdmit,
  breakerGaugeValue,
  breakerRecord,
  type BreakerPolicy,
  type BreakerState,
  type Outcome,
} from './breaker.ts';
import { clientAddress, isTrusted, parseTrustedProxies } from './client-address.ts';
import { expiredLimit, sweepIntervalMs, type ClientLimit, type ClientLimits } from './client-limits.ts';
import type { GatewayConfig } from './config.ts';
import { Occupancy, type Slot } from './fairness.ts';
import { REVISION_HEADER, STAMP_HEADER, checkRequestHead, requestHeadersToStamp, responseHeadersFromStamp } from './headers.ts';
import { NO_TOKEN, resolveIdentity, tenantFromHost, type Identity } from './identify.ts';
import { boundedLabel, createMetrics, type GatewayMetrics } from './metrics.ts';
import { decideRoute, type CompiledStamp, type CompiledTable } from './route.ts';
import { EPOCH_HEADER, MISDIRECTED_RETRY_AFTER_SECONDS, decideAfterMisdirected, epochOf, type MisdirectedAttempt } from './misdirected.ts';
import { TableStore, type ReloadResult } from './table-store.ts';
import type { TokenVerifier } from './token.ts';
import { classifyUpstreamError, type Verdict } from './upstream-errors.ts';

/** The gateway's own routes on the main port; tenants' paths can't start with it. */
export const OWN_PREFIX = '/.well-known/stampyard/';

/** Tenants with a back-off record kept at most; the oldest record goes first. */
const MAX_BACKOFF_ENTRIES = 10_000;

export interface GatewayDeps {
  readonly config: GatewayConfig;
  readonly upstreams: ReadonlyMap<string, string>;
  readonly logger: Logger;
  /** @default - tokens are not inspected */
  readonly verifyToken?: TokenVerifier;
  /** Called whenever the gateway becomes ready (listening with a valid table). */
  readonly onReady?: (info: { port: number; adminPort?: number; revision: string }) => void;
  /** Whether this process serves `--admin-port` itself (false in a worker: the primary does). @default true */
  readonly serveAdminPort?: boolean;
}

/** Per stamp, kept across table loads: its breaker and pool. */
export interface StampRuntime {
  readonly name: string;
  origin: string;
  pool: Pool;
  breaker: BreakerState;
}

export class Gateway {
  readonly metrics: GatewayMetrics = createMetrics(() => this.occupancy.stamps.entries());
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
  private readonly backoffPolicy: BackoffPolicy;
  private readonly clientLimits: ClientLimits;
  private readonly occupancy: Occupancy;
  /** Per-tenant back-off records, keyed `stamp/tenant`, bounded by MAX_BACKOFF_ENTRIES. */
  private readonly backoffs = new Map<string, BackoffEntry>();
  private readonly trusted: BlockList | undefined;
  private readonly tenantLabel: (tenant: string) => string;
  /** Exchanges in flight, checked by the sweeper against the client time limits. */
  readonly exchanges = new Set<ProxyHandler>();
  private sweeper: NodeJS.Timeout | undefined;
  private port = 0;
  private adminPort: number | undefined;

  constructor(private readonly deps: GatewayDeps) {
    const { config } = deps;
    this.breakerPolicy = {
      connectFailures: config.breakerConnectFailures,
      windowMs: config.breakerWindowMs,
      minRequests: config.breakerMinRequests,
      failureRatePercent: config.breakerFailureRate,
      minTenants: config.breakerMinTenants,
      minClients: config.breakerMinClients,
      cooldownMs: config.breakerCooldownMs,
    };
    this.backoffPolicy = { failures: config.tenantBackoffFailures, baseMs: config.tenantBackoffMs, maxMs: config.tenantBackoffMaxMs };
    this.clientLimits = {
      requestBodyTimeoutMs: config.requestBodyTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      clientWriteTimeoutMs: config.clientWriteTimeoutMs,
    };
    this.occupancy = new Occupancy({
      perStamp: config.maxConcurrentPerStamp,
      perTenant: config.maxConcurrentPerTenant,
      perClient: config.maxConcurrentPerClient,
    });
    const trusted = config.trustProxy ? parseTrustedProxies(config.trustProxy) : undefined;
    this.trusted = typeof trusted === 'string' ? undefined : trusted;
    this.tenantLabel = boundedLabel(config.metricsMaxTenants);
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
    this.server = createServer(
      {
        keepAliveTimeout: 65_000,
        // One more than the limit, so a request past it is seen (and refused with 431), not cut short.
        maxHeadersCount: config.maxRequestHeaders + 1,
        // Node's own limits are backstops for requests that never reach a handler (slow heads) or
        // were already answered (a refused request whose body keeps trickling in).
        headersTimeout: Math.min(config.requestTimeoutMs, Math.max(config.requestBodyTimeoutMs, 1000)),
        requestTimeout: config.requestTimeoutMs + 1000,
        connectionsCheckingInterval: 1000,
      } as Parameters<typeof createServer>[0],
      (req, res) => this.handle(req, res),
    );
    this.port = await listen(this.server, config.port, config.host);
    if (config.adminPort !== undefined && this.deps.serveAdminPort !== false) {
      this.admin = createServer((req, res) => this.handleAdmin(res, (req.url ?? '/').split('?')[0] ?? '/'));
      this.adminPort = await listen(this.admin, config.adminPort, config.host);
    }
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs(this.clientLimits));
    this.sweeper.unref();
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
      logger.error(
        { table: this.deps.config.table, error: outcome.error, keptRevision: this.store.current?.revision ?? null },
        'table rejected; keeping the last good table',
      );
      return;
    }
    if (outcome.result === 'unchanged') return;
    const { table } = outcome;
    this.syncRuntimes(table);
    this.metrics.tableRevision.reset();
    this.metrics.tableRevision.set({ revision: table.revision }, 1);
    this.metrics.tenants.set(outcome.tenants);
    logger.info(
      { revision: table.revision, tenants: outcome.tenants, stamps: table.stamps.size, ms: Math.round(outcome.ms) },
      'table loaded',
    );
    if (this.server?.listening && !this.draining) {
      this.deps.onReady?.({
        port: this.port,
        ...(this.adminPort !== undefined ? { adminPort: this.adminPort } : {}),
        revision: table.revision,
      });
    }
  }

  /** One pool per stamp; a stamp whose endpoint changed gets a new pool, the old one closes after its requests. */
  private syncRuntimes(table: CompiledTable): void {
    for (const stamp of table.stamps.values()) {
      const existing = this.runtimes.get(stamp.name);
      if (existing) {
        if (existing.origin === stamp.origin) continue;
        // The same runtime object: its breaker carries over; in-flight requests keep their slots.
        this.retire(existing.pool);
        existing.pool = this.newPool(stamp.origin);
        existing.origin = stamp.origin;
        continue;
      }
      this.runtimes.set(stamp.name, { name: stamp.name, origin: stamp.origin, pool: this.newPool(stamp.origin), breaker: CLOSED });
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
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...extra,
    };
    const revision = this.store.current?.revision;
    if (revision && headers[REVISION_HEADER] === undefined) headers[REVISION_HEADER] = revision;
    if (this.draining) headers['connection'] = 'close';
    res.writeHead(status, headers);
    res.end(text);
  }

  reject(
    res: ServerResponse,
    startedMs: number,
    status: number,
    code: string,
    message: string,
    table: CompiledTable | undefined,
    tenant?: string,
    stamp?: string,
    extra: Record<string, string> = {},
  ): void {
    if (stamp) extra[STAMP_HEADER] = stamp;
    if (table) extra[REVISION_HEADER] = table.revision;
    this.sendJson(
      res,
      status,
      { error: code, message, ...(tenant ? { tenant } : {}), ...(stamp ? { stamp } : {}), revision: table?.revision ?? null },
      extra,
    );
    this.count(stamp ?? '', status, startedMs);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const startedMs = performance.now();
    const head = checkRequestHead(
      req.rawHeaders,
      this.deps.config.maxRequestHeaders,
      req.httpVersionMajor === 1 && req.httpVersionMinor === 1,
    );
    // A malformed head says nothing reliable about where the rest of the connection's bytes belong: close it.
    if (head)
      return this.reject(res, startedMs, head.status, head.code, head.message, this.store.current, undefined, undefined, {
        connection: 'close',
      });
    const url = req.url ?? '/';
    if (url.startsWith(OWN_PREFIX)) return this.handleOwn(req, res, url, startedMs);
    if (url.charCodeAt(0) !== 47 /* '/' */)
      return this.reject(
        res,
        startedMs,
        400,
        'bad-request',
        'the request target must be a path (origin-form), e.g. GET /orders',
        this.store.current,
      );
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
    if (decision.kind === 'reject')
      return this.reject(res, startedMs, decision.status, decision.code, decision.message, table, decision.tenant, decision.stamp);
    if (decision.tokenStampMismatch) {
      this.metrics.tokenStampMismatches.inc();
      this.deps.logger.debug(
        { tenant: decision.tenant, stamp: decision.stamp.name, tokenStamp: identity.ok ? identity.tokenStamp : undefined },
        'token stamp disagrees with the table; the table wins',
      );
    }
    this.forward(req, res, table, decision.tenant, decision.stamp, identity.ok && identity.source === 'token', startedMs);
  }

  private refuse(
    res: ServerResponse,
    startedMs: number,
    reason: string,
    message: string,
    table: CompiledTable,
    tenant: string,
    stamp: string,
    retryAfterMs?: number,
  ): void {
    this.metrics.refusals.inc({ stamp, tenant: this.tenantLabel(tenant), reason });
    const extra: Record<string, string> = retryAfterMs === undefined ? {} : { 'retry-after': String(retryAfterSeconds(retryAfterMs)) };
    this.reject(res, startedMs, 503, reason === 'circuit-open' ? 'stamp-circuit-open' : reason, message, table, tenant, stamp, extra);
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    table: CompiledTable,
    tenant: string,
    stamp: CompiledStamp,
    byToken: boolean,
    startedMs: number,
    retried = false,
  ): void {
    const runtime = this.runtimes.get(stamp.name);
    if (!runtime) return this.internalError(res, new Error(`no pool for stamp ${stamp.name}`), startedMs);
    const nowMs = Date.now();
    const tenantKey = `${stamp.name}/${tenant}`;
    // Refused by its own back-off: never reaches the stamp, never counts toward its breaker.
    const backoff = this.backoffs.size === 0 ? undefined : backoffAdmit(this.backoffs.get(tenantKey), nowMs);
    if (backoff !== undefined && !backoff.allowed) {
      return this.refuse(
        res,
        startedMs,
        'tenant-backoff',
        `tenant ${tenant}'s requests keep timing out on stamp ${stamp.name}; it is backed off, retry later`,
        table,
        tenant,
        stamp.name,
        backoff.retryAfterMs,
      );
    }
    const peer = req.socket.remoteAddress ?? '';
    const client = this.trusted === undefined ? peer : clientAddress(peer, req.headers['x-forwarded-for'], this.trusted);
    const slot = this.occupancy.acquire(stamp.name, tenant, client);
    if (typeof slot === 'string') {
      const share = slot === 'client-busy' ? `client ${client}` : slot === 'tenant-busy' ? `tenant ${tenant}` : `stamp ${stamp.name}`;
      return this.refuse(
        res,
        startedMs,
        slot,
        `${share} has all the requests in flight it may have; retry later`,
        table,
        tenant,
        stamp.name,
      );
    }
    const admitted = breakerAdmit(runtime.breaker, nowMs);
    this.setBreaker(runtime, admitted.next);
    if (!admitted.allowed) {
      this.occupancy.release(slot);
      const retryMs = runtime.breaker.kind === 'open' ? runtime.breaker.untilMs - nowMs : undefined;
      return this.refuse(
        res,
        startedMs,
        'circuit-open',
        `stamp ${stamp.name} is failing; its circuit breaker is open`,
        table,
        tenant,
        stamp.name,
        retryMs,
      );
    }

    this.active++;
    const url = req.url ?? '/';
    const te = req.headers['transfer-encoding'];
    const length = req.headers['content-length'];
    const hasBody = te !== undefined || (length !== undefined && length !== '0');
    // A request without a body can be sent again after a 421; one whose body was streamed cannot.
    const handler = new ProxyHandler(this, req, res, runtime, table, tenant, slot, startedMs, req.method === 'HEAD', {
      replayable: !hasBody,
      retried,
      byToken,
    });
    this.exchanges.add(handler);
    res.once('close', () => handler.clientClosed());
    const host = req.headers.host;
    // With a token, the Host is only forwarded when it names the same tenant (or none): no other tenant's hints reach the stamp.
    const forwardHost = host === undefined || (byToken && (tenantFromHost(host, table.domain) ?? tenant) !== tenant) ? undefined : host;
    try {
      runtime.pool.dispatch(
        {
          origin: stamp.origin,
          path: stamp.basePath + url,
          method: (req.method ?? 'GET') as 'GET',
          headers: {
            ...requestHeadersToStamp(req.headers, {
              peer,
              client,
              peerTrusted: this.trusted !== undefined && isTrusted(peer, this.trusted),
              proto: 'http',
              tenant,
              ...(forwardHost !== undefined ? { host: forwardHost } : {}),
              ...(byToken ? { drop: this.deps.config.tenantHeader } : {}),
            }),
            [EPOCH_HEADER]: String(epochOf(table, tenant)), // always the table's, never the client's
          },
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
  misdirected(
    req: IncomingMessage,
    res: ServerResponse,
    tenant: string,
    refusedBy: string,
    startedMs: number,
    attempt: MisdirectedAttempt,
  ): void {
    this.metrics.misdirected.inc({ stamp: refusedBy });
    this.deps.logger.info({ tenant, stamp: refusedBy }, 'stamp answered 421: re-reading the routing table');
    this.store
      .reload()
      .then(() => {
        if (res.destroyed) return;
        const table = this.store.current;
        if (!table) return this.reject(res, startedMs, 503, 'not-ready', 'no valid routing table loaded', undefined);
        const decision = decideAfterMisdirected(table, tenant, refusedBy, attempt.replayable, attempt.retried);
        if (decision.kind === 'retry') return this.forward(req, res, table, tenant, decision.stamp, attempt.byToken, startedMs, true);
        this.reject(res, startedMs, 503, 'misdirected', decision.message, table, tenant, refusedBy, {
          'retry-after': String(MISDIRECTED_RETRY_AFTER_SECONDS),
        });
      })
      .catch((error: unknown) => this.internalError(res, error, startedMs));
  }

  /** Called by ProxyHandler once a forwarded request is over, with what it says about the stamp. */
  finishForward(handler: ProxyHandler, runtime: StampRuntime, slot: Slot, verdict: Verdict): void {
    this.exchanges.delete(handler);
    this.occupancy.release(slot);
    const nowMs = Date.now();
    if (verdict === 'abandoned') this.setBreaker(runtime, breakerAbandon(runtime.breaker));
    else {
      const outcome: Outcome =
        verdict === 'failure'
          ? { kind: 'failure', tenant: slot.tenant, client: slot.client }
          : verdict === 'connect-failure'
            ? { kind: 'connect-failure' }
            : SUCCESS;
      this.setBreaker(runtime, breakerRecord(runtime.breaker, outcome, nowMs, this.breakerPolicy));
      this.recordBackoff(slot, verdict === 'failure', nowMs);
    }
    if (--this.active === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  private recordBackoff(slot: Slot, failed: boolean, nowMs: number): void {
    if (!failed && this.backoffs.size === 0) return;
    const key = `${slot.stamp}/${slot.tenant}`;
    const before = this.backoffs.get(key);
    if (!failed && before === undefined) return;
    const next = backoffRecord(before, failed, nowMs, this.backoffPolicy);
    if (next === undefined) {
      this.backoffs.delete(key);
      return;
    }
    if (before === undefined && this.backoffs.size >= MAX_BACKOFF_ENTRIES) {
      const oldest = this.backoffs.keys().next().value;
      if (oldest !== undefined) this.backoffs.delete(oldest);
    }
    this.backoffs.set(key, next);
    if (next.untilMs > nowMs && next.untilMs !== before?.untilMs) {
      this.metrics.tenantBackoffs.inc({ stamp: slot.stamp });
      this.deps.logger.warn(
        { stamp: slot.stamp, tenant: slot.tenant, backoffMs: next.untilMs - nowMs },
        'tenant backed off: its requests keep failing on its stamp',
      );
    }
  }

  /** Headers added to every proxied response. */
  responseHead(headers: Readonly<Record<string, string | string[] | undefined>>, stamp: string, revision: string): OutgoingHttpHeaders {
    const out = responseHeadersFromStamp(headers);
    out[STAMP_HEADER] = stamp;
    out[REVISION_HEADER] = revision;
    if (this.draining) out['connection'] = 'close';
    return out;
  }

  /** An exchange with the stamp failed; answers the client if it can, and says what it means for the stamp. */
  upstreamFailed(res: ServerResponse, error: Error, table: CompiledTable, tenant: string, stamp: string, startedMs: number): Verdict {
    const failure = classifyUpstreamError(error as { code?: string; message?: string }, stamp);
    if (failure.anomaly !== undefined) {
      this.metrics.upstreamAnomalies.inc({ stamp, kind: failure.anomaly });
      this.deps.logger.warn(
        { stamp, tenant, anomaly: failure.anomaly, code: (error as { code?: string }).code, err: error.message },
        'stamp answer cannot be passed on',
      );
    } else this.deps.logger.debug({ stamp, tenant, code: failure.code, err: error }, 'upstream failed');
    if (!res.headersSent) this.reject(res, startedMs, failure.status, failure.code, failure.message, table, tenant, stamp);
    else res.destroy(error);
    return failure.verdict;
  }

  /** A client time limit ran out: answer 408 if nothing was sent yet, else cut the connection. */
  clientTimedOut(
    limit: ClientLimit,
    res: ServerResponse,
    table: CompiledTable,
    tenant: string,
    stamp: string,
    client: string,
    startedMs: number,
  ): void {
    this.metrics.clientTimeouts.inc({ limit });
    this.deps.logger.info(
      { limit, stamp, tenant, client, ms: Math.round(performance.now() - startedMs) },
      'client time limit reached; connection closed',
    );
    if (!res.headersSent && limit !== 'client-write') {
      this.reject(res, startedMs, 408, 'request-timeout', `the request did not arrive in time (${limit} limit)`, table, tenant, stamp, {
        connection: 'close',
      });
      // The rest of the body would never be read: close once the 408 is out.
      res.once('finish', () => res.socket?.destroySoon());
    } else res.destroy();
  }

  private sweep(): void {
    if (this.exchanges.size === 0) return;
    const nowMs = performance.now();
    for (const handler of this.exchanges) {
      const limit = expiredLimit(handler.progress(nowMs), nowMs, this.clientLimits);
      if (limit !== undefined) handler.cut(limit);
    }
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
    // The public port says only that the process lives, unless --public-admin.
    if (name === 'healthz' || this.deps.config.publicAdmin) return this.handleAdmin(res, `/${name}`);
    this.sendJson(res, 404, { error: 'not-found', message: `the gateway serves ${OWN_PREFIX}{healthz,route} on this port` });
  }

  /** Readiness details, for the admin port and the primary of several workers. */
  readiness(): { ready: boolean; revision: string | null; tenants: number; shuttingDown: boolean } {
    const table = this.store.current;
    return { ready: this.ready, revision: table?.revision ?? null, tenants: table?.tenantCount ?? 0, shuttingDown: this.draining };
  }

  private handleAdmin(res: ServerResponse, path: string): void {
    if (path === '/healthz') return this.sendJson(res, 200, { live: true });
    if (path === '/readyz') return this.sendJson(res, this.ready ? 200 : 503, this.readiness());
    if (path === '/metrics') {
      void this.metrics.registry.metrics().then((text) => {
        const revision = this.store.current?.revision;
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType, ...(revision ? { [REVISION_HEADER]: revision } : {}) });
        res.end(text);
      });
      return;
    }
    this.sendJson(res, 404, { error: 'not-found', message: 'the admin port serves /healthz, /readyz, /metrics' });
  }

  /** Lookup-then-direct: the identified tenant's stamp endpoint, for clients that call it directly. */
  private handleRouteLookup(req: IncomingMessage, res: ServerResponse, startedMs: number): void {
    const table = this.store.current;
    if (!table) return this.reject(res, startedMs, 503, 'not-ready', 'no valid routing table loaded yet', undefined);
    const answer = (identity: Identity): void => {
      // Where a tenant lives is not public: with tokens configured, only a verified token may ask.
      if (identity.ok && identity.source !== 'token' && this.deps.config.identify.includes('token')) {
        return this.reject(
          res,
          startedMs,
          401,
          'token-required',
          'the route lookup needs Authorization: Bearer <signed token with a tenant claim>',
          table,
        );
      }
      const decision = decideRoute(table, identity);
      if (decision.kind === 'reject')
        return this.reject(res, startedMs, decision.status, decision.code, decision.message, table, decision.tenant, decision.stamp);
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
    clearInterval(this.sweeper);
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

/** Statuses whose responses carry no body (RFC 9110 §6.4.1). */
function bodiless(status: number): boolean {
  return status === 204 || status === 304;
}

/**
 * Streams one proxied exchange with undici's dispatch API: no intermediate streams, and
 * backpressure from the client pauses the stamp's response.
 */
export class ProxyHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private responding = false;
  private over = false;
  private closedEarly = false;
  private lastBytesRead: number;
  private lastReadMs: number;
  private writeStalledSinceMs: number | undefined;
  /** Set when the stamp answered 421: its answer is dropped and the gateway decides what the client gets. */
  private misdirected = false;
  /** A bodiless answer's head, held until the stamp's answer is known to be whole. */
  private heldHead: { status: number; headers: OutgoingHttpHeaders } | undefined;

  constructor(
    private readonly gateway: Gateway,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly runtime: StampRuntime,
    private readonly table: CompiledTable,
    private readonly tenant: string,
    private readonly slot: Slot,
    private readonly startedMs: number,
    private readonly head: boolean,
    private readonly attempt: MisdirectedAttempt = { replayable: false, retried: true, byToken: false },
  ) {
    this.lastBytesRead = req.socket.bytesRead;
    this.lastReadMs = startedMs;
  }

  /** Where this exchange stands, for the client time limits. */
  progress(nowMs: number): Parameters<typeof expiredLimit>[0] {
    const bytesRead = this.req.socket?.bytesRead ?? this.lastBytesRead;
    if (bytesRead !== this.lastBytesRead) {
      this.lastBytesRead = bytesRead;
      this.lastReadMs = nowMs;
    }
    return {
      startedMs: this.startedMs,
      requestComplete: this.req.complete,
      lastReadMs: this.lastReadMs,
      responding: this.responding,
      ...(this.writeStalledSinceMs !== undefined ? { writeStalledSinceMs: this.writeStalledSinceMs } : {}),
    };
  }

  /** A client time limit ran out: stop the upstream request, free the slot, answer or close. */
  cut(limit: ClientLimit): void {
    if (this.over) return;
    this.closedEarly = true;
    this.controller?.abort(new Error(`client time limit: ${limit}`));
    this.finish('abandoned');
    this.gateway.clientTimedOut(limit, this.res, this.table, this.tenant, this.slot.stamp, this.slot.client, this.startedMs);
  }

  /** The client went away before its answer was complete: stop the upstream request. */
  clientClosed(): void {
    if (this.over || this.res.writableFinished) return;
    this.closedEarly = true;
    this.controller?.abort(new Error('the client closed the connection'));
    // Without a controller yet, onRequestStart aborts; either way the slot is freed now.
    this.finish('abandoned');
  }

  private finish(verdict: Verdict): void {
    if (this.over) return;
    this.over = true;
    this.gateway.finishForward(this, this.runtime, this.slot, verdict);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.closedEarly) controller.abort(new Error('the client closed the connection'));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): void {
    // Informational answers (102, 103) are the stamp's business, not the client's.
    if (statusCode < 200 || this.closedEarly) return;
    if (statusCode === 421) {
      this.misdirected = true;
      return;
    }
    this.responding = true;
    const out = this.gateway.responseHead(headers, this.slot.stamp, this.table.revision);
    if (bodiless(statusCode) || this.head) {
      this.heldHead = { status: statusCode, headers: out };
      return;
    }
    this.writeHead(statusCode, out);
  }

  private writeHead(statusCode: number, headers: OutgoingHttpHeaders): boolean {
    try {
      this.res.writeHead(statusCode, headers);
    } catch (error) {
      // A header Node won't send (e.g. a byte undici decoded to U+FFFD): a 502, logged and counted.
      this.responding = false;
      this.finish(this.gateway.upstreamFailed(this.res, error as Error, this.table, this.tenant, this.slot.stamp, this.startedMs));
      this.controller?.abort(error as Error);
      return false;
    }
    this.gateway.count(this.slot.stamp, statusCode, this.startedMs);
    return true;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.over || this.heldHead !== undefined || this.misdirected) return;
    if (!this.res.write(chunk)) {
      controller.pause();
      this.writeStalledSinceMs = performance.now();
      this.res.once('drain', () => {
        this.writeStalledSinceMs = undefined;
        controller.resume();
      });
    }
  }

  onResponseEnd(): void {
    if (this.over) return;
    if (this.misdirected) {
      this.finish('success'); // the stamp is healthy: it answered, it only refused a stranger
      this.gateway.misdirected(this.req, this.res, this.tenant, this.slot.stamp, this.startedMs, this.attempt);
      return;
    }
    if (this.heldHead !== undefined && !this.writeHead(this.heldHead.status, this.heldHead.headers)) return;
    this.res.end();
    this.finish('success');
  }

  /** undici would not send the request at all. */
  refused(error: Error): void {
    this.finish('abandoned');
    this.gateway.reject(
      this.res,
      this.startedMs,
      400,
      'bad-request',
      `the request cannot be forwarded: ${error.message}`,
      this.table,
      this.tenant,
      this.slot.stamp,
    );
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.over) return;
    if (this.closedEarly) {
      this.finish('abandoned'); // the client left or was cut off; not the stamp's fault
      return;
    }
    this.finish(this.gateway.upstreamFailed(this.res, error, this.table, this.tenant, this.slot.stamp, this.startedMs));
  }
}
