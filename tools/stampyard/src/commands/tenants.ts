// `stampyard tenants place|move|migration`: bind tenants to stamps (move and migration: ./migration.ts). The libs plan; this shell reads, prints and writes.
import { Option, type Command } from 'commander';
import {
  InternalError,
  applyFileChanges,
  loadFleet,
  parseFleet,
  type FileChange,
  type LoadedFleet,
  type PlannedStamp,
} from '@stampyard/stamp-spec';
import {
  describeShortfall,
  fleetSourcesOf,
  planPlacement,
  planPlacementWithScaffold,
  stampLoads,
  tenantFileChanges,
  type PlacementPlan,
} from '@stampyard/routing';
import { resolveRoot, type Io } from '../context.ts';
import { withRepoLock } from '../lock.ts';
import { addRootOption } from '../options.ts';
import { registerMigration, registerMove } from './migration.ts';
import type { CommandResult } from '../main.ts';

const TENANTS_HELP = `
Placement binds every tenant without a stamp to the least-utilized active stamp
of its residency zone that has room (dedicated tenants: the stamp dedicated to
them). Tenants that have a stamp never move; suspended tenants are placed too,
so their data keeps one home. When some tenants don't fit, nothing is written
and the command exits 1 naming each zone and the capacity units it lacks.`;

function addTextJsonOutput(command: Command): Command {
  return command.addOption(new Option('--output <format>', 'result format').choices(['text', 'json']).default('text'));
}

/** Parses the changed files together with the rest, so nothing invalid is ever written. */
function revalidate(fleet: LoadedFleet, changes: readonly FileChange[]): void {
  const changed = new Map(changes.map((c) => [c.path, c.content]));
  const sources = fleetSourcesOf(fleet);
  const swap = (file: { path: string; text: string }) => ({ path: file.path, text: changed.get(file.path) ?? file.text });
  const extra = changes.filter((c) => c.path.startsWith('stamps/') && !sources.stamps.some((s) => s.path === c.path));
  const { issues } = parseFleet({
    fleet: sources.fleet,
    stamps: [...sources.stamps.map(swap), ...extra.map((c) => ({ path: c.path, text: c.content ?? '' }))],
    tenants: sources.tenants.map(swap),
  });
  if (issues.length > 0) {
    throw new InternalError(
      `placement produced files that don't validate:\n${issues.map((i) => `  ${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`).join('\n')}`,
    );
  }
}

function utilizationLines(fleet: LoadedFleet, plan: PlacementPlan): string[] {
  const added = new Map<string, number>();
  for (const a of plan.assignments) added.set(a.stamp, (added.get(a.stamp) ?? 0) + 1);
  const byId = new Map(fleet.tenantLists.flatMap((t) => t.list.items).map((t) => [t.id, t.weight]));
  const extra = new Map<string, number>();
  for (const a of plan.assignments) extra.set(a.stamp, (extra.get(a.stamp) ?? 0) + (byId.get(a.tenantId) ?? 0));
  return stampLoads(fleet)
    .filter((l) => added.has(l.name))
    .map((l) => {
      const used = l.used + (extra.get(l.name) ?? 0);
      return `  ${l.name}: +${added.get(l.name)} tenant${added.get(l.name) === 1 ? '' : 's'}, ${used}/${l.capacity} units (${Math.round((used / l.capacity) * 100)}%)`;
    });
}

function registerPlace(tenants: Command, io: Io, result: CommandResult): void {
  const command = tenants
    .command('place')
    .description('Bind every tenant that has no stamp, and write the bindings into tenants/*.yaml.')
    .option('--dry-run', 'print the plan, write nothing')
    .option('--scaffold-stamps', "when tenants don't fit, create the stamp files they need (as `stampyard stamp new` does), then place")
    .addHelpText('after', TENANTS_HELP);
  addRootOption(command);
  addTextJsonOutput(command);
  command.action(async (options: { root?: string; output: string; dryRun?: boolean; scaffoldStamps?: boolean }) => {
    const root = resolveRoot(options.root);
    const run = async (): Promise<void> => {
      const loaded = await loadFleet(root);
      let fleet = loaded;
      let plan: PlacementPlan;
      let stamps: readonly PlannedStamp[] = [];
      if (options.scaffoldStamps) {
        ({ fleet, plan, stamps } = planPlacementWithScaffold(loaded));
      } else {
        plan = planPlacement(loaded);
      }
      const json = options.output === 'json';
      if (plan.unplaced.length > 0) {
        if (json) io.stdout(`${JSON.stringify({ ok: false, written: [], assignments: [], unplaced: plan.unplaced }, null, 2)}\n`);
        io.stderr(
          `error: not every tenant fits; nothing was written\n${plan.unplaced.map((g) => `  ${describeShortfall(g)}`).join('\n')}\n`,
        );
        result.exitCode = 1;
        return;
      }
      const changes: FileChange[] = [
        ...stamps.map((s) => ({ path: s.path, content: s.text })),
        ...tenantFileChanges(
          fleet,
          plan.assignments.map((a) => ({ list: a.list, index: a.index, stamp: a.stamp })),
        ),
      ];
      // New stamp files are checked with everything else before anything is written. Plain
      // placement makes the checks the rules make (the routing package's property tests show it).
      if (stamps.length > 0) revalidate(fleet, changes);
      const written = options.dryRun || changes.length === 0 ? [] : await applyFileChanges(root, changes);
      if (json) {
        const assignments = plan.assignments.map((a) => ({ tenant: a.tenantId, stamp: a.stamp, file: a.file }));
        io.stdout(
          `${JSON.stringify({ ok: true, dryRun: Boolean(options.dryRun), written, scaffolded: stamps.map((s) => s.path), assignments, unplaced: [] }, null, 2)}\n`,
        );
        return;
      }
      if (plan.assignments.length === 0) {
        io.stdout('every tenant already has a stamp; nothing to do\n');
        return;
      }
      const lines = [
        ...stamps.map(
          (s) =>
            `${options.dryRun ? 'would create' : 'created'} ${s.path} (${s.stamp.spec.region}, capacity ${s.stamp.spec.capacity}${s.stamp.spec.dedicatedTo ? `, dedicated to ${s.stamp.spec.dedicatedTo}` : ''})`,
        ),
        `${options.dryRun ? 'would place' : 'placed'} ${plan.assignments.length} tenant${plan.assignments.length === 1 ? '' : 's'}:`,
        ...utilizationLines(fleet, plan),
        options.dryRun ? 'dry run: nothing written' : `wrote ${written.join(', ')}\nnext: npm run synth, then open a pull request`,
      ];
      io.stdout(`${lines.join('\n')}\n`);
    };
    return options.dryRun ? run() : withRepoLock(root, 'stampyard tenants place', io, run);
  });
}

export function registerTenants(program: Command, io: Io, result: CommandResult): void {
  const tenants = program.command('tenants').description('Place tenants on stamps and move them.').addHelpText('after', TENANTS_HELP);
  registerPlace(tenants, io, result);
  registerMove(tenants, io, result);
  registerMigration(tenants, io, result);
}
