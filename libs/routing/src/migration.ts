// A tenant moving between stamps, one reviewed commit per phase. Pure planners:
// the fleet (with its migration files) and `now` in, the files to write out.
//
// Phases (libs/stamp-spec's MIGRATION_PHASES) and what each commit changes:
//   start      → fenced            migrations/<id>.yaml appears; the table and the source's list mark the tenant fenced
//   advance    → copying           the export (source) and import (target) run; the tenant stays fenced
//   advance    → cutover-expand    only once both copy Jobs completed; the target's list admits the tenant at epoch e+1
//   advance    → cutover-contract  the tenant file binds the tenant to the target at e+1; the source's list drops it
//   advance    → done              the fence is lifted; the file moves to migrations/archive/<id>-<e+1>.yaml
//   abort (fenced, copying, expand) → the file is archived as aborted; nothing else changed, the tenant never left
//   abort (contract)                → the tenant file binds it back to the source at e+2 (epochs never go back)
// Invariant: the table routes the tenant to exactly one stamp in every commit,
// and the tenant is on two stamps' lists only while its writes are fenced.
import {
  MIGRATIONS_ARCHIVE_DIR,
  MIGRATIONS_DIR,
  API_VERSION,
  ValidationError,
  issueAt,
  type Issue,
  type LoadedFleet,
  type LoadedMigration,
  type MigrationPhase,
  type TenantMigration,
} from '@stampyard/stamp-spec';
import { stringify } from 'yaml';
import { planMove } from './move.ts';
import { fleetTenants, refusal, stampLoads, type LocatedTenant } from './placement.ts';
import type { TenantEdit } from './tenant-files.ts';

/** Whether the copy Jobs finished, from a health source. Unknown is never complete. */
export interface CopyStatus {
  /** The source stamp's export Job completed. */
  readonly exported: boolean;
  /** The target stamp's import Job completed. */
  readonly imported: boolean;
}

/** One migration commit: the files it changes. */
export interface MigrationStep {
  readonly tenantId: string;
  readonly from: string;
  readonly to: string;
  /** The phase the migration is in after this step (`aborted` for an abort). */
  readonly phase: MigrationPhase | 'aborted';
  /** `migrations/<id>.yaml` after the step; undefined when the step removes it. */
  readonly migration?: TenantMigration;
  /** A file the step archives the migration to, and its content. @default - none */
  readonly archive?: { readonly path: string; readonly migration: TenantMigration };
  /** The tenant-file edit (stamp, previousStamp, epoch). @default - none */
  readonly tenantEdit?: TenantEdit;
  /** Stamps whose rendered tenant lists change (for the rollout-overlap check and the summary). */
  readonly stamps: readonly string[];
  /** One sentence for people. */
  readonly summary: string;
}

/** What `advance` decides: a step, or why it waits. Waiting is an outcome, not an error. */
export type AdvanceDecision = { readonly kind: 'step'; readonly step: MigrationStep } | { readonly kind: 'wait'; readonly reason: string };

/** A migration file's text: schema modeline, a note, stable key order, no line wrapping. */
export function serializeMigration(migration: TenantMigration, schemaPath: string): string {
  const { $schema: _schema, ...rest } = migration;
  return `# yaml-language-server: $schema=${schemaPath}\n# Written by \`stampyard tenants move\` and \`stampyard tenants migration\`; change it only through those commands.\n${stringify(rest, { lineWidth: 0 })}`;
}

/** The files a step writes (null: delete), tenant-file edits excluded (`tenantFileChanges` makes those). */
export function migrationFileChanges(step: MigrationStep): { path: string; content: string | null }[] {
  const changes: { path: string; content: string | null }[] = [];
  changes.push({
    path: migrationPath(step.tenantId),
    content: step.migration ? serializeMigration(step.migration, '../schemas/migration.schema.json') : null,
  });
  if (step.archive)
    changes.push({ path: step.archive.path, content: serializeMigration(step.archive.migration, '../../schemas/migration.schema.json') });
  return changes;
}

/** The path of a migration file in flight. */
export function migrationPath(tenantId: string): string {
  return `${MIGRATIONS_DIR}/${tenantId}.yaml`;
}

/** The path a finished (or aborted) migration is archived to. */
export function migrationArchivePath(tenantId: string, epoch: number, aborted: boolean): string {
  return `${MIGRATIONS_ARCHIVE_DIR}/${tenantId}-${epoch}${aborted ? '-aborted' : ''}.yaml`;
}

const commandLine = (field: string, message: string): Issue => ({ file: '(command line)', line: 1, column: 1, field, message });

function findMigration(fleet: LoadedFleet, tenantId: string): LoadedMigration | undefined {
  return (fleet.migrations ?? []).find((m) => m.migration.metadata.name === tenantId);
}

function locate(fleet: LoadedFleet, tenantId: string): LocatedTenant {
  const located = fleetTenants(fleet).find((t) => t.tenant.id === tenantId);
  if (!located) throw new ValidationError([commandLine('<tenant>', `no tenant '${tenantId}' in tenants/*.yaml; check the id`)]);
  return located;
}

/**
 * Starts a migration (`stampyard tenants move <id> --to <stamp>`). Pure.
 * Throws ValidationError when the tenant or stamp doesn't exist, the target
 * can't take it (the placement rules, through `planMove`), or a migration of
 * the tenant is already in flight.
 */
export function planMigrationStart(fleet: LoadedFleet, tenantId: string, to: string, now: Date): MigrationStep {
  const running = findMigration(fleet, tenantId);
  if (running) {
    const m = running.migration;
    throw new ValidationError([
      issueAt(
        running.source,
        ['status', 'phase'],
        `a migration of '${tenantId}' from ${m.spec.from} to ${m.spec.to} is already in phase ${m.status.phase}; finish it (stampyard tenants migration advance ${tenantId}) or abort it before starting another`,
      ),
    ]);
  }
  const move = planMove(fleet, tenantId, to);
  if (move.from === undefined) {
    throw new ValidationError([
      commandLine('<tenant>', `tenant '${tenantId}' has no stamp yet, so there is nothing to migrate; run stampyard tenants place`),
    ]);
  }
  const located = locate(fleet, tenantId);
  const at = now.toISOString();
  const migration: TenantMigration = {
    apiVersion: API_VERSION,
    kind: 'TenantMigration',
    metadata: { name: tenantId },
    spec: { from: move.from, to, epoch: located.tenant.epoch ?? 0 },
    status: { phase: 'fenced', startedAt: at, phaseSince: at, history: [{ at, phase: 'fenced' }] },
  };
  return {
    tenantId,
    from: move.from,
    to,
    phase: 'fenced',
    migration,
    stamps: [move.from],
    summary: `started moving ${tenantId} from ${move.from} to ${to}: its writes are fenced (503 + Retry-After); reads stay on ${move.from}`,
  };
}

function enter(migration: TenantMigration, phase: MigrationPhase, now: Date): TenantMigration {
  const at = now.toISOString();
  return {
    ...migration,
    status: {
      ...migration.status,
      phase,
      phaseSince: at,
      ...(phase === 'done' ? { doneAt: at } : {}),
      history: [...migration.status.history, { at, phase }],
    },
  };
}

/** The target's refusal, if any. Before the contract commit the tenant is bound to the source and its weight is reserved on the target (`stampLoads`), so the reservation is taken out before the same rule placement uses is asked. */
function targetRefusal(fleet: LoadedFleet, located: LocatedTenant, to: string): string | undefined {
  const load = stampLoads(fleet).find((l) => l.name === to);
  if (!load) return `stamp '${to}' no longer exists`;
  return refusal({ ...load, used: load.used - located.tenant.weight }, located.tenant);
}

/**
 * Takes the next step of a migration (`stampyard tenants migration advance`). Pure.
 * `copy` is what the health source reports about the copy Jobs; it matters only
 * in phase `copying`. The target's capacity, residency and isolation are
 * checked again before each step that brings the tenant closer to it.
 */
export function planMigrationAdvance(fleet: LoadedFleet, tenantId: string, now: Date, copy: CopyStatus | undefined): AdvanceDecision {
  const loaded = findMigration(fleet, tenantId);
  if (!loaded)
    throw new ValidationError([
      commandLine(
        '<tenant>',
        `no migration of '${tenantId}' in ${MIGRATIONS_DIR}/; start one with stampyard tenants move ${tenantId} --to <stamp>`,
      ),
    ]);
  const { migration, source } = loaded;
  const { from, to, epoch } = migration.spec;
  const located = locate(fleet, tenantId);
  const phase = migration.status.phase;
  if (phase !== 'cutover-contract' && phase !== 'done') {
    const reason = targetRefusal(fleet, located, to);
    if (reason !== undefined) {
      throw new ValidationError([
        issueAt(
          source,
          ['spec', 'to'],
          `${to} can no longer take '${tenantId}': ${reason}; abort the migration (stampyard tenants migration abort ${tenantId}) and start one to another stamp`,
        ),
      ]);
    }
  }
  const base = { tenantId, from, to };
  switch (phase) {
    case 'fenced':
      return {
        kind: 'step',
        step: {
          ...base,
          phase: 'copying',
          migration: enter(migration, 'copying', now),
          stamps: [from, to],
          summary: `copying ${tenantId}: ${from} exports its data to the zone's object store, ${to} imports it`,
        },
      };
    case 'copying': {
      if (!copy?.exported || !copy.imported) {
        const missing = [!copy?.exported ? `the export Job on ${from}` : undefined, !copy?.imported ? `the import Job on ${to}` : undefined]
          .filter(Boolean)
          .join(' and ');
        return {
          kind: 'wait',
          reason: `waiting for ${missing} to complete; run advance again once the health source reports them complete`,
        };
      }
      return {
        kind: 'step',
        step: {
          ...base,
          phase: 'cutover-expand',
          migration: enter(migration, 'cutover-expand', now),
          stamps: [to],
          summary: `expand: ${to}'s list admits ${tenantId} at epoch ${epoch + 1}; the table still routes it to ${from}`,
        },
      };
    }
    case 'cutover-expand':
      return {
        kind: 'step',
        step: {
          ...base,
          phase: 'cutover-contract',
          migration: enter(migration, 'cutover-contract', now),
          tenantEdit: { list: located.list, index: located.index, stamp: to, previousStamp: from, epoch: epoch + 1 },
          stamps: [from, to],
          summary: `contract: the table routes ${tenantId} to ${to} at epoch ${epoch + 1}; ${from}'s list drops it (a stale router gets 421 there and re-reads)`,
        },
      };
    case 'cutover-contract':
    case 'done': {
      const done = enter(migration, 'done', now);
      return {
        kind: 'step',
        step: {
          ...base,
          phase: 'done',
          archive: { path: migrationArchivePath(tenantId, epoch + 1, false), migration: done },
          stamps: [to],
          summary: `done: ${tenantId} is served by ${to} at epoch ${epoch + 1}, writes open again`,
        },
      };
    }
  }
}

/**
 * Ends a migration where it began (`stampyard tenants migration abort`). Pure.
 * Before the contract commit nothing but the fence changed, so the file is
 * archived and the tenant stays on its stamp. After it, the tenant is bound
 * back to the source at epoch e+2: epochs only go forward, so a router still
 * on the contract table (e+1) gets 421 from the source and re-reads. Writes
 * were fenced throughout, so the source's data is whole.
 */
export function planMigrationAbort(fleet: LoadedFleet, tenantId: string, now: Date): MigrationStep {
  const loaded = findMigration(fleet, tenantId);
  if (!loaded)
    throw new ValidationError([commandLine('<tenant>', `no migration of '${tenantId}' in ${MIGRATIONS_DIR}/; nothing to abort`)]);
  const { migration } = loaded;
  const { from, to, epoch } = migration.spec;
  const at = now.toISOString();
  const contracted = migration.status.phase === 'cutover-contract';
  const aborted: TenantMigration = {
    ...migration,
    status: { ...migration.status, aborted: true, phaseSince: at, history: [...migration.status.history, { at, phase: 'aborted' }] },
  };
  const located = locate(fleet, tenantId);
  return {
    tenantId,
    from,
    to,
    phase: 'aborted',
    archive: { path: migrationArchivePath(tenantId, contracted ? epoch + 2 : epoch, true), migration: aborted },
    ...(contracted ? { tenantEdit: { list: located.list, index: located.index, stamp: from, previousStamp: to, epoch: epoch + 2 } } : {}),
    stamps: contracted ? [from, to] : migration.status.phase === 'cutover-expand' ? [from, to] : [from],
    summary: contracted
      ? `aborted: ${tenantId} is bound back to ${from} at epoch ${epoch + 2}; ${to}'s list drops it, writes open again on ${from}`
      : `aborted in phase ${migration.status.phase}: ${tenantId} stays on ${from} at epoch ${epoch}, writes open again`,
  };
}

/** Where a migration stands, for `status`, `drift` and the report. */
export interface MigrationStatus {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  readonly phase: MigrationPhase;
  readonly epoch: number;
  readonly phaseSince: string;
  /** Minutes in the current phase at `now`. */
  readonly minutesInPhase: number;
  /** Set when the phase is older than the policy allows. @default - not stuck */
  readonly stuck?: string;
}

/** Every migration in flight, sorted by tenant, flagged when stuck in a phase longer than `maxPhaseMinutes`. Pure. */
export function migrationStatuses(fleet: LoadedFleet, now: Date, maxPhaseMinutes: number): MigrationStatus[] {
  return (fleet.migrations ?? [])
    .map(({ migration: m }) => {
      const minutes = Math.floor((now.getTime() - Date.parse(m.status.phaseSince)) / 60_000);
      return {
        tenant: m.metadata.name,
        from: m.spec.from,
        to: m.spec.to,
        phase: m.status.phase,
        epoch: m.spec.epoch,
        phaseSince: m.status.phaseSince,
        minutesInPhase: minutes,
        ...(minutes > maxPhaseMinutes
          ? { stuck: `in phase ${m.status.phase} for ${minutes} minutes (policy: at most ${maxPhaseMinutes}); advance it or abort it` }
          : {}),
      };
    })
    .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}

/**
 * Why a step may not run now because the rollout's current step touches one of
 * its stamps (`busy`: stamp → when its bake ends), or undefined. Pure.
 */
export function rolloutOverlap(step: MigrationStep, busy: ReadonlyMap<string, Date>): string | undefined {
  const overlap = step.stamps.filter((s) => busy.has(s));
  if (overlap.length === 0) return undefined;
  const until = new Date(Math.max(...overlap.map((s) => busy.get(s)!.getTime())));
  return `the rollout's current step promoted ${overlap.join(', ')}, which this migration step touches; a rollout and a migration never change the same stamp in one step. Run it again after ${until.toISOString()}, when the bake ends`;
}
