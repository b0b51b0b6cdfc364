// The routing table: the one artifact the gateway, DNS and nginx all read.
// Its format is a contract; bump schemaVersion for any breaking change.
import { createHash } from 'node:crypto';

export const ROUTING_SCHEMA_VERSION = 1;

export interface StampRoute {
  /** Base URL of the stamp's front door, e.g. `https://stamp-eu-1.stamps.example.com`. */
  readonly endpoint: string;
  readonly region: string;
  /** Data-residency zone of the stamp's region. */
  readonly residency: string;
  /** draining stamps still serve their tenants; they only take no new ones. */
  readonly status: 'active' | 'draining';
}

export interface TenantRoute {
  readonly stamp: string;
  readonly status: 'active' | 'suspended';
  /** The stamp the tenant was moved from, when it was moved. @default - absent */
  readonly previousStamp?: string;
  /**
   * Bumped by each migration cutover. The gateway sends it as `x-stampyard-epoch`; a stamp refuses (421)
   * a request whose epoch is older than the one on its tenant list.
   * @default 0 (absent)
   */
  readonly epoch?: number;
  /** Set while the tenant is being migrated: its writes are fenced (503 + Retry-After). @default - absent (not migrating) */
  readonly phase?: TenantMigrationPhase;
  /** The stamp the tenant is migrating to, while it is migrating. @default - absent */
  readonly migratingTo?: string;
}

/** A migration's phase as the table carries it (libs/stamp-spec's `MigrationPhase` without `done`, which lifts the fence). */
export type TenantMigrationPhase = 'fenced' | 'copying' | 'cutover-expand' | 'cutover-contract';

/** The header the gateway sends with the tenant's epoch. */
export const EPOCH_HEADER = 'x-stampyard-epoch';

/** The tenant's epoch (0 when the table leaves it out). */
export function tenantEpoch(tenant: TenantRoute): number {
  return tenant.epoch ?? 0;
}

/** The table's content without its revision, which is derived from it. */
export interface RoutingTableContent {
  readonly $comment?: string;
  readonly schemaVersion: typeof ROUTING_SCHEMA_VERSION;
  readonly domain: string;
  readonly stamps: Readonly<Record<string, StampRoute>>;
  readonly tenants: Readonly<Record<string, TenantRoute>>;
}

export interface RoutingTable extends RoutingTableContent {
  /** `sha256:<hex>` of the canonical content (every key but `revision`, keys sorted, compact). */
  readonly revision: string;
}

/** Deep copy with object keys sorted, so equal tables serialize to equal bytes. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out as T;
  }
  return value;
}

/** The revision of a table's content. */
export function computeRevision(content: RoutingTableContent | RoutingTable): string {
  const { revision: _ignored, ...rest } = content as RoutingTable;
  return sha256(JSON.stringify(sortKeys(rest)));
}

/**
 * Whether a table's revision matches its content. A sealed table's keys are
 * already in canonical order, so hashing it as it is settles the common case
 * without the deep copy that sorting needs (the gateway checks every reload of
 * up to 100,000 tenants); a match proves the content is the sealed one.
 */
export function revisionMatches(table: RoutingTable): boolean {
  const { revision, ...rest } = table;
  return sha256(JSON.stringify(rest)) === revision || computeRevision(table) === revision;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** Adds the revision to a table's content, keys sorted. */
export function sealRoutingTable(content: RoutingTableContent): RoutingTable {
  return sortKeys({ ...content, revision: computeRevision(content) });
}

/** The outcome of looking up a tenant. Unknown is explicit: there is never a default stamp. */
export type TenantLookup =
  | {
      readonly found: true;
      readonly tenantId: string;
      readonly tenant: TenantRoute;
      readonly stampName: string;
      readonly stamp: StampRoute;
    }
  | { readonly found: false; readonly tenantId: string; readonly reason: 'unknown-tenant' };

/** Looks up a tenant. A table that passed validation always has the tenant's stamp. */
export function lookupTenant(table: RoutingTable, tenantId: string): TenantLookup {
  const tenant = Object.hasOwn(table.tenants, tenantId) ? table.tenants[tenantId] : undefined;
  if (!tenant) return { found: false, tenantId, reason: 'unknown-tenant' };
  const stamp = table.stamps[tenant.stamp]!;
  return { found: true, tenantId, tenant, stampName: tenant.stamp, stamp };
}
