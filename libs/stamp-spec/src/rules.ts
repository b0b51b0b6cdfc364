// Fleet-wide rules: the checks no single file can make on its own.
import type { Issue } from './errors.ts';
import { parseIpv4Cidr, rangesOverlap, nextFreeCidr, type Ipv4Range } from './cidr.ts';
import { catalogEntry, residencyZones, stampZone } from './derive.ts';
import { issueAt } from './source.ts';
import type { LoadedFleet, LoadedStamp } from './load.ts';
import type { Tenant } from './schema.ts';

const DEFAULT_POOL = '10.0.0.0/8';

/**
 * Every fleet-wide rule over stamps and tenants. Pure; returns the issues found.
 * `invalidStamps` names stamps whose files failed on their own, so tenants bound to them are not flagged too.
 */
export function checkFleetRules(loaded: LoadedFleet, invalidStamps: ReadonlySet<string> = new Set()): Issue[] {
  return [...checkStampRules(loaded), ...checkTenantRules(loaded, invalidStamps)];
}

function checkStampRules(loaded: LoadedFleet): Issue[] {
  const { spec } = loaded.fleet;
  const issues: Issue[] = [];
  const byName = new Map<string, LoadedStamp>();
  const ranges: { stamp: LoadedStamp; range: Ipv4Range }[] = [];
  const dedicated = new Map<string, LoadedStamp>();
  const versions = spec.releases.map((r) => r.version);

  for (const entry of loaded.stamps) {
    const { stamp, source } = entry;
    const name = stamp.metadata.name;
    const fileName = source.path.split('/').pop()!.replace(/\.ya?ml$/, '');
    if (name !== fileName) {
      issues.push(issueAt(source, ['metadata', 'name'], `'${name}' does not match the file name; rename the file to stamps/${name}.yaml or set metadata.name to '${fileName}'`));
    }
    const other = byName.get(name);
    if (other) {
      issues.push(issueAt(source, ['metadata', 'name'], `'${name}' is already used by ${other.source.path}; stamp names are unique`));
    } else {
      byName.set(name, entry);
    }
    if (catalogEntry(spec.regions, stamp.spec.region) === undefined) {
      issues.push(issueAt(source, ['spec', 'region'], `'${stamp.spec.region}' is not in the region catalog; use one of ${Object.keys(spec.regions).sort().join(', ')} or add it to fleet.yaml spec.regions`));
    }
    if (catalogEntry(spec.sizes, stamp.spec.size) === undefined) {
      issues.push(issueAt(source, ['spec', 'size'], `'${stamp.spec.size}' is not a size profile; use one of ${Object.keys(spec.sizes).join(', ')}`));
    }
    if (!versions.includes(stamp.spec.version)) {
      issues.push(issueAt(source, ['spec', 'version'], `'${stamp.spec.version}' is not in the release catalog; use one of ${versions.join(', ')} or add it to fleet.yaml spec.releases`));
    }
    const tenant = stamp.spec.dedicatedTo;
    if (tenant !== undefined) {
      const first = dedicated.get(tenant);
      if (first) {
        issues.push(issueAt(source, ['spec', 'dedicatedTo'], `tenant '${tenant}' is already dedicated on ${first.stamp.metadata.name}; a tenant is dedicated on at most one stamp`));
      } else {
        dedicated.set(tenant, entry);
      }
    }
    const range = parseIpv4Cidr(stamp.spec.network.cidr);
    if (typeof range !== 'string') ranges.push({ stamp: entry, range });
  }

  const taken = ranges.map((r) => r.range);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (rangesOverlap(a.range, b.range)) {
        const free = nextFreeCidr(spec.network.pool ?? DEFAULT_POOL, a.range.prefixLength, taken);
        issues.push(
          issueAt(a.stamp.source, ['spec', 'network', 'cidr'], `${a.range.cidr} overlaps ${b.stamp.stamp.metadata.name} (${b.range.cidr}); pick a free range${free ? `, e.g. ${free}` : ''}`),
        );
      }
    }
  }
  return issues;
}

function checkTenantRules(loaded: LoadedFleet, invalidStamps: ReadonlySet<string>): Issue[] {
  const { spec } = loaded.fleet;
  const issues: Issue[] = [];
  const zones = residencyZones(spec);
  const stamps = new Map(loaded.stamps.map((s) => [s.stamp.metadata.name, s.stamp]));
  const seen = new Map<string, string>();
  const load = new Map<string, { weight: number; first: { list: number; index: number } }>();

  loaded.tenantLists.forEach((entry, listIndex) => {
    entry.list.items.forEach((tenant: Tenant, index) => {
      const at = (field: string) => ['items', index, field];
      const where = seen.get(tenant.id);
      if (where) {
        issues.push(issueAt(entry.source, at('id'), `'${tenant.id}' is already defined in ${where}; tenant ids are unique across all tenant files`));
        return;
      }
      seen.set(tenant.id, entry.source.path);
      if (stamps.has(tenant.id)) {
        // <id>.<domain> would name both the tenant and the stamp's own endpoint.
        issues.push(issueAt(entry.source, at('id'), `'${tenant.id}' is also a stamp name, so ${tenant.id}.${spec.domain} would mean both; rename the tenant`));
      }
      if (tenant.residency !== 'any' && !zones.includes(tenant.residency)) {
        issues.push(issueAt(entry.source, at('residency'), `'${tenant.residency}' is not a residency zone; use one of ${[...zones, 'any'].join(', ')}`));
      }
      if (tenant.stamp === undefined) return;
      const stamp = stamps.get(tenant.stamp);
      if (!stamp && invalidStamps.has(tenant.stamp)) return;
      if (!stamp) {
        issues.push(issueAt(entry.source, at('stamp'), `stamp '${tenant.stamp}' does not exist; use one of the stamps in stamps/ or remove the field to let placement choose`));
        return;
      }
      const zone = stampZone(spec, stamp);
      if (tenant.residency !== 'any' && zone !== undefined && zone !== tenant.residency) {
        issues.push(issueAt(entry.source, at('stamp'), `'${tenant.stamp}' is in zone '${zone}' but the tenant's residency is '${tenant.residency}'; pick a stamp in zone '${tenant.residency}'`));
      }
      const dedicatedTo = stamp.spec.dedicatedTo;
      if (tenant.isolation === 'dedicated' && dedicatedTo !== tenant.id) {
        issues.push(issueAt(entry.source, at('stamp'), `dedicated tenant is on '${tenant.stamp}', which is ${dedicatedTo ? `dedicated to '${dedicatedTo}'` : 'shared'}; bind it to the stamp whose spec.dedicatedTo is '${tenant.id}'`));
      } else if (tenant.isolation === 'shared' && dedicatedTo !== undefined) {
        issues.push(issueAt(entry.source, at('stamp'), `shared tenant is on '${tenant.stamp}', which is dedicated to '${dedicatedTo}'; pick a shared stamp`));
      }
      const used = load.get(tenant.stamp);
      if (used) used.weight += tenant.weight;
      else load.set(tenant.stamp, { weight: tenant.weight, first: { list: listIndex, index } });
    });
  });

  for (const [name, used] of [...load.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const stamp = stamps.get(name)!;
    if (used.weight > stamp.spec.capacity) {
      const stampEntry = loaded.stamps.find((s) => s.stamp.metadata.name === name)!;
      issues.push(issueAt(stampEntry.source, ['spec', 'capacity'], `${name} holds tenants of total weight ${used.weight} but its capacity is ${stamp.spec.capacity}; raise capacity or move tenants with \`stampyard tenants move\``));
    }
  }
  return issues;
}
