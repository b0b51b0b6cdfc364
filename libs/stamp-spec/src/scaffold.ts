// `stampyard stamp new`: plan a new stamp file that fits the fleet.
import { stringify } from 'yaml';
import { ValidationError } from './errors.ts';
import { nextFreeCidr, parseIpv4Cidr, type Ipv4Range } from './cidr.ts';
import { catalogEntry, mostCommonVersion, stampFilePath } from './derive.ts';
import { reservedStampName } from './rules.ts';
import { API_VERSION, stampSchema, type FleetSpec, type Stamp } from './schema.ts';

export interface NewStampOptions {
  /** Region from the catalog. */
  readonly region: string;
  /** Size profile. @default - fleet.yaml spec.defaultSize, else the first size */
  readonly size?: string;
  /** Rollout wave. @default - the fleet's last wave, so a new stamp never takes a canary's risk */
  readonly wave?: number;
  /** Stamp name. @default - `stamp-<zone>-<n>` with the lowest free n */
  readonly name?: string;
  /** Tenant capacity units. @default - the median capacity of the fleet's stamps, else 100 */
  readonly capacity?: number;
  /** Tenant the stamp is dedicated to. @default - shared */
  readonly dedicatedTo?: string;
}

export interface PlannedStamp {
  readonly path: string;
  readonly stamp: Stamp;
  readonly text: string;
}

/**
 * Plans a new stamp: a unique name, the next free CIDR and the version most
 * of the fleet runs. To plan several in a row, pass the ones planned so far in `existing`. Pure.
 */
export function planNewStamp(
  fleet: FleetSpec,
  existing: readonly Stamp[],
  options: NewStampOptions,
  tenantIds: Iterable<string> = [],
): PlannedStamp {
  const fail = (field: string, message: string) => new ValidationError([{ file: '(command line)', line: 1, column: 1, field, message }]);
  const region = catalogEntry(fleet.regions, options.region);
  if (!region) {
    throw fail('--region', `'${options.region}' is not in the region catalog; use one of ${Object.keys(fleet.regions).sort().join(', ')}`);
  }
  const size = options.size ?? fleet.defaultSize ?? Object.keys(fleet.sizes)[0]!;
  if (catalogEntry(fleet.sizes, size) === undefined)
    throw fail('--size', `'${size}' is not a size profile; use one of ${Object.keys(fleet.sizes).join(', ')}`);
  const names = new Set(existing.map((s) => s.metadata.name));
  // <name>.<domain> is the stamp's endpoint, so a tenant's id can't be a stamp's name.
  const tenants = new Set(tenantIds);
  let name = options.name;
  if (name === undefined) {
    let n = 1;
    while (names.has(`stamp-${region.zone}-${n}`) || tenants.has(`stamp-${region.zone}-${n}`)) n++;
    name = `stamp-${region.zone}-${n}`;
  } else if (names.has(name)) {
    throw fail('--name', `'${name}' is already a stamp; choose another name or omit --name`);
  } else if (tenants.has(name)) {
    throw fail(
      '--name',
      `'${name}' is a tenant id, and ${name}.${fleet.domain} already serves that tenant; choose another name or omit --name`,
    );
  } else if (reservedStampName(name) !== undefined) {
    throw fail('--name', `'${name}' is reserved ${reservedStampName(name)!}; choose another name or omit --name`);
  }
  const taken = existing.map((s) => parseIpv4Cidr(s.spec.network.cidr)).filter((r): r is Ipv4Range => typeof r !== 'string');
  const pool = fleet.network.pool ?? '10.0.0.0/8';
  const cidr = nextFreeCidr(pool, fleet.network.prefixLength, taken);
  if (!cidr) throw fail('spec.network.pool', `no free /${fleet.network.prefixLength} left in ${pool}; widen fleet.yaml spec.network.pool`);
  const waves = existing.map((s) => s.spec.wave);
  const capacities = existing.map((s) => s.spec.capacity).sort((a, b) => a - b);
  const version = mostCommonVersion(existing) ?? [...fleet.releases].map((r) => r.version).pop()!;
  const candidate = {
    apiVersion: API_VERSION,
    kind: 'Stamp',
    metadata: { name },
    spec: {
      region: options.region,
      capacity: options.capacity ?? capacities[Math.floor(capacities.length / 2)] ?? 100,
      wave: options.wave ?? (waves.length > 0 ? Math.max(...waves) : 0),
      version,
      size,
      network: { cidr },
      ...(options.dedicatedTo ? { dedicatedTo: options.dedicatedTo } : {}),
    },
  };
  const parsed = stampSchema.safeParse(candidate);
  if (!parsed.success) {
    // Name the flag the value came from, and the value itself.
    const flags: Record<string, string> = {
      'metadata.name': '--name',
      'spec.capacity': '--capacity',
      'spec.wave': '--wave',
      'spec.dedicatedTo': '--dedicated-to',
    };
    const first = parsed.error.issues[0]!;
    const field = first.path.join('.');
    const received = first.path.reduce<unknown>(
      (value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key as string],
      candidate,
    );
    throw fail(flags[field] ?? field, `${first.message}, received ${JSON.stringify(received)}`);
  }
  const text = `# yaml-language-server: $schema=../schemas/stamp.schema.json\n${stringify(candidate, { lineWidth: 0 })}`;
  return { path: stampFilePath(name), stamp: parsed.data, text };
}
