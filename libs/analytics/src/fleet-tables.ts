// The `stamps` and `tenants` views: placement and versions from the fleet files, as rows. Pure.
import { stampZone, type LoadedFleet } from '@stampyard/stamp-spec';

export interface StampRow {
  readonly name: string;
  readonly region: string;
  readonly zone: string;
  readonly wave: number;
  readonly version: string;
  readonly capacity: number;
  readonly size: string;
  readonly status: string;
  /** The tenant a dedicated stamp serves; null when shared. */
  readonly dedicatedTo: string | null;
}

export interface TenantRow {
  readonly id: string;
  /** The stamp the tenant is bound to; null when not placed yet. */
  readonly stamp: string | null;
  /** The zone of that stamp, or the tenant's residency when not placed. */
  readonly zone: string;
  readonly residency: string;
  readonly weight: number;
  readonly isolation: string;
  readonly status: string;
}

/** Column name → DuckDB type of each fleet table, in order. */
export const STAMP_COLUMNS = [
  ['name', 'VARCHAR'],
  ['region', 'VARCHAR'],
  ['zone', 'VARCHAR'],
  ['wave', 'INTEGER'],
  ['version', 'VARCHAR'],
  ['capacity', 'INTEGER'],
  ['size', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['dedicated_to', 'VARCHAR'],
] as const;
export const TENANT_COLUMNS = [
  ['id', 'VARCHAR'],
  ['stamp', 'VARCHAR'],
  ['zone', 'VARCHAR'],
  ['residency', 'VARCHAR'],
  ['weight', 'INTEGER'],
  ['isolation', 'VARCHAR'],
  ['status', 'VARCHAR'],
] as const;

/** The stamps and tenants of the given zones, sorted by name and id. */
export function fleetTables(fleet: LoadedFleet, zones: readonly string[]): { stamps: StampRow[]; tenants: TenantRow[] } {
  const spec = fleet.fleet.spec;
  const zoneOf = new Map<string, string>();
  const stamps: StampRow[] = [];
  for (const { stamp } of fleet.stamps) {
    const zone = stampZone(spec, stamp);
    if (zone === undefined) continue;
    zoneOf.set(stamp.metadata.name, zone);
    if (!zones.includes(zone)) continue;
    stamps.push({
      name: stamp.metadata.name,
      region: stamp.spec.region,
      zone,
      wave: stamp.spec.wave,
      version: stamp.spec.version,
      capacity: stamp.spec.capacity,
      size: stamp.spec.size,
      status: stamp.spec.status,
      dedicatedTo: stamp.spec.dedicatedTo ?? null,
    });
  }
  const tenants: TenantRow[] = [];
  for (const { list } of fleet.tenantLists) {
    for (const tenant of list.items) {
      const zone = tenant.stamp !== undefined ? zoneOf.get(tenant.stamp) : tenant.residency;
      if (zone === undefined || !zones.includes(zone)) continue;
      tenants.push({
        id: tenant.id,
        stamp: tenant.stamp ?? null,
        zone,
        residency: tenant.residency,
        weight: tenant.weight,
        isolation: tenant.isolation,
        status: tenant.status,
      });
    }
  }
  return { stamps: stamps.sort((a, b) => (a.name < b.name ? -1 : 1)), tenants: tenants.sort((a, b) => (a.id < b.id ? -1 : 1)) };
}
