// Reading a fleet repository: the shell reads files, the pure part parses and checks them.
import { ValidationError, type Issue } from './errors.ts';
import { fleetSchema, stampSchema, tenantListSchema, type FleetFile, type Stamp, type TenantListFile } from './schema.ts';
import { MAX_ISSUES_PER_FILE, parseYamlSource, validateSource, type SourceFile, type YamlSource } from './source.ts';
import { checkFleetRules, checkImageDigests, checkRenderable } from './rules.ts';
import { readFleetDir, readFleetFile } from './read.ts';
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
  /** Files refused while reading (links, folders, over the size cap), each with why. @default [] */
  readonly issues?: readonly Issue[];
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
  const issues: Issue[] = [...(sources.issues ?? [])];
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
  if (!fleetParsed) return { issues: capPerFile(issues) };
  stamps.sort((a, b) => a.stamp.metadata.name.localeCompare(b.stamp.metadata.name));
  const fleet: LoadedFleet = {
    fleet: fleetParsed.value,
    fleetSource: fleetParsed.source,
    stamps,
    tenantLists,
    ...(migrations.length > 0 ? { migrations } : {}),
  };
  for (const issue of checkFleetRules(fleet, invalidStamps)) issues.push(issue);
  if (migrations.length > 0) {
    const bindings = new Map(tenantLists.flatMap((l) => l.list.items.map((t) => [t.id, t.stamp] as const)));
    issues.push(...checkMigrationRules(migrations, bindings, new Set(stamps.map((s) => s.stamp.metadata.name))));
  }
  return issues.length > 0 ? { issues: capPerFile(issues) } : { fleet, issues };
}

/**
 * At most `MAX_ISSUES_PER_FILE` issues of each file, plus one line saying
 * there are more: 100,000 tenants with the same slip are one fix, not
 * 100,000 lines of CI log.
 */
export function capPerFile(issues: readonly Issue[]): Issue[] {
  const counts = new Map<string, number>();
  const out: Issue[] = [];
  for (const issue of issues) {
    const n = (counts.get(issue.file) ?? 0) + 1;
    counts.set(issue.file, n);
    if (n <= MAX_ISSUES_PER_FILE) out.push(issue);
  }
  for (const [file, n] of counts) {
    if (n > MAX_ISSUES_PER_FILE && !out.some((i) => i.file === file && i.field === '(file)' && i.message.startsWith('more problems'))) {
      out.push({
        file,
        line: 1,
        column: 1,
        field: '(file)',
        message: `more problems in this file than the first ${MAX_ISSUES_PER_FILE} shown; fix those, then run again`,
      });
    }
  }
  return out;
}

/** What `validate` and `synth` both decide about a fleet; see `checkFleet`. */
export interface FleetCheck {
  /** The fleet, set only when there are no issues. */
  readonly fleet?: LoadedFleet;
  /** Every problem, sorted by nothing in particular; `sortIssues` them to print. */
  readonly issues: readonly Issue[];
  /** Findings that don't fail the check (tag-only images). @default [] */
  readonly warnings: readonly Issue[];
}

/**
 * The one check behind `stampyard validate` and `stampyard synth`: every file
 * and fleet rule (`parseFleet`), then what rendering needs (`checkRenderable`).
 * Both commands call this, so a fleet one refuses the other refuses too, with
 * the same messages. Pure.
 */
export function checkFleet(sources: FleetSources): FleetCheck {
  const parsed = parseFleet(sources);
  if (!parsed.fleet) return { issues: parsed.issues, warnings: [] };
  const issues = capPerFile(checkRenderable(parsed.fleet));
  const warnings = parsed.fleet.fleet.spec.requireImageDigests ? [] : checkImageDigests(parsed.fleet);
  return issues.length > 0 ? { issues, warnings } : { fleet: parsed.fleet, issues: [], warnings };
}

function parseFile<S extends typeof fleetSchema | typeof stampSchema | typeof tenantListSchema | typeof migrationSchema>(
  file: SourceFile,
  schema: S,
  issues: Issue[],
) {
  const parsed = parseYamlSource(file);
  for (const issue of parsed.issues) issues.push(issue);
  if (!parsed.source) return undefined;
  const validated = validateSource(parsed.source, schema);
  for (const issue of validated.issues) issues.push(issue);
  if (validated.value === undefined) return undefined;
  return { value: validated.value as import('zod').output<S>, source: parsed.source };
}

/**
 * Reads fleet.yaml, stamps/*.yaml and tenants/*.yaml under `root`: only
 * regular files inside it, each within `READ_LIMITS` (see read.ts). Files
 * refused are listed in `issues`, never read. Throws ValidationError when
 * fleet.yaml itself is missing or refused.
 */
export async function readFleetSources(root: string): Promise<FleetSources> {
  const fleet = await readFleetFile(root, FLEET_FILE);
  if (fleet === undefined) {
    throw new ValidationError([
      {
        file: FLEET_FILE,
        line: 1,
        column: 1,
        field: '(file)',
        message: `not found in ${root}; pass --root <dir> pointing at a fleet repository`,
      },
    ]);
  }
  if ('issue' in fleet) throw new ValidationError([fleet.issue]);
  const stamps = await readFleetDir(root, STAMPS_DIR);
  const tenants = await readFleetDir(root, TENANTS_DIR);
  const migrations = await readFleetDir(root, MIGRATIONS_DIR);
  return {
    fleet: fleet.file,
    stamps: stamps.files,
    tenants: tenants.files,
    migrations: migrations.files,
    issues: [...stamps.issues, ...tenants.issues, ...migrations.issues],
  };
}

/** Reads and validates a fleet repository; throws ValidationError listing every problem. */
export async function loadFleet(root: string): Promise<LoadedFleet> {
  const { fleet, issues } = parseFleet(await readFleetSources(root));
  if (!fleet) throw new ValidationError(issues);
  return fleet;
}
