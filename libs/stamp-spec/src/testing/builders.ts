// Builders for tests: state only what matters, get a valid fleet for the rest.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { stringify } from 'yaml';
import { ValidationError } from '../errors.ts';
import { parseFleet, type LoadedFleet } from '../load.ts';
import { API_VERSION, fleetSpecSchema, type FleetSpec, type Stamp, type Tenant } from '../schema.ts';

/** The repository this package lives in, holding the example fleet. */
export const EXAMPLE_FLEET_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

const image = (name: string, version: string) => ({ repository: `ghcr.io/acme/${name}`, tag: version });

/** A valid fleet spec: regions westeurope, northeurope (eu), eastus, westus2 (us); sizes small, medium, large; releases 1.3.0 → 1.4.0 → 1.5.0. */
export function aFleetSpec(overrides: Partial<FleetSpec> = {}): FleetSpec {
  const size = (replicas: number, maxReplicas: number, storage: string) => ({
    replicas,
    autoscaling: { maxReplicas, targetCpuUtilizationPercent: 75 },
    cpu: { request: '100m', limit: '500m' },
    memory: { request: '128Mi', limit: '512Mi' },
    storage,
  });
  const base = fleetSpecSchema.parse({
    domain: 'stamps.example.com',
    regions: { westeurope: { zone: 'eu' }, northeurope: { zone: 'eu' }, eastus: { zone: 'us' }, westus2: { zone: 'us' } },
    sizes: { small: size(2, 4, '10Gi'), medium: size(3, 8, '50Gi'), large: size(4, 20, '200Gi') },
    releases: ['1.3.0', '1.4.0', '1.5.0'].map((version, i) => ({
      version,
      ...(i > 0 ? { upgradeFrom: `>=1.${2 + i}.0 <${version}` } : {}),
      images: { api: image('api', version), worker: image('worker', version) },
    })),
    components: {
      postgres: { repository: 'docker.io/library/postgres', tag: '16.4-alpine' },
      redis: { repository: 'docker.io/library/redis', tag: '7.4-alpine' },
      otelCollector: { repository: 'otel/opentelemetry-collector-contrib', tag: '0.111.0' },
      gateway: { repository: 'ghcr.io/acme/stampyard-gateway', tag: '0.1.0' },
    },
    source: { url: 'https://github.com/acme/fleet' },
    charts: {
      'ingress-nginx': { repository: 'https://kubernetes.github.io/ingress-nginx', chart: 'ingress-nginx', version: '4.14.1' },
      'cert-manager': { repository: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.1' },
      'external-secrets': { repository: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0' },
      prometheus: { repository: 'https://prometheus-community.github.io/helm-charts', chart: 'prometheus', version: '27.52.0' },
      'external-dns': { repository: 'https://kubernetes-sigs.github.io/external-dns', chart: 'external-dns', version: '1.21.1' },
    },
    dns: {
      provider: 'aws',
      region: 'us-east-1',
      hostedZoneID: 'Z0123456789ABCDEFGHIJ',
      roleArn: 'arn:aws:iam::123456789012:role/stampyard-dns',
    },
    issuer: { type: 'acme', email: 'platform@example.com' },
    secretStores: {
      eu: { provider: 'vault', server: 'https://vault.eu.example.com', role: 'stampyard' },
      us: { provider: 'vault', server: 'https://vault.us.example.com', role: 'stampyard' },
    },
  });
  return { ...base, ...overrides };
}

export interface StampOverrides {
  readonly name?: string;
  readonly region?: string;
  readonly wave?: number;
  readonly version?: string;
  readonly size?: string;
  readonly capacity?: number;
  readonly cidr?: string;
  readonly dedicatedTo?: string;
  readonly status?: 'active' | 'draining';
}

let cidrCounter = 0;

/** A valid stamp. Without `cidr`, each call takes a fresh /16 from 10.0.0.0/8. */
export function aStamp(overrides: StampOverrides = {}): Stamp {
  const cidr = overrides.cidr ?? `10.${(cidrCounter++ % 250) + 1}.0.0/16`;
  return {
    apiVersion: API_VERSION,
    kind: 'Stamp',
    metadata: { name: overrides.name ?? `stamp-${cidr.split('.')[1]}` },
    spec: {
      region: overrides.region ?? 'westeurope',
      capacity: overrides.capacity ?? 100,
      wave: overrides.wave ?? 0,
      version: overrides.version ?? '1.4.0',
      size: overrides.size ?? 'small',
      network: { cidr },
      ...(overrides.dedicatedTo ? { dedicatedTo: overrides.dedicatedTo } : {}),
      status: overrides.status ?? 'active',
    },
  } as Stamp;
}

/**
 * A fleet of `count` stamps spread round-robin over the four regions and `waves`
 * waves (wave 0 gets the first stamps), each with a unique CIDR (/24s, so up to 65,536).
 */
export function aFleet(
  count: number,
  options: { waves?: number; version?: string; capacity?: number } = {},
): { fleet: FleetSpec; stamps: Stamp[] } {
  const fleet = aFleetSpec();
  const regions = Object.keys(fleet.regions);
  const waves = options.waves ?? 3;
  const perWave = Math.ceil(count / waves);
  const stamps = Array.from({ length: count }, (_, i) => {
    const region = regions[i % regions.length]!;
    const zone = fleet.regions[region]!.zone;
    return aStamp({
      name: `stamp-${zone}-${i + 1}`,
      region,
      wave: Math.min(waves - 1, Math.floor(i / perWave)),
      version: options.version ?? '1.4.0',
      size: ['small', 'medium', 'large'][i % 3]!,
      capacity: options.capacity ?? 100,
      cidr: `10.${Math.floor(i / 256)}.${i % 256}.0/24`,
    });
  });
  return { fleet, stamps };
}

/** A tenant with defaults filled in. */
export function aTenant(overrides: Partial<Tenant> & { id: string }): Tenant {
  return { residency: 'eu', weight: 1, isolation: 'shared', status: 'active', ...overrides };
}

export interface FleetRepoInput {
  /** @default aFleetSpec() */
  readonly fleet?: FleetSpec;
  readonly stamps: readonly Stamp[];
  /** Tenant files, each a list of tenants. @default [] */
  readonly tenantFiles?: readonly (readonly Tenant[])[];
}

/** The files of a fleet repository, by path, as YAML text. */
export function fleetRepoFiles(input: FleetRepoInput): Map<string, string> {
  const files = new Map<string, string>();
  const yaml = (value: unknown) => stringify(value, { lineWidth: 0 });
  files.set('fleet.yaml', yaml({ apiVersion: API_VERSION, kind: 'Fleet', metadata: { name: 'test' }, spec: input.fleet ?? aFleetSpec() }));
  for (const stamp of input.stamps) files.set(`stamps/${stamp.metadata.name}.yaml`, yaml(stamp));
  (input.tenantFiles ?? []).forEach((items, i) => {
    files.set(`tenants/tenants-${String(i).padStart(3, '0')}.yaml`, yaml({ apiVersion: API_VERSION, kind: 'TenantList', items }));
  });
  return files;
}

/** Parses a fleet from builders' output, through the same path as real files. Throws ValidationError. */
export function toLoadedFleet(input: FleetRepoInput): LoadedFleet {
  const files = fleetRepoFiles(input);
  const sources = [...files].map(([path, text]) => ({ path, text }));
  const { fleet, issues } = parseFleet({
    fleet: sources.find((s) => s.path === 'fleet.yaml')!,
    stamps: sources.filter((s) => s.path.startsWith('stamps/')),
    tenants: sources.filter((s) => s.path.startsWith('tenants/')),
  });
  if (!fleet) throw new ValidationError(issues);
  return fleet;
}

/** Writes a fleet repository into `dir`. */
export async function writeFleetRepo(dir: string, input: FleetRepoInput): Promise<void> {
  for (const [path, text] of fleetRepoFiles(input)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

export interface TempRepo {
  readonly root: string;
  cleanup(): Promise<void>;
}

/** A throwaway folder in the OS temp folder, optionally holding a fleet repository. */
export async function makeTempFleetRepo(input?: FleetRepoInput): Promise<TempRepo> {
  const root = await mkdtemp(join(tmpdir(), 'stampyard-test-'));
  if (input) await writeFleetRepo(root, input);
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A throwaway copy of this repository's example fleet: its files, rendered output and state. */
export async function copyExampleFleet(): Promise<TempRepo> {
  const repo = await makeTempFleetRepo();
  for (const entry of ['fleet.yaml', 'rollout.yaml', 'stamps', 'tenants', 'rendered', 'schemas']) {
    const from = join(EXAMPLE_FLEET_ROOT, entry);
    if (existsSync(from)) await cp(from, join(repo.root, entry), { recursive: true });
  }
  return repo;
}
