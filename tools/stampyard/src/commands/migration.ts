// `stampyard tenants move` and `stampyard tenants migration advance|status|abort`: a tenant moving
// between stamps, one reviewed commit per phase. libs/routing plans; this shell reads, prints and writes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import {
  ConflictError,
  ExitError,
  ValidationError,
  parseFleet,
  readFileIfExists,
  readFleetSources,
  type FileChange,
  type FleetSources,
  type LoadedFleet,
} from '@stampyard/stamp-spec';
import {
  migrationFileChanges,
  migrationStatuses,
  planMigrationAbort,
  planMigrationAdvance,
  planMigrationStart,
  rolloutOverlap,
  tenantFileChanges,
  type CopyStatus,
  type MigrationStep,
} from '@stampyard/routing';
import { readRolloutState, stampsInRolloutStep } from '@stampyard/rollout';
import { resolveRoot, type Io } from '../context.ts';
import { withRepoLock } from '../lock.ts';
import { addRootOption } from '../options.ts';
import type { CommandResult } from '../main.ts';

const MIGRATION_HELP = `
A migration moves a tenant in reviewed commits, one per phase:
  tenants move <id> --to <stamp>     fenced: writes answered 503 + Retry-After, reads stay on the source
  tenants migration advance <id>     copying: the source exports, the target imports (Jobs, same zone)
  tenants migration advance <id>     cutover-expand: once both copies completed, the target admits the tenant at epoch e+1
  tenants migration advance <id>     cutover-contract: the table routes to the target at e+1, the source drops it
  tenants migration advance <id>     done: the fence is lifted; migrations/<id>.yaml moves to migrations/archive/
  tenants migration abort <id>       back to where it began, from any phase
Every command re-renders (rendered/), takes the repository lock (the one rollouts and synth take) and
writes only if no file it read changed since (compare-and-swap). A step that touches a stamp the rollout's current
step promoted and that is still baking is refused until the bake ends.

Copy status (advance --health): a JSON file { "migrations": { "<tenant>": { "exported": true, "imported": true } } },
or http: asks each stamp-app's admin port (--health-urls <file>: { "<stamp>": "http://127.0.0.1:9001" }),
GET /tenants/<id>/copy-status. Unknown is never complete.

Exit codes: 0 ok (also: advance waits, and says why); 1 invalid input, a refused step, a file changed since
it was read (run again), or status found a migration stuck in a phase longer than fleet.yaml's spec.migration.maxPhaseMinutes; 2 usage error.`;

function addOutput(command: Command): Command {
  return command.addOption(new Option('--output <format>', 'result format').choices(['text', 'json']).default('text'));
}

function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const now = new Date(text);
  if (Number.isNaN(now.getTime())) throw new ExitError(2, `--now: '${text}' is not an ISO-8601 time; use e.g. 2026-12-01T10:00:00Z`);
  return now;
}

async function load(root: string): Promise<{ sources: FleetSources; fleet: LoadedFleet }> {
  const sources = await readFleetSources(root);
  const { fleet, issues } = parseFleet(sources);
  if (!fleet) throw new ValidationError(issues);
  return { sources, fleet };
}

/**
 * The one writer: migration files, the tenant file and the re-render, with compare-and-swap on every
 * file the step was planned from and on rollout.yaml. The caller holds the repository lock. Returns the paths written.
 */
async function applyMigrationStep(
  root: string,
  sources: FleetSources,
  fleet: LoadedFleet,
  step: MigrationStep,
  now: Date,
  enforceRollout: boolean,
): Promise<string[]> {
  const rolloutText = await readFileIfExists(join(root, 'rollout.yaml'));
  const rollout = await readRolloutState(root);
  if (enforceRollout) {
    const overlap = rolloutOverlap(step, stampsInRolloutStep(rollout, fleet, now));
    if (overlap !== undefined) throw new ValidationError([{ file: 'rollout.yaml', line: 1, column: 1, field: 'stamps', message: overlap }]);
  }
  const changes: FileChange[] = [...migrationFileChanges(step), ...(step.tenantEdit ? tenantFileChanges(fleet, [step.tenantEdit]) : [])];
  // Parse the fleet as it will be, so nothing invalid is written, and render it.
  const changed = new Map(changes.map((c) => [c.path, c.content]));
  const swap = (f: { path: string; text: string }) => ({ path: f.path, text: changed.has(f.path) ? (changed.get(f.path) ?? '') : f.text });
  const migrations = [...(sources.migrations ?? []).filter((f) => changed.get(f.path) !== null).map(swap)];
  const inFlight = (path: string) => path.startsWith('migrations/') && path.split('/').length === 2;
  for (const c of changes)
    if (c.content !== null && inFlight(c.path) && !migrations.some((m) => m.path === c.path))
      migrations.push({ path: c.path, text: c.content });
  const next = parseFleet({ ...sources, tenants: (sources.tenants ?? []).map(swap), migrations });
  if (!next.fleet) throw new ValidationError(next.issues);
  const { planSynth, applySynth } = await import('@stampyard/synth');
  const plan = await planSynth(next.fleet);
  const readFrom = [sources.fleet, ...sources.stamps, ...(sources.tenants ?? []), ...(sources.migrations ?? [])];
  // The caller holds the repository lock; rollout.yaml is read again here, so a rollout step in between is seen.
  const rolloutNow = await readFileIfExists(join(root, 'rollout.yaml'));
  if (rolloutNow !== rolloutText)
    throw new ConflictError('rollout.yaml changed since it was read; nothing was written. Run the command again');
  return (async () => {
    for (const file of readFrom) {
      if ((await readFileIfExists(join(root, file.path))) !== file.text)
        throw new ConflictError(
          `${file.path} changed since it was read; nothing was written. Run the command again to act on the new file`,
        );
    }
    for (const c of changes) {
      if (!readFrom.some((f) => f.path === c.path) && c.content !== null && (await readFileIfExists(join(root, c.path))) !== undefined) {
        throw new ConflictError(`${c.path} was created since this command read the repository; nothing was written. Run the command again`);
      }
    }
    return applySynth(root, plan, changes);
  })();
}

function printStep(io: Io, options: { output: string; dryRun?: boolean }, step: MigrationStep, written: readonly string[]): void {
  if (options.output === 'json') {
    io.stdout(
      `${JSON.stringify({ ok: true, dryRun: Boolean(options.dryRun), tenant: step.tenantId, from: step.from, to: step.to, phase: step.phase, summary: step.summary, written }, null, 2)}\n`,
    );
    return;
  }
  io.stdout(
    `${options.dryRun ? 'would do: ' : ''}${step.summary}\n${options.dryRun ? 'dry run: nothing written\n' : `wrote ${written.length} files; commit them and open a pull request\n`}`,
  );
}

/** Copy status from a JSON file or the stamp-apps' admin ports. */
async function readCopyStatus(
  source: string | undefined,
  urlsFile: string | undefined,
  tenant: string,
  from: string,
  to: string,
): Promise<CopyStatus | undefined> {
  if (source === undefined) return undefined;
  if (source === 'http') {
    if (urlsFile === undefined) throw new ExitError(2, '--health http needs --health-urls <file> mapping each stamp to its admin URL');
    let urls: Record<string, string>;
    try {
      urls = JSON.parse(await readFile(urlsFile, 'utf8')) as Record<string, string>;
    } catch (error) {
      throw new ExitError(
        2,
        `--health-urls: cannot read ${urlsFile} as JSON (${(error as Error).message}); expected { "<stamp>": "http://127.0.0.1:9001" }`,
      );
    }
    const ask = async (stamp: string, field: 'exported' | 'imported'): Promise<boolean> => {
      const base = urls[stamp];
      if (base === undefined) return false;
      try {
        const answer = await fetch(`${base}/tenants/${tenant}/copy-status`, { signal: AbortSignal.timeout(5000) });
        if (!answer.ok) return false;
        return ((await answer.json()) as Record<string, unknown>)[field] === true;
      } catch {
        return false; // unreachable is unknown, and unknown is never complete
      }
    };
    return { exported: await ask(from, 'exported'), imported: await ask(to, 'imported') };
  }
  let data: unknown;
  try {
    data = JSON.parse(await readFile(source, 'utf8'));
  } catch (error) {
    throw new ExitError(2, `--health: '${source}' is neither http nor a readable JSON file (${(error as Error).message})`);
  }
  const entry = (data as { migrations?: Record<string, Partial<CopyStatus>> } | null)?.migrations?.[tenant];
  return { exported: entry?.exported === true, imported: entry?.imported === true };
}

/** `stampyard tenants move <id> --to <stamp>`: starts a migration. */
export function registerMove(tenants: Command, io: Io, _result: CommandResult): void {
  const command = tenants
    .command('move')
    .description(
      'Start moving one tenant to another stamp: a fenced, phased migration recorded in migrations/<id>.yaml (see `tenants migration --help`).',
    )
    .argument('<tenant>', 'tenant id')
    .requiredOption('--to <stamp>', 'the stamp to move it to: active, in its residency zone, with room, matching its isolation')
    .option('--dry-run', 'print the plan, write nothing')
    .option('--now <time>', 'the time recorded in the migration file (ISO-8601); default: now')
    .addHelpText('after', MIGRATION_HELP);
  addRootOption(command);
  addOutput(command);
  command.action(async (tenantId: string, options: { root?: string; output: string; to: string; dryRun?: boolean; now?: string }) => {
    const root = resolveRoot(options.root);
    const now = parseNow(options.now);
    const run = async (): Promise<void> => {
      const { sources, fleet } = await load(root);
      const step = planMigrationStart(fleet, tenantId, options.to, now);
      const written = options.dryRun ? [] : await applyMigrationStep(root, sources, fleet, step, now, true);
      printStep(io, options, step, written);
    };
    await (options.dryRun ? run() : withRepoLock(root, 'stampyard tenants move', io, run));
  });
}

/** `stampyard tenants migration advance|status|abort`. */
export function registerMigration(tenants: Command, io: Io, result: CommandResult): void {
  const migration = tenants
    .command('migration')
    .description('Advance, inspect or abort tenant migrations.')
    .addHelpText('after', MIGRATION_HELP);

  const advance = migration
    .command('advance')
    .description('Take the next step of a migration, or say why it waits.')
    .argument('<tenant>', 'tenant id')
    .option('--health <source>', "where the copy Jobs' status comes from: a JSON file or http")
    .option('--health-urls <file>', 'with --health http: JSON map of stamp name to its stamp-app admin URL')
    .option('--dry-run', 'print the step, write nothing')
    .option('--now <time>', 'the time recorded (ISO-8601); default: now');
  addRootOption(advance);
  addOutput(advance);
  advance.action(
    async (
      tenantId: string,
      options: { root?: string; output: string; health?: string; healthUrls?: string; dryRun?: boolean; now?: string },
    ) => {
      const root = resolveRoot(options.root);
      const now = parseNow(options.now);
      const run = async (): Promise<void> => {
        const { sources, fleet } = await load(root);
        const running = (fleet.migrations ?? []).find((m) => m.migration.metadata.name === tenantId)?.migration;
        const copy =
          running?.status.phase === 'copying'
            ? await readCopyStatus(options.health, options.healthUrls, tenantId, running.spec.from, running.spec.to)
            : undefined;
        const decision = planMigrationAdvance(fleet, tenantId, now, copy);
        if (decision.kind === 'wait') {
          if (options.output === 'json')
            io.stdout(`${JSON.stringify({ ok: true, tenant: tenantId, waiting: decision.reason, written: [] }, null, 2)}\n`);
          else io.stdout(`${tenantId}: ${decision.reason}\n`);
          return;
        }
        const written = options.dryRun ? [] : await applyMigrationStep(root, sources, fleet, decision.step, now, true);
        printStep(io, options, decision.step, written);
      };
      await (options.dryRun ? run() : withRepoLock(root, 'stampyard tenants migration advance', io, run));
    },
  );

  const abort = migration
    .command('abort')
    .description('End a migration where it began: the tenant stays on (or goes back to) its original stamp, writes open again.')
    .argument('<tenant>', 'tenant id')
    .option('--dry-run', 'print the step, write nothing')
    .option('--now <time>', 'the time recorded (ISO-8601); default: now');
  addRootOption(abort);
  addOutput(abort);
  abort.action(async (tenantId: string, options: { root?: string; output: string; dryRun?: boolean; now?: string }) => {
    const root = resolveRoot(options.root);
    const now = parseNow(options.now);
    const run = async (): Promise<void> => {
      const { sources, fleet } = await load(root);
      const step = planMigrationAbort(fleet, tenantId, now);
      // An abort is the way back; the rollout never blocks it.
      const written = options.dryRun ? [] : await applyMigrationStep(root, sources, fleet, step, now, false);
      printStep(io, options, step, written);
    };
    await (options.dryRun ? run() : withRepoLock(root, 'stampyard tenants migration abort', io, run));
  });

  const status = migration
    .command('status')
    .description('Where each migration stands; flags one stuck in a phase.')
    .option('--now <time>', 'judge against this time (ISO-8601); default: now');
  addRootOption(status);
  addOutput(status);
  status.action(async (options: { root?: string; output: string; now?: string }) => {
    const root = resolveRoot(options.root);
    const { fleet } = await load(root);
    const statuses = migrationStatuses(fleet, parseNow(options.now), fleet.fleet.spec.migration.maxPhaseMinutes);
    if (statuses.some((s) => s.stuck !== undefined)) result.exitCode = 1;
    if (options.output === 'json') {
      io.stdout(`${JSON.stringify({ ok: result.exitCode === 0, migrations: statuses }, null, 2)}\n`);
      return;
    }
    if (statuses.length === 0) {
      io.stdout('no migration in flight\n');
      return;
    }
    for (const s of statuses)
      io.stdout(
        `${s.tenant}: ${s.from} → ${s.to}, ${s.phase} since ${s.phaseSince} (epoch ${s.epoch})${s.stuck ? `; STUCK: ${s.stuck}` : ''}\n`,
      );
  });
}
