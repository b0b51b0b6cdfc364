// Fleet-wide rules: the checks no single file can make on its own.
import { ValidationError, type Issue } from './errors.ts';
import { parseIpv4Cidr, rangesOverlap, nextFreeCidr, type Ipv4Range } from './cidr.ts';
import { catalogEntry, imageReference, residencyZones, stampZone } from './derive.ts';
import { issueAt, type FieldPath, type YamlSource } from './source.ts';
import { didYouMean } from './suggest.ts';
import { quoteName } from './hygiene.ts';
import { infrastructureProblems } from './infrastructure-schema.ts';
import { checkZoneRules } from './zones.ts';
import type { LoadedFleet, LoadedStamp } from './load.ts';
import { MAX_DNS_NAME, type FleetSpec, type ImageRef, type Tenant } from './schema.ts';

/** The address pool when fleet.yaml names none. */
export const DEFAULT_POOL = '10.0.0.0/8';

/**
 * Stamp names the render or Kubernetes already uses, and why. A stamp's name
 * is its namespace and its folders under rendered/stamps/ and rendered/clusters/.
 */
export const RESERVED_STAMP_NAMES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    global: "for the gateway's cluster folder rendered/clusters/global",
    default: 'by Kubernetes for the default namespace',
    'flux-system': 'by Flux for its own namespace',
    'ingress-nginx': "for the ingress controller's namespace, which stamps admit traffic from",
    monitoring: 'for the monitoring namespace, which stamps admit scrapes from',
    'stampyard-gateway': "for the gateway's namespace",
  }),
);

/** Why `name` can't be a stamp's name, or undefined when it can. Names starting with `kube-` belong to Kubernetes. */
export function reservedStampName(name: string): string | undefined {
  if (name.startsWith('kube-')) return 'by Kubernetes (every kube-* namespace)';
  return RESERVED_STAMP_NAMES[name];
}

/** The issue for a tenant bound to a stamp that doesn't exist; validate and the routing table word it the same. */
export function unknownStampIssue(source: YamlSource, index: number, stamp: string, stamps: Iterable<string>): Issue {
  return issueAt(
    source,
    ['items', index, 'stamp'],
    `stamp ${quoteName(stamp)} does not exist; ${didYouMean(stamp, stamps)}use one of the stamps in stamps/, or remove the field and run stampyard tenants place`,
  );
}

/**
 * What stops a valid fleet from being rendered and routed: a tenant without a
 * stamp can't be in the routing table. Not part of loading, so `stampyard
 * tenants place` still runs on such a fleet; `validate`, `synth` and the
 * routing table all call this one function, so they report the same problems
 * with the same words.
 */
export function checkRenderable(loaded: LoadedFleet): Issue[] {
  // A cluster can't converge from Flux alone without chart pins, an issuer and secret stores.
  const issues: Issue[] = infrastructureProblems(loaded.fleet.spec).map((p) => issueAt(loaded.fleetSource, ['spec', ...p.path], p.message));
  for (const { list, source } of loaded.tenantLists) {
    list.items.forEach((tenant, index) => {
      if (tenant.stamp === undefined) {
        issues.push(
          issueAt(
            source,
            ['items', index, 'id'],
            `tenant '${tenant.id}' has no stamp, so it can't be routed; run stampyard tenants place, then npm run synth`,
          ),
        );
      }
    });
  }
  return issues;
}

/** Throws ValidationError with every `checkRenderable` problem, if any. */
export function assertRenderable(loaded: LoadedFleet): void {
  const issues = checkRenderable(loaded);
  if (issues.length > 0) throw new ValidationError(issues);
}

/** An image of the fleet and where fleet.yaml declares it. */
interface DeclaredImage {
  readonly path: FieldPath;
  readonly image: ImageRef;
}

function declaredImages(spec: FleetSpec): DeclaredImage[] {
  const images: DeclaredImage[] = [];
  spec.releases.forEach((release, index) => {
    for (const [name, image] of Object.entries(release.images)) images.push({ path: ['spec', 'releases', index, 'images', name], image });
  });
  for (const [name, image] of Object.entries(spec.components))
    images.push({ path: ['spec', 'components', name], image: image as ImageRef });
  return images;
}

/**
 * Every image of fleet.yaml (release images and platform components) that has
 * a tag but no digest: a tag can be moved to other content after review.
 * Warnings for `validate`; errors (in `checkFleetRules`) when the fleet sets
 * `requireImageDigests: true`.
 */
export function checkImageDigests(loaded: LoadedFleet): Issue[] {
  return declaredImages(loaded.fleet.spec)
    .filter(({ image }) => image.digest === undefined)
    .map(({ path, image }) =>
      issueAt(
        loaded.fleetSource,
        path,
        `${imageReference(image)} is pinned by tag only, and a tag can be moved to other content; add digest: sha256:… as the registry reports it (docker buildx imagetools inspect ${image.repository}:${image.tag}), never a guessed one`,
      ),
    );
}

/**
 * Every fleet-wide rule over stamps and tenants. Pure; returns the issues found.
 * `invalidStamps` names stamps whose files failed on their own, so tenants bound to them are not flagged too.
 */
export function checkFleetRules(loaded: LoadedFleet, invalidStamps: ReadonlySet<string> = new Set()): Issue[] {
  const digests = loaded.fleet.spec.requireImageDigests
    ? checkImageDigests(loaded).map((issue) => ({
        ...issue,
        message: issue.message.replace('; add digest', ', and fleet.yaml sets requireImageDigests: true; add digest'),
      }))
    : [];
  return digests.concat(checkStampRules(loaded), checkTenantRules(loaded, invalidStamps), checkZoneRules(loaded));
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
    const fileName = source.path
      .split('/')
      .pop()!
      .replace(/\.ya?ml$/, '');
    if (name !== fileName) {
      issues.push(
        issueAt(
          source,
          ['metadata', 'name'],
          `'${name}' does not match the file name; rename the file to stamps/${name}.yaml or set metadata.name to '${fileName}'`,
        ),
      );
    }
    const other = byName.get(name);
    if (other) {
      issues.push(issueAt(source, ['metadata', 'name'], `'${name}' is already used by ${other.source.path}; stamp names are unique`));
    } else {
      byName.set(name, entry);
    }
    const reserved = reservedStampName(name);
    if (reserved !== undefined) {
      issues.push(
        issueAt(source, ['metadata', 'name'], `'${name}' is reserved ${reserved}; rename the stamp and its file, e.g. stamp-${name}-1`),
      );
    }
    const host = `${name}.${spec.domain}`;
    if (host.length > MAX_DNS_NAME) {
      issues.push(
        issueAt(
          source,
          ['metadata', 'name'],
          `its endpoint ${host.slice(0, 40)}… is ${host.length} characters, more than DNS's ${MAX_DNS_NAME}; shorten the stamp name or fleet.yaml spec.domain`,
        ),
      );
    }
    if (catalogEntry(spec.regions, stamp.spec.region) === undefined) {
      issues.push(
        issueAt(
          source,
          ['spec', 'region'],
          `${quoteName(stamp.spec.region)} is not in the region catalog; ${didYouMean(stamp.spec.region, Object.keys(spec.regions))}use one of ${Object.keys(spec.regions).sort().join(', ')} or add it to fleet.yaml spec.regions`,
        ),
      );
    }
    if (catalogEntry(spec.sizes, stamp.spec.size) === undefined) {
      issues.push(
        issueAt(
          source,
          ['spec', 'size'],
          `${quoteName(stamp.spec.size)} is not a size profile; ${didYouMean(stamp.spec.size, Object.keys(spec.sizes))}use one of ${Object.keys(spec.sizes).join(', ')}`,
        ),
      );
    }
    if (!versions.includes(stamp.spec.version)) {
      issues.push(
        issueAt(
          source,
          ['spec', 'version'],
          `${quoteName(stamp.spec.version)} is not in the release catalog; ${didYouMean(stamp.spec.version, versions)}use one of ${versions.join(', ')} or add it to fleet.yaml spec.releases`,
        ),
      );
    }
    const tenant = stamp.spec.dedicatedTo;
    if (tenant !== undefined) {
      const first = dedicated.get(tenant);
      if (first) {
        issues.push(
          issueAt(
            source,
            ['spec', 'dedicatedTo'],
            `tenant '${tenant}' is already dedicated on ${first.stamp.metadata.name}; a tenant is dedicated on at most one stamp`,
          ),
        );
      } else {
        dedicated.set(tenant, entry);
      }
    }
    const range = parseIpv4Cidr(stamp.spec.network.cidr);
    if (typeof range !== 'string') ranges.push({ stamp: entry, range });
  }

  const taken = ranges.map((r) => r.range);
  const poolCidr = spec.network.pool ?? DEFAULT_POOL;
  const pool = parseIpv4Cidr(poolCidr);
  if (typeof pool !== 'string') {
    for (const { stamp, range } of ranges) {
      if (range.first < pool.first || range.last > pool.last) {
        const free = nextFreeCidr(poolCidr, range.prefixLength, taken);
        issues.push(
          issueAt(
            stamp.source,
            ['spec', 'network', 'cidr'],
            `${range.cidr} is outside the fleet's address pool ${poolCidr}${spec.network.pool ? '' : ' (the default)'}; pick a free range inside it${free ? `, e.g. ${free}` : ''}, or widen fleet.yaml spec.network.pool`,
          ),
        );
      }
    }
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (rangesOverlap(a.range, b.range)) {
        const free = nextFreeCidr(spec.network.pool ?? DEFAULT_POOL, a.range.prefixLength, taken);
        issues.push(
          issueAt(
            a.stamp.source,
            ['spec', 'network', 'cidr'],
            `${a.range.cidr} overlaps ${b.stamp.stamp.metadata.name} (${b.range.cidr}); pick a free range${free ? `, e.g. ${free}` : ''}`,
          ),
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
  const stampEntries = new Map(loaded.stamps.map((s) => [s.stamp.metadata.name, s]));
  const seen = new Map<string, string>();
  const load = new Map<string, number>();
  // Per stamp, the tenants its zone or dedication doesn't fit: when every
  // tenant there is affected, the stamp is what changed, and one issue on the
  // stamp file says so instead of one on each tenant.
  const zoneMisfits = new Map<string, { ids: string[]; issues: Issue[]; constrained: number }>();
  const sharedOnDedicated = new Map<string, { ids: string[]; issues: Issue[] }>();

  for (const entry of loaded.tenantLists) {
    entry.list.items.forEach((tenant: Tenant, index) => {
      const at = (field: string) => ['items', index, field];
      const where = seen.get(tenant.id);
      if (where) {
        issues.push(
          issueAt(entry.source, at('id'), `'${tenant.id}' is already defined in ${where}; tenant ids are unique across all tenant files`),
        );
        return;
      }
      seen.set(tenant.id, entry.source.path);
      const sameName = stampEntries.get(tenant.id);
      if (sameName) {
        // <id>.<domain> would name both the tenant and the stamp's own endpoint.
        issues.push(
          issueAt(
            entry.source,
            at('id'),
            `'${tenant.id}' is also a stamp name (${sameName.source.path}), so ${tenant.id}.${spec.domain} would mean both; rename the stamp (stamp names are free to choose) or, if the tenant is new, pick another id`,
          ),
        );
        issues.push(
          issueAt(
            sameName.source,
            ['metadata', 'name'],
            `'${tenant.id}' is also a tenant id in ${entry.source.path}, so ${tenant.id}.${spec.domain} would mean both; rename the stamp and its file, e.g. stamp-${tenant.id}`,
          ),
        );
      }
      if (tenant.residency !== 'any' && !zones.includes(tenant.residency)) {
        issues.push(
          issueAt(
            entry.source,
            at('residency'),
            `${quoteName(tenant.residency)} is not a residency zone; ${didYouMean(tenant.residency, zones)}use one of ${[...zones, 'any'].join(', ')}`,
          ),
        );
      }
      if (tenant.stamp === undefined) return;
      const stampEntry = stampEntries.get(tenant.stamp);
      if (!stampEntry && invalidStamps.has(tenant.stamp)) return;
      if (!stampEntry) {
        issues.push(unknownStampIssue(entry.source, index, tenant.stamp, stampEntries.keys()));
        return;
      }
      const stamp = stampEntry.stamp;
      const zone = stampZone(spec, stamp);
      if (tenant.residency !== 'any' && zone !== undefined) {
        const misfit = zoneMisfits.get(tenant.stamp) ?? { ids: [], issues: [], constrained: 0 };
        zoneMisfits.set(tenant.stamp, misfit);
        misfit.constrained++;
        if (zone !== tenant.residency) {
          misfit.ids.push(tenant.id);
          misfit.issues.push(
            issueAt(
              entry.source,
              at('stamp'),
              `'${tenant.stamp}' is in zone '${zone}' but the tenant's residency is '${tenant.residency}'; pick a stamp in zone '${tenant.residency}'`,
            ),
          );
        }
      }
      const dedicatedTo = stamp.spec.dedicatedTo;
      if (tenant.isolation === 'dedicated' && dedicatedTo !== tenant.id) {
        issues.push(
          issueAt(
            entry.source,
            at('stamp'),
            `dedicated tenant is on '${tenant.stamp}', which is ${dedicatedTo ? `dedicated to '${dedicatedTo}'` : 'shared'}; bind it to the stamp whose spec.dedicatedTo is '${tenant.id}'`,
          ),
        );
      } else if (tenant.isolation === 'shared' && dedicatedTo !== undefined) {
        const misfit = sharedOnDedicated.get(tenant.stamp) ?? { ids: [], issues: [] };
        sharedOnDedicated.set(tenant.stamp, misfit);
        misfit.ids.push(tenant.id);
        misfit.issues.push(
          issueAt(
            entry.source,
            at('stamp'),
            `shared tenant is on '${tenant.stamp}', which is dedicated to '${dedicatedTo}'; pick a shared stamp`,
          ),
        );
      }
      load.set(tenant.stamp, (load.get(tenant.stamp) ?? 0) + tenant.weight);
    });
  }

  const some = (ids: readonly string[]) => (ids.length <= 5 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more`);
  for (const [name, misfit] of [...zoneMisfits.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (misfit.ids.length === 0) continue;
    const entry = stampEntries.get(name)!;
    if (misfit.ids.length === misfit.constrained && misfit.ids.length > 1) {
      const zone = stampZone(spec, entry.stamp);
      const wanted = [
        ...new Set(
          loaded.tenantLists
            .flatMap((l) => l.list.items)
            .filter((t) => misfit.ids.includes(t.id))
            .map((t) => t.residency),
        ),
      ].sort();
      issues.push(
        issueAt(
          entry.source,
          ['spec', 'region'],
          `${entry.stamp.spec.region} is in zone '${zone}', but the ${misfit.ids.length} tenants on ${name} must stay in zone ${wanted.map((z) => `'${z}'`).join(' or ')} (${some(misfit.ids)}); keep a region in that zone, or move the tenants first with \`stampyard tenants move\``,
        ),
      );
    } else {
      for (const issue of misfit.issues) issues.push(issue);
    }
  }
  for (const [name, misfit] of [...sharedOnDedicated.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const entry = stampEntries.get(name)!;
    if (misfit.ids.length > 1) {
      issues.push(
        issueAt(
          entry.source,
          ['spec', 'dedicatedTo'],
          `${name} is dedicated to '${entry.stamp.spec.dedicatedTo}', but ${misfit.ids.length} shared tenants are on it (${some(misfit.ids)}); remove spec.dedicatedTo, or move them first with \`stampyard tenants move\``,
        ),
      );
    } else {
      for (const issue of misfit.issues) issues.push(issue);
    }
  }
  for (const [name, weight] of [...load.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const entry = stampEntries.get(name)!;
    if (weight > entry.stamp.spec.capacity) {
      issues.push(
        issueAt(
          entry.source,
          ['spec', 'capacity'],
          `${name} holds tenants of total weight ${weight} but its capacity is ${entry.stamp.spec.capacity}; raise capacity or move tenants with \`stampyard tenants move\``,
        ),
      );
    }
  }
  return issues;
}
