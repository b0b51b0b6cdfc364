// migrations/<tenant>.yaml: one tenant moving between stamps, phase by phase.
// The format lives with the other file formats (one schema → type, validation,
// committed JSON Schema); libs/routing owns what the phases mean.
import { z } from 'zod';
import { API_VERSION, dnsLabel } from './schema.ts';
import { issueAt, type YamlSource } from './source.ts';
import type { Issue } from './errors.ts';

/** Where migration files live; finished ones move to `migrations/archive/<tenant>-<epoch>.yaml`. */
export const MIGRATIONS_DIR = 'migrations';
export const MIGRATIONS_ARCHIVE_DIR = 'migrations/archive';

/**
 * The phases, in order. While a migration is in any phase but `done`, the
 * tenant's writes are fenced (503 + Retry-After) on every stamp.
 * - `fenced`: writes refused; reads still served by the source stamp.
 * - `copying`: the source exports the tenant's data, the target imports it.
 * - `cutover-expand`: the target's list admits the tenant at epoch e+1; the table still routes to the source.
 * - `cutover-contract`: the table routes to the target at epoch e+1; the source's list drops the tenant.
 * - `done`: the fence is lifted; the file is archived.
 */
export const MIGRATION_PHASES = ['fenced', 'copying', 'cutover-expand', 'cutover-contract', 'done'] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

const isoTime = z.iso.datetime({ offset: true });

export const migrationEventSchema = z.strictObject({
  at: isoTime.describe('When it happened (the `now` of the command that wrote it).'),
  phase: z.enum([...MIGRATION_PHASES, 'aborted']).describe('The phase entered.'),
});

export const migrationSchema = z
  .strictObject({
    $schema: z.string().optional(),
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('TenantMigration'),
    metadata: z.strictObject({
      name: dnsLabel(63, 'tenant id; it must equal the file name').describe('The tenant id; equals the file name.'),
    }),
    spec: z.strictObject({
      from: dnsLabel(40, 'stamp name').describe('The stamp the tenant leaves (its stamp when the migration started).'),
      to: dnsLabel(40, 'stamp name').describe('The stamp the tenant moves to.'),
      epoch: z.int().min(0).describe("The tenant's epoch when the migration started; the target serves it at epoch + 1."),
    }),
    status: z.strictObject({
      phase: z.enum(MIGRATION_PHASES).describe('The phase the migration is in.'),
      startedAt: isoTime.describe('When `stampyard tenants move` started it.'),
      phaseSince: isoTime.describe('When the current phase began; `drift` flags a phase older than the policy allows.'),
      doneAt: isoTime
        .optional()
        .describe('When it reached done; the cleanup Job is rendered once the retention period has passed. @default - not done'),
      aborted: z.boolean().optional().describe('Set when `abort` ended it: the tenant stayed on (or went back to) `from`. @default false'),
      cleanup: z.boolean().optional().describe('Set once the cleanup Job on the source stamp is rendered. @default false'),
      history: z.array(migrationEventSchema).default([]).describe('Every phase entered, oldest first. @default []'),
    }),
  })
  .describe('migrations/<tenant>.yaml: a tenant moving between stamps.');

export type TenantMigration = z.output<typeof migrationSchema>;

/** A parsed migration file. */
export interface LoadedMigration {
  readonly migration: TenantMigration;
  readonly source: YamlSource;
}

/** What the tenant-list ConfigMap is called in every stamp namespace, and the key the api reads. Shared by the renderer (libs/routing) and the mount (libs/stamp-template). */
export const TENANT_LIST_CONFIGMAP = 'stampyard-tenant-list';
export const TENANT_LIST_KEY = 'tenants.json';
/** Where the api container finds its tenant list (env `STAMP_APP_TENANT_LIST`). */
export const TENANT_LIST_MOUNT_DIR = '/etc/stampyard/tenant-list';

/**
 * Fleet-wide rules for migration files, given the bindings from the tenant
 * files (id → stamp) and the stamp names. Pure; every problem is collected.
 */
export function checkMigrationRules(
  migrations: readonly LoadedMigration[],
  tenantStamps: ReadonlyMap<string, string | undefined>,
  stampNames: ReadonlySet<string>,
): Issue[] {
  const issues: Issue[] = [];
  for (const { migration, source } of migrations) {
    const id = migration.metadata.name;
    const fileName = source.path.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
    if (fileName !== id) {
      issues.push(
        issueAt(source, ['metadata', 'name'], `'${id}' must equal the file name '${fileName}'; rename the file to migrations/${id}.yaml`),
      );
      continue;
    }
    const { from, to } = migration.spec;
    if (!tenantStamps.has(id)) {
      issues.push(issueAt(source, ['metadata', 'name'], `no tenant '${id}' in tenants/*.yaml; remove this file or add the tenant back`));
      continue;
    }
    for (const [field, name] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!stampNames.has(name))
        issues.push(
          issueAt(source, ['spec', field], `stamp '${name}' does not exist; a migration needs both stamps until it is done or aborted`),
        );
    }
    if (from === to)
      issues.push(issueAt(source, ['spec', 'to'], `from and to are both '${to}'; a migration moves a tenant to another stamp`));
    // Before the contract commit the tenant file still names `from`; from then on, `to`.
    const phase = migration.status.phase;
    const bound = phase === 'cutover-contract' || phase === 'done' ? to : from;
    const actual = tenantStamps.get(id);
    if (actual !== bound) {
      issues.push(
        issueAt(
          source,
          ['status', 'phase'],
          `in phase ${phase} tenant '${id}' must be bound to ${bound}, but its tenant file says ${JSON.stringify(actual ?? null)}; undo the hand edit of the tenant file or run stampyard tenants migration abort ${id}`,
        ),
      );
    }
  }
  return issues;
}
