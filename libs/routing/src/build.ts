// The routing table from the fleet's files: every tenant, the stamp it is bound to.
import {
  GENERATED_MARKER,
  ValidationError,
  checkRenderable,
  stampHost,
  stampZone,
  unknownStampIssue,
  type Issue,
  type LoadedFleet,
} from '@stampyard/stamp-spec';
import { createHash } from 'node:crypto';
import { ROUTING_SCHEMA_VERSION, type RoutingTable, type RoutingTableContent, type StampRoute, type TenantRoute } from './table.ts';

/** What every routing artifact is generated from. */
export const ROUTING_SOURCES = 'fleet.yaml, stamps/*.yaml and tenants/*.yaml';

/** The `$comment` of the JSON table: the generated header, as JSON can't hold comments. */
export const ROUTING_TABLE_COMMENT = `${GENERATED_MARKER} from ${ROUTING_SOURCES}. Do not edit: change the source and run npm run synth.`;

/**
 * Builds and seals the routing table. Pure. Throws ValidationError naming the
 * file:line of every tenant without a stamp (run `stampyard tenants place`).
 */
export function buildRoutingTable(fleet: LoadedFleet): RoutingTable {
  const spec = fleet.fleet.spec;
  const stamps: Record<string, StampRoute> = {};
  for (const { stamp } of fleet.stamps) {
    stamps[stamp.metadata.name] = {
      endpoint: `https://${stampHost(spec, stamp)}`,
      region: stamp.spec.region,
      residency: stampZone(spec, stamp) ?? '',
      status: stamp.spec.status,
    };
  }
  const tenants: Record<string, TenantRoute> = {};
  // The same rules, in the same words, as validate and synth.
  const issues: Issue[] = checkRenderable(fleet);
  const migrating = new Map((fleet.migrations ?? []).map(({ migration }) => [migration.metadata.name, migration] as const));
  for (const { list, source } of fleet.tenantLists) {
    list.items.forEach((tenant, index) => {
      if (tenant.stamp === undefined) return;
      if (!Object.hasOwn(stamps, tenant.stamp)) {
        issues.push(unknownStampIssue(source, index, tenant.stamp, Object.keys(stamps)));
        return;
      }
      const migration = migrating.get(tenant.id);
      const phase = migration?.status.phase;
      // Keys in sorted order: the table's revision hashes this object as it is.
      tenants[tenant.id] = {
        ...(tenant.epoch ? { epoch: tenant.epoch } : {}),
        ...(migration && phase !== 'done' && phase !== 'cutover-contract' ? { migratingTo: migration.spec.to } : {}),
        ...(phase !== undefined && phase !== 'done' ? { phase } : {}),
        ...(tenant.previousStamp !== undefined ? { previousStamp: tenant.previousStamp } : {}),
        stamp: tenant.stamp,
        status: tenant.status,
      };
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return sealSorted({
    $comment: ROUTING_TABLE_COMMENT,
    domain: spec.domain,
    schemaVersion: ROUTING_SCHEMA_VERSION,
    stamps: sorted(stamps),
    tenants: sorted(tenants),
  });
}

/** A copy with keys inserted in sorted order (entries' own keys are already sorted). */
function sorted<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key]!;
  return out;
}

/**
 * What `sealRoutingTable` does, without its two deep copies (1 s at 100,000
 * tenants): every object here already has its keys in sorted order, so the
 * compact JSON is the canonical content. The tests check the revision with
 * `computeRevision`.
 */
function sealSorted(content: Omit<RoutingTableContent, 'revision'>): RoutingTable {
  const revision = `sha256:${createHash('sha256').update(JSON.stringify(content)).digest('hex')}`;
  const { $comment, domain, schemaVersion, stamps, tenants } = content;
  return { $comment, domain, revision, schemaVersion, stamps, tenants } as RoutingTable;
}

/**
 * The table as committed: valid JSON, keys sorted, one stamp or tenant per line
 * so a pull request shows exactly the tenants that changed.
 */
export function formatRoutingTable(table: RoutingTable): string {
  const lines: string[] = ['{'];
  const keys = Object.keys(table).sort();
  keys.forEach((key, i) => {
    const value = (table as unknown as Record<string, unknown>)[key];
    const comma = i < keys.length - 1 ? ',' : '';
    if (value !== null && typeof value === 'object') {
      const entries = Object.keys(value).sort();
      if (entries.length === 0) {
        lines.push(`  ${JSON.stringify(key)}: {}${comma}`);
        return;
      }
      lines.push(`  ${JSON.stringify(key)}: {`);
      entries.forEach((name, j) => {
        const entry = (value as Record<string, unknown>)[name];
        lines.push(`    ${JSON.stringify(name)}: ${JSON.stringify(entry)}${j < entries.length - 1 ? ',' : ''}`);
      });
      lines.push(`  }${comma}`);
    } else {
      lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)}${comma}`);
    }
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
