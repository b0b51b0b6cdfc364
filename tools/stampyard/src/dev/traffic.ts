// Requests through the gateway for a sample of tenants: which stamp served each,
// against the stamp the routing table says.
import type { RoutingTable } from '@stampyard/routing';
import { httpGet, jsonObject } from './http.ts';

/** One tenant's request through the gateway. */
export interface RouteCheck {
  readonly tenant: string;
  /** The stamp the routing table binds the tenant to. */
  readonly expectedStamp: string;
  /** The stamp that answered, from the stamp-app's JSON; undefined when none did. */
  readonly servedStamp?: string;
  /** The version the answering stamp-app reported. */
  readonly servedVersion?: string;
  /** HTTP status from the gateway; 0 when the request failed. */
  readonly status: number;
  /** Why it failed, when it did. */
  readonly error?: string;
  readonly ok: boolean;
}

/**
 * Up to `count` active tenants, spread over the stamps: the first tenant (by id) of
 * every stamp, then the second of every stamp, and so on; sorted by id. Pure.
 */
export function sampleTenants(table: RoutingTable, count: number): string[] {
  const byStamp = new Map<string, string[]>();
  for (const id of Object.keys(table.tenants).sort()) {
    const route = table.tenants[id]!;
    if (route.status !== 'active') continue;
    byStamp.set(route.stamp, [...(byStamp.get(route.stamp) ?? []), id]);
  }
  const queues = [...byStamp.keys()].sort().map((stamp) => byStamp.get(stamp)!);
  const picked: string[] = [];
  for (let round = 0; picked.length < count && queues.some((q) => q.length > round); round++) {
    for (const queue of queues) {
      const id = queue[round];
      if (id !== undefined && picked.length < count) picked.push(id);
    }
  }
  return picked.sort();
}

/** Sends one request per tenant through the gateway on `port`, identified by `Host: <tenant>.<domain>`. */
export async function checkRoutes(port: number, table: RoutingTable, tenants: readonly string[]): Promise<RouteCheck[]> {
  const checks: RouteCheck[] = [];
  for (const tenant of tenants) {
    const expectedStamp = table.tenants[tenant]?.stamp ?? '(not in the table)';
    try {
      const answer = await httpGet(port, '/orders', { host: `${tenant}.${table.domain}` });
      const body = jsonObject(answer.body);
      const servedStamp = typeof body?.['stamp'] === 'string' ? body['stamp'] : undefined;
      const servedVersion = typeof body?.['version'] === 'string' ? body['version'] : undefined;
      const ok = answer.status === 200 && servedStamp === expectedStamp;
      checks.push({
        tenant,
        expectedStamp,
        servedStamp,
        servedVersion,
        status: answer.status,
        ok,
        ...(ok ? {} : { error: `HTTP ${answer.status} ${answer.body.slice(0, 160)}` }),
      });
    } catch (error) {
      checks.push({ tenant, expectedStamp, status: 0, ok: false, error: (error as Error).message });
    }
  }
  return checks;
}

/** Asks for a tenant that no table holds; the gateway must refuse it (4xx) and never pick a stamp. */
export async function checkUnknownTenant(port: number, table: RoutingTable): Promise<{ status: number; ok: boolean }> {
  const tenant = 'no-such-tenant-stampyard-dev';
  try {
    const answer = await httpGet(port, '/orders', { host: `${tenant}.${table.domain}` });
    return { status: answer.status, ok: answer.status >= 400 && answer.status < 500 };
  } catch {
    return { status: 0, ok: false };
  }
}
