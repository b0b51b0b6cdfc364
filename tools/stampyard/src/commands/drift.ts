// `stampyard drift`: where the fleet is not where git and the rollout say it should be.
import type { Command } from 'commander';
import {
  ValidationError,
  fleetSchema,
  formatIssue,
  parseFleet,
  parseYamlSource,
  readFleetSources,
  stampSchema,
  validateSource,
  type FleetSources,
  type Stamp,
} from '@stampyard/stamp-spec';
import { migrationStatuses } from '@stampyard/routing';
import {
  loadHealth,
  planDrift,
  readRolloutState,
  renderDrift,
  type DriftInput,
  type DriftReport,
  type Landing,
  type ResultFormat,
} from '@stampyard/rollout';
import { resolveNow, resolveRoot, type Io } from '../context.ts';
import { addNowOption, addOutputOption, addRootOption } from '../options.ts';
import { addHealthOptions, type HealthOptions } from './rollout.ts';
import { rolloutLandings } from '../rollout-io.ts';
import type { CommandResult } from '../main.ts';

/**
 * Parses fleet.yaml strictly and each stamp file on its own, so a stamp naming a version missing from
 * the catalog (which the fleet rules reject) becomes a finding rather than a failure.
 */
export function parseForDrift(sources: FleetSources): Pick<DriftInput, 'spec' | 'stamps' | 'invalidStamps'> {
  const fleetParsed = parseYamlSource(sources.fleet);
  const fleet = fleetParsed.source ? validateSource(fleetParsed.source, fleetSchema) : { issues: fleetParsed.issues };
  if (!fleet.value) throw new ValidationError(fleet.issues);
  const stamps: Stamp[] = [];
  const invalidStamps: { stamp: string; message: string }[] = [];
  for (const file of sources.stamps) {
    const parsed = parseYamlSource(file);
    const validated = parsed.source ? validateSource(parsed.source, stampSchema) : { issues: parsed.issues };
    if (validated.value) stamps.push(validated.value);
    else
      invalidStamps.push({
        stamp: file.path.replace(/^stamps\//, '').replace(/\.ya?ml$/, ''),
        message: validated.issues.map(formatIssue).join('; '),
      });
  }
  stamps.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return { spec: fleet.value.spec, stamps, invalidStamps };
}

/** What drift is computed from; `stampyard drift` and `stampyard report` both pass exactly this. */
export interface DriftContext {
  readonly root: string;
  readonly sources: FleetSources;
  readonly now: Date;
  readonly state: DriftInput['state'] | undefined;
  readonly health: DriftInput['health'] | undefined;
  /** First-parent commits that changed rollout.yaml (bake clocks). */
  readonly landings: readonly Landing[];
  /** Skip re-rendering the fleet to compare with rendered/. */
  readonly skipRendered: boolean;
}

/** The drift findings, the one way every command computes them. */
export async function collectDrift(context: DriftContext): Promise<DriftReport> {
  const { root, sources, now, state, health } = context;
  let rendered: DriftInput['rendered'];
  if (!context.skipRendered) {
    const { fleet, issues } = parseFleet(sources);
    if (fleet) {
      const { planSynth, diffSynth } = await import('@stampyard/synth');
      rendered = await diffSynth(root, await planSynth(fleet));
    } else {
      rendered = { unavailable: `the fleet does not validate (${issues.length} problem(s); run stampyard validate)` };
    }
  }
  return planDrift({
    ...parseForDrift(sources),
    ...(state ? { state } : {}),
    ...(health ? { health } : {}),
    ...(rendered ? { rendered } : {}),
    landings: context.landings,
    now,
  });
}

export function registerDrift(program: Command, io: Io, result: CommandResult): void {
  const command = program
    .command('drift')
    .description(
      'Flag version drift: more versions than the policy allows, stragglers behind a later wave, versions missing from the catalog, ' +
        'clusters not running what git declares (with --health), a stalled rollout, rendered manifests out of step. Exit 1 when any finding is an error.',
    )
    .option('--skip-rendered', 'do not re-render the fleet to compare with rendered/ (faster)');
  addRootOption(command);
  addOutputOption(command);
  addNowOption(command);
  addHealthOptions(command);
  command.action(async (options: { root?: string; output: string; now?: string; skipRendered?: boolean } & HealthOptions) => {
    const root = resolveRoot(options.root);
    const now = resolveNow(options.now);
    const sources = await readFleetSources(root);
    const parsed = parseForDrift(sources);
    const state = await readRolloutState(root);
    const health = options.health === undefined ? undefined : await loadHealth(options, parsed.spec, parsed.stamps);
    const landings = await rolloutLandings(root);
    const report = await collectDrift({ root, sources, now, state, health, landings, skipRendered: options.skipRendered ?? false });
    io.stdout(renderDrift(report, options.output as ResultFormat));
    result.exitCode = report.ok ? 0 : 1;
    // Tenant migrations in flight, flagged when stuck in a phase longer than the policy allows.
    const { fleet } = parseFleet(sources);
    const migrations = fleet ? migrationStatuses(fleet, now, fleet.fleet.spec.migration.maxPhaseMinutes) : [];
    if (migrations.some((m) => m.stuck !== undefined)) result.exitCode = 1;
    if (migrations.length > 0 && options.output !== 'json') {
      const bullet = options.output === 'markdown' ? '- ' : '  ';
      io.stdout(
        `${options.output === 'markdown' ? '\n### Tenant migrations in flight\n\n' : '\nTenant migrations in flight:\n'}${migrations.map((m) => `${bullet}${m.stuck ? 'error' : 'info'}: ${m.tenant} ${m.from} → ${m.to}, ${m.phase} since ${m.phaseSince}${m.stuck ? `; ${m.stuck}` : ''}`).join('\n')}\n`,
      );
    }
  });
}
