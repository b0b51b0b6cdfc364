// The routing table compiled for the hot path, and the pure routing decision.
import type { RoutingTable } from '@stampyard/routing';
import type { Identity } from './identify.ts';

export interface CompiledStamp {
  readonly name: string;
  /** The base URL requests go to: the `--upstreams` override, else the table's endpoint. */
  readonly endpoint: string;
  /** `scheme://host:port` of the endpoint, the key of its connection pool. */
  readonly origin: string;
  /** The endpoint's path without a trailing slash ('' for none); prefixed to the request path. */
  readonly basePath: string;
  readonly status: 'active' | 'draining';
}

export interface CompiledTenant {
  readonly stamp: CompiledStamp;
  readonly suspended: boolean;
}

/** A validated table, indexed once per load so every lookup is one Map get. */
export interface CompiledTable {
  readonly revision: string;
  readonly domain: string;
  readonly stamps: ReadonlyMap<string, CompiledStamp>;
  readonly tenants: ReadonlyMap<string, CompiledTenant>;
}

/** Indexes a table that passed `parseRoutingTable`. `upstreams` overrides stamp endpoints by name. */
export function compileTable(table: RoutingTable, upstreams: ReadonlyMap<string, string>): CompiledTable {
  const stamps = new Map<string, CompiledStamp>();
  for (const [name, route] of Object.entries(table.stamps)) {
    const endpoint = upstreams.get(name) ?? route.endpoint;
    const url = new URL(endpoint);
    stamps.set(name, { name, endpoint, origin: url.origin, basePath: url.pathname.replace(/\/+$/, ''), status: route.status });
  }
  const tenants = new Map<string, CompiledTenant>();
  for (const [id, route] of Object.entries(table.tenants)) {
    // parseRoutingTable guarantees the stamp exists; a table that slipped past it is a bug.
    const stamp = stamps.get(route.stamp);
    if (!stamp) throw new Error(`tenant ${id} names stamp ${route.stamp}, which is not in the table; the table was not validated`);
    tenants.set(id, { stamp, suspended: route.status === 'suspended' });
  }
  return { revision: table.revision, domain: table.domain, stamps, tenants };
}

export type RouteDecision =
  | { readonly kind: 'forward'; readonly tenant: string; readonly stamp: CompiledStamp; readonly tokenStampMismatch: boolean }
  | { readonly kind: 'reject'; readonly status: number; readonly code: string; readonly message: string; readonly tenant?: string; readonly stamp?: string };

/**
 * Where a request goes. The stamp always comes from the table: never a default,
 * never a guess, and never the token's `stamp` claim when the table disagrees.
 */
export function decideRoute(table: CompiledTable, identity: Identity): RouteDecision {
  if (!identity.ok) return { kind: 'reject', status: identity.status, code: identity.code, message: identity.message };
  const entry = table.tenants.get(identity.tenant);
  if (!entry) return { kind: 'reject', status: 404, code: 'unknown-tenant', message: `tenant ${identity.tenant} is not in the routing table`, tenant: identity.tenant };
  if (entry.suspended) {
    return { kind: 'reject', status: 403, code: 'tenant-suspended', message: `tenant ${identity.tenant} is suspended`, tenant: identity.tenant, stamp: entry.stamp.name };
  }
  const tokenStampMismatch = identity.tokenStamp !== undefined && identity.tokenStamp !== entry.stamp.name;
  return { kind: 'forward', tenant: identity.tenant, stamp: entry.stamp, tokenStampMismatch };
}
