// Residency zones' central telemetry and usage lakes: derived facts and the fleet-wide rules over them.
import type { Issue } from './errors.ts';
import { residencyZones } from './derive.ts';
import { issueAt } from './source.ts';
import type { LoadedFleet } from './load.ts';
import type { FleetSpec, Stamp, ZoneSettings } from './schema.ts';

/** The settings of a stamp's zone (`spec.zones.<zone>`), or undefined when the zone has none. */
export function stampZoneSettings(fleet: FleetSpec, stamp: Stamp): ZoneSettings | undefined {
  const zone = fleet.regions[stamp.spec.region]?.zone;
  return zone === undefined ? undefined : fleet.zones[zone];
}

/** An endpoint or lake URL in a form where two spellings of one place compare equal. */
function canonical(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '');
  return `${parsed.protocol}//${parsed.hostname.toLowerCase().replace(/\.$/, '')}:${port}${parsed.pathname.replace(/\/+$/, '')}`;
}

/**
 * The residency rules for telemetry and lakes. Pure.
 * - every key of spec.zones is a zone of the region catalog;
 * - each zone has its own telemetry endpoint and its own lake (EU telemetry never goes to a US collector);
 * - once one zone has an endpoint (or a lake), every zone has one, so no zone's stamps go unmonitored unnoticed;
 * - a lake needs spec.components.usageExporter, the image its CronJob runs.
 */
export function checkZoneRules(loaded: LoadedFleet): Issue[] {
  const { spec } = loaded.fleet;
  const source = loaded.fleetSource;
  const issues: Issue[] = [];
  const known = residencyZones(spec);
  const zones = Object.keys(spec.zones);
  for (const zone of zones) {
    if (!known.includes(zone)) {
      issues.push(
        issueAt(source, ['spec', 'zones', zone], `'${zone}' is not a residency zone of spec.regions; use one of ${known.join(', ')}`, true),
      );
    }
  }
  const distinct = (
    field: 'telemetry' | 'lake',
    value: (z: ZoneSettings) => string | undefined,
    path: (zone: string) => (string | number)[],
    what: string,
  ) => {
    const seen = new Map<string, string>();
    for (const zone of zones) {
      const url = value(spec.zones[zone]!);
      if (url === undefined) continue;
      const key = canonical(url);
      const other = seen.get(key);
      if (other !== undefined) {
        issues.push(
          issueAt(
            source,
            path(zone),
            `${url} is also zone '${other}'s ${what}; each zone needs its own, inside the zone, so one zone's data never reaches another's`,
          ),
        );
      } else {
        seen.set(key, zone);
      }
    }
    if (seen.size > 0) {
      for (const zone of known) {
        if (value(spec.zones[zone] ?? {}) === undefined) {
          const where = zone in spec.zones ? ['spec', 'zones', zone] : ['spec', 'zones'];
          issues.push(
            issueAt(
              source,
              where,
              `zone '${zone}' has no ${what} while ${[...seen.values()].join(', ')} ${seen.size === 1 ? 'has' : 'have'} one; set spec.zones.${zone}.${field === 'telemetry' ? 'telemetry.endpoint' : 'lake'}`,
            ),
          );
        }
      }
    }
  };
  distinct(
    'telemetry',
    (z) => z.telemetry?.endpoint,
    (zone) => ['spec', 'zones', zone, 'telemetry', 'endpoint'],
    'telemetry endpoint',
  );
  distinct(
    'lake',
    (z) => z.lake,
    (zone) => ['spec', 'zones', zone, 'lake'],
    'lake',
  );
  const lakeZone = zones.find((z) => spec.zones[z]!.lake !== undefined);
  if (lakeZone !== undefined && spec.components.usageExporter === undefined) {
    issues.push(
      issueAt(
        source,
        ['spec', 'zones', lakeZone, 'lake'],
        `zone '${lakeZone}' has a lake but spec.components.usageExporter is not set; add the image of the stampyard CLI, e.g. { repository: ghcr.io/acme/stampyard, tag: 0.1.0 }`,
      ),
    );
  }
  return issues;
}
