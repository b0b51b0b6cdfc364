// Which tenants this stamp may serve, and how: the stamp's own guard against misrouting.
// The list is the stamp's tenant-list ConfigMap (rendered by `stampyard synth`), read
// from a file. Nothing of Stampyard's libraries is imported: the format is the contract.
import { readFileSync, statSync } from 'node:fs';

/** One tenant on the list. */
export interface TenantListEntry {
  /** The epoch this stamp serves the tenant at. */
  readonly epoch: number;
  /** Set while the tenant migrates: writes are fenced. @default - absent */
  readonly phase?: string;
}

/** The stamp's tenant list, as synth renders it. */
export interface TenantList {
  readonly revision: string;
  readonly stamp: string;
  readonly tenants: ReadonlyMap<string, TenantListEntry>;
}

/** Seconds a fenced write is told to wait before retrying. */
export const FENCE_RETRY_AFTER_SECONDS = 5;

/** Methods that don't write; everything else is fenced while a tenant migrates. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Parses a tenant list. Pure. Refuses a list written for another stamp. */
export function parseTenantList(
  text: string,
  stamp: string,
): { readonly ok: true; readonly list: TenantList } | { readonly ok: false; readonly error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  const record = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!record(data)) return { ok: false, error: 'the list must be a JSON object' };
  if (data['schemaVersion'] !== 1)
    return { ok: false, error: `schemaVersion must be 1, received ${JSON.stringify(data['schemaVersion'])}` };
  if (typeof data['revision'] !== 'string' || data['revision'] === '') return { ok: false, error: 'revision must be a non-empty string' };
  if (data['stamp'] !== stamp)
    return {
      ok: false,
      error: `the list is for stamp ${JSON.stringify(data['stamp'])}, not ${JSON.stringify(stamp)}; mount this stamp's own ConfigMap`,
    };
  const tenants = data['tenants'];
  if (!record(tenants)) return { ok: false, error: 'tenants must be an object' };
  const out = new Map<string, TenantListEntry>();
  for (const [id, entry] of Object.entries(tenants)) {
    if (!record(entry) || !Number.isSafeInteger(entry['epoch']) || (entry['epoch'] as number) < 0)
      return { ok: false, error: `tenants.${id}.epoch must be a whole number ≥ 0` };
    if (entry['phase'] !== undefined && typeof entry['phase'] !== 'string')
      return { ok: false, error: `tenants.${id}.phase must be a string` };
    out.set(id, { epoch: entry['epoch'] as number, ...(typeof entry['phase'] === 'string' ? { phase: entry['phase'] } : {}) });
  }
  return { ok: true, list: { revision: data['revision'], stamp, tenants: out } };
}

/** What the stamp does with one request. */
export type Admission =
  | { readonly kind: 'serve'; readonly tenant: string; readonly epoch: number; readonly write: boolean }
  /** 421: not this stamp's tenant (or not at this epoch); the stamp did not process the request. */
  | {
      readonly kind: 'misdirected';
      readonly tenant: string | null;
      readonly reason: 'no-tenant' | 'not-on-list' | 'stale-epoch';
      readonly epoch?: number;
    }
  /** 503 + Retry-After: a write for a migrating tenant, or a request from a newer epoch than this stamp's list (its list is catching up). */
  | { readonly kind: 'unavailable'; readonly tenant: string; readonly reason: 'fenced' | 'list-behind'; readonly epoch: number };

/**
 * Decides one request. Pure. Invariant: a request is served only for a tenant
 * on the list, at the list's epoch or without an epoch header (a direct caller),
 * and a write only when the tenant is not migrating; so two stamps never accept
 * a write for the same epoch, since a tenant is on two lists only while fenced.
 * `requestEpoch` is the `x-stampyard-epoch` header as received (undefined when absent).
 */
export function decideAdmission(list: TenantList, tenant: string | null, method: string, requestEpoch: string | undefined): Admission {
  if (tenant === null) return { kind: 'misdirected', tenant: null, reason: 'no-tenant' };
  const entry = list.tenants.get(tenant);
  if (!entry) return { kind: 'misdirected', tenant, reason: 'not-on-list' };
  if (requestEpoch !== undefined) {
    // A malformed header can't prove it is current: treat it as older than any epoch.
    const epoch = /^\d{1,15}$/.test(requestEpoch) ? Number(requestEpoch) : -1;
    if (epoch < entry.epoch) return { kind: 'misdirected', tenant, reason: 'stale-epoch', epoch: entry.epoch };
    if (epoch > entry.epoch) return { kind: 'unavailable', tenant, reason: 'list-behind', epoch: entry.epoch };
  }
  const write = !SAFE_METHODS.has(method.toUpperCase());
  if (write && entry.phase !== undefined) return { kind: 'unavailable', tenant, reason: 'fenced', epoch: entry.epoch };
  return { kind: 'serve', tenant, epoch: entry.epoch, write };
}

/**
 * The list file, re-read when it changes. The kubelet swaps a mounted
 * ConfigMap in place (a symlink rename), so every check stats the file
 * (identity, size, mtime) and re-parses only on a change: the first request
 * after the swap already sees the new list, with no polling interval to wait
 * for. A broken new file keeps the last good list (and is reported once).
 */
export class TenantListFile {
  private list: TenantList;
  private key: string;
  private reported = '';

  /** Reads the list; throws when it can't be read or parsed (the app must not start without it). */
  constructor(
    private readonly path: string,
    private readonly stamp: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.key = this.statKey();
    const parsed = parseTenantList(readFileSync(path, 'utf8'), stamp);
    if (!parsed.ok) throw new Error(`${path}: ${parsed.error}`);
    this.list = parsed.list;
  }

  /** The current list. */
  current(): TenantList {
    let key: string;
    try {
      key = this.statKey();
    } catch {
      return this.list; // mid-swap or removed: keep serving the last good list
    }
    if (key === this.key) return this.list;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return this.list;
    }
    const parsed = parseTenantList(text, this.stamp);
    if (parsed.ok) {
      this.list = parsed.list;
      this.key = key;
    } else if (this.reported !== key) {
      this.reported = key;
      this.warn(`tenant list ${this.path}: ${parsed.error}; keeping revision ${this.list.revision}`);
    }
    return this.list;
  }

  private statKey(): string {
    const s = statSync(this.path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  }
}
