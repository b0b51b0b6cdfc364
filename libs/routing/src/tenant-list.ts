// Each stamp's own list of the tenants it may serve: the stamp's half of "never misroute".
// Derived from the routing table alone, so the two can't disagree.
import { createHash } from 'node:crypto';
import { GENERATED_MARKER, TENANT_LIST_CONFIGMAP, TENANT_LIST_KEY } from '@stampyard/stamp-spec';
import { tenantEpoch, type RoutingTable, type TenantMigrationPhase } from './table.ts';

export const TENANT_LIST_SCHEMA_VERSION = 1;

/** One tenant a stamp may serve. */
export interface StampTenantEntry {
  /** The epoch the stamp serves the tenant at; requests carrying an older `x-stampyard-epoch` get 421. */
  readonly epoch: number;
  /** Set while the tenant is migrating: the stamp answers its writes 503 + Retry-After (the fence). @default - absent */
  readonly phase?: TenantMigrationPhase;
}

/** What a stamp's api reads from its ConfigMap. */
export interface StampTenantList {
  readonly $comment: string;
  /** `sha256:<hex>` of this stamp's list alone (schemaVersion, stamp, tenants): one tenant's edit changes only its stamps' revisions. */
  readonly revision: string;
  readonly schemaVersion: typeof TENANT_LIST_SCHEMA_VERSION;
  readonly stamp: string;
  readonly tenants: Readonly<Record<string, StampTenantEntry>>;
}

/**
 * Every stamp's tenant list, by stamp name (every stamp of the table has one,
 * possibly empty). Pure. A tenant is on the list of the stamp the table routes
 * it to, at its epoch; in phase `cutover-expand` it is also on its target's
 * list at epoch + 1 (the expand half of expand-then-contract), while the table
 * still routes to the source.
 */
export function buildStampTenantLists(table: RoutingTable): Map<string, StampTenantList> {
  const entries = new Map<string, Record<string, StampTenantEntry>>();
  for (const name of Object.keys(table.stamps).sort()) entries.set(name, {});
  for (const id of Object.keys(table.tenants).sort()) {
    const tenant = table.tenants[id]!;
    const epoch = tenantEpoch(tenant);
    const phase = tenant.phase !== undefined ? { phase: tenant.phase } : {};
    entries.get(tenant.stamp)![id] = { epoch, ...phase };
    if (tenant.phase === 'cutover-expand' && tenant.migratingTo !== undefined)
      entries.get(tenant.migratingTo)![id] = { epoch: epoch + 1, ...phase };
  }
  const lists = new Map<string, StampTenantList>();
  for (const [stamp, tenants] of entries) {
    const content = { schemaVersion: TENANT_LIST_SCHEMA_VERSION, stamp, tenants };
    const revision = `sha256:${createHash('sha256').update(JSON.stringify(content)).digest('hex')}`;
    lists.set(stamp, {
      $comment: `${GENERATED_MARKER} from fleet.yaml, stamps/*.yaml, tenants/*.yaml and migrations/*.yaml. Do not edit: change the source and run npm run synth.`,
      revision,
      schemaVersion: TENANT_LIST_SCHEMA_VERSION,
      stamp,
      tenants,
    });
  }
  return lists;
}

/** A stamp's list as the JSON its api reads: one tenant per line, so a pull request shows exactly what changed. */
export function formatStampTenantList(list: StampTenantList): string {
  const ids = Object.keys(list.tenants);
  const tenants =
    ids.length === 0 ? '{}' : `{\n${ids.map((id) => `    ${JSON.stringify(id)}: ${JSON.stringify(list.tenants[id])}`).join(',\n')}\n  }`;
  return `{\n  "$comment": ${JSON.stringify(list.$comment)},\n  "revision": ${JSON.stringify(list.revision)},\n  "schemaVersion": ${list.schemaVersion},\n  "stamp": ${JSON.stringify(list.stamp)},\n  "tenants": ${tenants}\n}\n`;
}

/** The ConfigMap holding a stamp's list, in the stamp's namespace (its name), for the apps layer. */
export function stampTenantListConfigMap(list: StampTenantList): {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  data: Record<string, string>;
} {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: TENANT_LIST_CONFIGMAP,
      namespace: list.stamp,
      labels: {
        'app.kubernetes.io/instance': list.stamp,
        'app.kubernetes.io/managed-by': 'stampyard',
        'app.kubernetes.io/name': 'tenant-list',
        'app.kubernetes.io/part-of': 'stampyard',
        'stampyard.dev/stamp': list.stamp,
      },
      annotations: { 'stampyard.dev/tenant-list-revision': list.revision },
    },
    data: { [TENANT_LIST_KEY]: formatStampTenantList(list) },
  };
}
