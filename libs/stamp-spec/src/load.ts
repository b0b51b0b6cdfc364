// Reading a fleet repository: the shell reads files, the pure part parses and checks them.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError, type Issue } from './errors.ts';
import { fleetSchema, stampSchema, tenantListSchema, type FleetFile, type Stamp, type TenantListFile } from './schema.ts';
import { parseYamlSource, validateSource, type SourceFile, type YamlSource } from './source.ts';
import { checkFleetRules } from './rules.ts';
import { checkMigrationRules, migrationSchema, MIGRATIONS_DIR, type LoadedMigration } from './migration-schema.ts';

export const FLEET_FILE = 'fleet.yaml';
export const STAMPS_DIR = 'stamps';
export const TENANTS_DIR = 'tenants';

/** The raw files of a fleet repository. */
export interface FleetSources {
  /** fleet.yaml. */
  readonly fleet: SourceFile;
  /** stamps/*.yaml, in any order. */
  readonly stamps: readonly SourceFile[];
  /** tenants/*.yaml, in any order. @default [] */
  readonly tenants?: readonly SourceFile[];
  /** migrations/*.yaml (migrations in flight), in any order. @default [] */
  readonly migrations?: readonly SourceFile[];
}

export interface LoadedStamp {
  readonly stamp: Stamp;
  readonly source: YamlSource;
}

export interface LoadedTenantList {
  readonly list: TenantListFile;
  readonly source: YamlSource;
}

/** A parsed and validated fleet. Stamps are sorted by name, tenant files by path. */
export interface LoadedFleet {
  readonly fleet: FleetFile;
  readonly fleetSource: YamlSource;
  readonly stamps: readonly LoadedStamp[];
  readonly tenantLists: readonly LoadedTenantList[];
  /** migrations/*.yaml: migrations in flight, sorted by tenant. @default [] */
  readonly migrations?: readonly LoadedMigration[];
}

/**
 * Parses and validates every file, then the fleet-wide rules. Pure.
 * Returns every issue found; `fleet` is set only when there are none.
 */
export function parseFleet(sources: FleetSources): { fleet?: LoadedFleet; issues: Issue[] } {
  const issues: Issue[] = [];
  const fleetParsed = parseFile(sources.fleet, fleetSchema, issues);
  const stamps: LoadedStamp[] = [];
  // Stamps whose own file is invalid: their problems are reported already, so
  // tenants bound to them are not reported again as bound to a missing stamp.
  const invalidStamps = new Set<string>();
  for (const file of [...sources.stamps].sort((a, b) => a.path.localeCompare(b.path))) {
    const parsed = parseFile(file, stampSchema, issues);
    if (parsed) stamps.push({ stamp: parsed.value, source: parsed.source });
    else invalidStamps.add(file.path.replace(/^.*\//, '').replace(/\.ya?ml$/, ''));
  }
  const tenantLists: LoadedTenantList[] = [];
  for (const file of [...(sources.tenants ?? [])].sort((a, b) => a.path.localeCompare(b.path))) {
    const parsed = parseFile(file, tenantListSchema, issues);
    if (parsed) tenantLists.push({ list: parsed.value, source: parsed.source });
  }
  const migrations: LoadedMigration[] = [];
  for (const file of [...(sources.migrations ?? [])].sort((a, b) => a.path.localeCompare(b.path))) {
    const parsed = parseFile(file, migrationSchema, issues);
    if (parsed) migrations.push({ migration: parsed.value, source: parsed.source });
  }
  if (!fleetParsed) return { issues };
  stamps.sort((a, b) => a.stamp.metadata.name.localeCompare(b.stamp.metadata.name));
  const fleet: LoadedFleet = { fleet: fleetParsed.value, fleetSource: fleetParsed.source, stamps, tenantLists, ...(migrations.length > 0 ? { migrations } : {}) };
  issues.push(...checkFleetRules(fleet, invalidStamps));
  if (migrations.length > 0) {
    const bindings = new Map(tenantLists.flatMap((l) => l.list.items.map((t) => [t.id, t.stamp] as const)));
    issues.push(...checkMigrationRules(migrations, bindings, new Set(stamps.map((s) => s.stamp.metadata.name))));
  }
  return issues.length > 0 ? { issues } : { fleet, issues };
}

function parseFile<S extends typeof fleetSchema | typeof stampSchema | typeof tenantListSchema | typeof migrationSchema>(
  file: SourceFile,
  schema: S,
  issues: Issue[],
) {
  const parsed = parseYamlSource(file);
  issues.push(...parsed.issues);
  if (!parsed.source) return undefined;
  const validated = validateSource(parsed.source, schema);
  issues.push(...validated.issues);
  if (validated.value === undefined) return undefined;
  return { value: validated.value as import('zod').output<S>, source: parsed.source };
}

/** Reads fleet.yaml, stamps/*.yaml and tenants/*.yaml under `root`. */
export async function readFleetSources(root: string): Promise<FleetSources> {
  let fleetText: string;
  try {
    fleetText = await readFile(join(root, FLEET_FILE), 'utf8');
  } catch {
    throw new ValidationError([
      { file: FLEET_FILE, line: 1, column: 1, field: '(file)', message: `not found in ${root}; pass --root <dir> pointing at a fleet repository` },
    ]);
  }
  return {
    fleet: { path: FLEET_FILE, text: fleetText },
    stamps: await readYamlDir(root, STAMPS_DIR),
    tenants: await readYamlDir(root, TENANTS_DIR),
    migrations: await readYamlDir(root, MIGRATIONS_DIR),
  };
}

/** Reads every `*.yaml` file of a folder, or none if it doesn't exist. */
export async function readYamlDir(root: string, dir: string): Promise<SourceFile[]> {
  let names: string[];
  try {
    names = await readdir(join(root, dir));
  } catch {
    return [];
  }
  const yamlNames = names.filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  return Promise.all(
    yamlNames.map(async (name) => ({ path: `${dir}/${name}`, text: await readFile(join(root, dir, name), 'utf8') })),
  );
}

/** Reads and validates a fleet repository; throws ValidationError listing every problem. */
export async function loadFleet(root: string): Promise<LoadedFleet> {
  const { fleet, issues } = parseFleet(await readFleetSources(root));
  if (!fleet) throw new ValidationError(issues);
  return fleet;
}
