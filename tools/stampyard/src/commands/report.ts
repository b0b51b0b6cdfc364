// `stampyard report`: the intended state next to the observed state, as markdown, HTML or JSON.
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parseFleet, readFleetSources, ValidationError, writeFileAtomic } from '@stampyard/stamp-spec';
import { NO_HEALTH, decideRollout, fleetView, healthSourceProblem, loadHealth, readRolloutState } from '@stampyard/rollout';
import {
  buildFleetView,
  observationsFrom,
  readBaseDiff,
  renderHtml,
  renderJson,
  renderMarkdown,
  rolloutStatusFrom,
  type FleetView,
} from '@stampyard/report';
import { resolveNow, resolveRoot, type Io } from '../context.ts';
import { addNowOption, addRootOption } from '../options.ts';
import { addHealthOptions, type HealthOptions } from './rollout.ts';
import { rolloutLandings } from '../rollout-io.ts';
import { collectDrift } from './drift.ts';
import type { CommandResult } from '../main.ts';
import { collectAnalytics } from './analytics.ts';

export type ReportFormat = 'markdown' | 'html' | 'json';

interface ReportOptions extends HealthOptions {
  root?: string;
  now?: string;
  format: ReportFormat;
  out?: string;
  base?: string;
  skipRendered?: boolean;
  lake?: string;
}

const REPORT_HELP = `
The report covers: the fleet summary (stamps by region and zone, capacity per zone, tenants),
the version matrix (declared and, with --health, observed versions), rollout progress per
wave (from rollout.yaml), the findings of \`stampyard drift\`, and with --base the stamps,
rendered files, tenants and routing-table revision changed since that git ref.
It exits 0 whenever the report was written, whatever it shows; use \`stampyard drift\` to gate.`;

export function registerReport(program: Command, io: Io, result: CommandResult): void {
  const command = program
    .command('report')
    .description(
      'Render the fleet view: versions, rollout progress, drift and capacity, as markdown (pull-request comment), a self-contained HTML dashboard, or JSON.',
    )
    .addOption(new Option('--format <format>', 'report format').choices(['markdown', 'html', 'json']).default('markdown'))
    .option('--out <file>', 'write the report to this file, atomically (default: print to stdout)')
    .option('--base <git ref>', 'pull-request mode: also show what changed since this git ref (run in --root)')
    .option('--skip-rendered', 'do not re-render the fleet to check rendered/ for drift (faster)')
    .option('--lake <dir>', 'add usage from the analytics lake: top tenants, noisy neighbours and errors by version, each zone on its own');
  addRootOption(command);
  addNowOption(command);
  addHealthOptions(command);
  command.addHelpText('after', REPORT_HELP);
  command.action(async (options: ReportOptions) => {
    const view = await collectFleetView(options);
    const text = options.format === 'html' ? renderHtml(view) : options.format === 'json' ? renderJson(view) : renderMarkdown(view);
    if (options.out === undefined) {
      io.stdout(text);
    } else {
      const path = resolve(options.out);
      await writeFileAtomic(path, text);
      io.stderr(`wrote ${options.format} report to ${path} (${Buffer.byteLength(text).toLocaleString('en-US')} bytes)\n`);
    }
    result.exitCode = 0;
  });
}

/** Reads everything the report shows, the same way `stampyard rollout status` and `stampyard drift` read it. */
export async function collectFleetView(options: ReportOptions): Promise<FleetView> {
  const root = resolveRoot(options.root);
  const now = resolveNow(options.now);
  const sources = await readFleetSources(root);
  const { fleet, issues } = parseFleet(sources);
  if (!fleet) throw new ValidationError(issues);
  const stamps = fleet.stamps.map((s) => s.stamp);
  const state = await readRolloutState(root);
  const health = options.health === undefined ? undefined : await loadHealth(options, fleet.fleet.spec, stamps);

  // Drift: the same inputs and the same function as `stampyard drift`.
  const landings = await rolloutLandings(root);
  const drift = await collectDrift({ root, sources, now, state, health, landings, skipRendered: options.skipRendered ?? false });

  // Rollout progress and health verdicts: the one decision `rollout promote` takes.
  const decisionInput = { fleet: fleetView(fleet), state, health: health ?? NO_HEALTH, now, landings };
  const rollout = rolloutStatusFrom(decisionInput);
  const healthProblem = health
    ? healthSourceProblem(
        health,
        stamps.map((s) => s.metadata.name),
      )
    : undefined;
  const base = options.base === undefined ? undefined : await readBaseDiff(root, options.base);
  return buildFleetView({
    fleet,
    now,
    ...(rollout ? { rollout } : {}),
    ...(health ? { health: observationsFrom(decideRollout(decisionInput), health), healthSource: health.source } : {}),
    ...(healthProblem ? { healthProblem } : {}),
    drift: drift.findings,
    ...(base ? { base } : {}),
    ...(options.lake !== undefined ? { analytics: await collectAnalytics(options.lake, fleet) } : {}),
  });
}
