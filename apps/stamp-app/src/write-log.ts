// The sample app's "data": every write a tenant made, in order. It is what a
// migration copies, and what the local fleet counts to prove nothing was lost
// and no stale stamp accepted a write.
import type { ServerResponse } from 'node:http';
import type { AdminHandler } from './metrics.ts';
import type { TenantList, TenantListFile } from './tenancy.ts';

/** One accepted write. */
export interface WriteRecord {
  /** 1, 2, 3, … per tenant, across stamps (an import keeps the numbers). */
  readonly seq: number;
  /** The epoch the stamp accepted it at. */
  readonly epoch: number;
  /** The stamp that accepted it. */
  readonly stamp: string;
  readonly method: string;
  readonly path: string;
  /** The request body, as text. */
  readonly body: string;
}

/** What export answers and import takes. */
export interface TenantExport {
  readonly tenant: string;
  readonly stamp: string;
  readonly writes: readonly WriteRecord[];
}

/** Most writes kept per tenant; older ones are dropped (the sample app is not a database). */
export const MAX_WRITES_PER_TENANT = 100_000;

/** Per-tenant write logs, in memory. */
export class WriteLog {
  private readonly logs = new Map<string, WriteRecord[]>();

  constructor(private readonly stamp: string) {}

  /** Records an accepted write and returns it. */
  append(tenant: string, epoch: number, method: string, path: string, body: string): WriteRecord {
    const log = this.logs.get(tenant) ?? [];
    const record: WriteRecord = { seq: (log.at(-1)?.seq ?? 0) + 1, epoch, stamp: this.stamp, method, path, body };
    log.push(record);
    if (log.length > MAX_WRITES_PER_TENANT) log.shift();
    this.logs.set(tenant, log);
    return record;
  }

  writes(tenant: string): readonly WriteRecord[] {
    return this.logs.get(tenant) ?? [];
  }

  private readonly exported = new Set<string>();
  private readonly imported = new Set<string>();

  export(tenant: string): TenantExport {
    this.exported.add(tenant);
    return { tenant, stamp: this.stamp, writes: [...this.writes(tenant)] };
  }

  /** Whether this process exported or imported the tenant (what the `http` copy-status source asks). */
  copyStatus(tenant: string): { readonly exported: boolean; readonly imported: boolean } {
    return { exported: this.exported.has(tenant), imported: this.imported.has(tenant) };
  }

  /** Replaces the tenant's log with an export (idempotent: a retried import Job gives the same state). */
  import(data: TenantExport): number {
    this.logs.set(data.tenant, [...data.writes]);
    this.imported.add(data.tenant);
    return data.writes.length;
  }

  /** Deletes the tenant's data (the cleanup Job, once the tenant lives elsewhere). */
  delete(tenant: string): number {
    const count = this.writes(tenant).length;
    this.logs.delete(tenant);
    return count;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Biggest import body accepted. */
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

function isExport(value: unknown, tenant: string): value is TenantExport {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    v['tenant'] === tenant &&
    Array.isArray(v['writes']) &&
    v['writes'].every((w) => w !== null && typeof w === 'object' && Number.isSafeInteger((w as Record<string, unknown>)['seq']))
  );
}

/**
 * Handles the admin port's migration endpoints. Returns false for paths it doesn't own.
 * - `GET  /tenant-list` → `{ stamp, revision, tenants }` (the list this process holds)
 * - `GET  /tenants/<id>/writes` → the tenant's write log here
 * - `GET  /tenants/<id>/copy-status` → `{ exported, imported }`: whether this process exported or imported the tenant
 * - `GET  /tenants/<id>/export` → the log, only while the tenant is fenced on this stamp's list (409 otherwise: an export of a tenant still taking writes would be stale at once)
 * - `POST /tenants/<id>/import` → replaces the log, only while the tenant is not served here unfenced (409 otherwise)
 * - `DELETE /tenants/<id>` → drops the log, only when the tenant is not on this stamp's list (409 otherwise)
 */
export function migrationAdminHandler(log: WriteLog, lists: TenantListFile | undefined): AdminHandler {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const list: TenantList | undefined = lists?.current();
    if (path === '/tenant-list' && req.method === 'GET') {
      if (!list) send(res, 404, { error: 'this stamp-app runs without a tenant list (--tenant-list)' });
      else send(res, 200, { stamp: list.stamp, revision: list.revision, tenants: Object.fromEntries(list.tenants) });
      return true;
    }
    const match = /^\/tenants\/([a-z0-9-]{1,63})(\/(writes|export|import|copy-status))?$/.exec(path);
    if (!match) return false;
    const tenant = match[1]!;
    const action = match[3];
    const entry = list?.tenants.get(tenant);
    if (action === 'copy-status' && req.method === 'GET') {
      send(res, 200, { tenant, ...log.copyStatus(tenant) });
    } else if (action === 'writes' && req.method === 'GET') {
      send(res, 200, { tenant, writes: log.writes(tenant) });
    } else if (action === 'export' && req.method === 'GET') {
      if (entry?.phase === undefined)
        send(res, 409, {
          error: `tenant '${tenant}' is not fenced on this stamp's list (revision ${list?.revision ?? 'none'}); export runs only in a migration's copying phase`,
        });
      else send(res, 200, log.export(tenant));
    } else if (action === 'import' && req.method === 'POST') {
      if (entry !== undefined && entry.phase === undefined) {
        send(res, 409, {
          error: `tenant '${tenant}' is served here unfenced (list revision ${list?.revision}); importing would overwrite live data`,
        });
        req.resume();
        return true;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= MAX_IMPORT_BYTES) chunks.push(chunk);
      });
      req.on('end', () => {
        if (bytes > MAX_IMPORT_BYTES) return send(res, 413, { error: `import bodies are at most ${MAX_IMPORT_BYTES} bytes` });
        let data: unknown;
        try {
          data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch (error) {
          return send(res, 400, { error: `not JSON: ${(error as Error).message}` });
        }
        if (!isExport(data, tenant))
          return send(res, 400, { error: `the body must be an export of tenant '${tenant}' ({ tenant, writes: [...] })` });
        send(res, 200, { tenant, imported: log.import(data) });
      });
    } else if (action === undefined && req.method === 'DELETE') {
      if (entry !== undefined)
        send(res, 409, {
          error: `tenant '${tenant}' is still on this stamp's list (revision ${list?.revision}); cleanup runs only after the migration is done`,
        });
      else send(res, 200, { tenant, deleted: log.delete(tenant) });
    } else {
      send(res, 405, { error: `${req.method} ${path} is not supported` });
    }
    return true;
  };
}
