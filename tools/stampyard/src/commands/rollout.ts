// `stampyard rollout …`: read the files, plan purely with @stampyard/rollout, write once.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import type { Command } from 'commander';
import {
  ConflictError,
  ExitError,
  ValidationError,
  applyFileChanges,
  escapeMarkdown,
  readFileIfExists,
  parseFleet,
  safeText,
  readFleetSources,
  stampFilePath,
  type FileChange,
  type FleetSources,
  type FleetSpec,
  type LoadedFleet,
  type Stamp,
} from '@stampyard/stamp-spec';
import {
  NO_HEALTH,
  ROLLOUT_FILE,
  fleetView,
  fluxHealth,
  healthSourceProblem,
  httpHealth,
  kubectlRunner,
  newestRelease,
  parseHealthFile,
  planHalt,
  planPromotion,
  planResume,
  planRollback,
  planRollout,
  planStart,
  planStatus,
  readRolloutState,
  renderPromotion,
  renderRolloutPlan,
  renderStatus,
  revisionOf,
  serializeRolloutState,
  stampFileChanges,
  writeIfUnchanged,
  type FleetView,
  type HealthReport,
  type ResultFormat,
  type RolloutState,
  type Transition,
  type VersionChange,
} from '@stampyard/rollout';
import { resolveNow, resolveRoot, type Io } from '../context.ts';
import { addNowOption, addOutputOption, addRootOption } from '../options.ts';
import type { CommandResult } from '../main.ts';

export const HEALTH_URLS_ENV = 'STAMPYARD_HEALTH_URLS';

const HEALTH_HELP = `
Health sources (--health):
  <file.json>  { "stamps": { "<name>": { "ready": true, "version": "1.5.0" } } }; a stamp
               missing from the file is unknown, and unknown is never healthy.
  flux         per stamp: kubectl --context <stamp> get kustomizations -n flux-system and the
               app Deployments in namespace <stamp>. Healthy = Ready, applied the revision it
               attempted (or --expected-revision), app images at the declared version.
  http         GET <base>/healthz on each stamp, expecting { "version", "ready" }. <base> is
               https://<stamp>.<domain> unless --health-urls <file.json> (or the file named by
               $${HEALTH_URLS_ENV}) maps stamp names to base URLs, e.g.
               { "stamp-eu-1": "http://127.0.0.1:8081" }. Unreachable or slow stamps are unknown.
Without --health every stamp is unknown: promote waits after the first wave.`;

export interface HealthOptions {
  health?: string;
  healthUrls?: string;
  endpoints?: string;
  healthTimeout?: string;
  expectedRevision?: string;
}

export function addHealthOptions(command: Command): Command {
  return command
    .option('--health <source>', 'where stamp health comes from: a JSON file, flux or http (see below)')
    .option('--health-urls <file>', `with --health http: JSON map of stamp name to base URL (default: $${HEALTH_URLS_ENV}, else https://<stamp host>)`)
    .option('--endpoints <file>', 'same as --health-urls')
    .option('--health-timeout <ms>', 'with --health http or flux: per-stamp timeout in milliseconds', '5000')
    .option('--expected-revision <sha>', 'with --health flux: the Git commit every Kustomization must have applied')
    .addHelpText('after', HEALTH_HELP);
}

/** Reads health from the source the options name. */
export async function loadHealth(options: HealthOptions, spec: FleetSpec, stamps: readonly Stamp[], cwd = process.cwd()): Promise<HealthReport> {
  const source = options.health;
  if (source === undefined) return NO_HEALTH;
  const timeoutMs = Number(options.healthTimeout ?? '5000');
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new ExitError(2, `--health-timeout: '${options.healthTimeout}' is not a positive whole number of milliseconds`);
  if (source === 'flux') {
    return fluxHealth({ spec, stamps, kubectl: kubectlRunner(timeoutMs), ...(options.expectedRevision ? { expectedRevision: options.expectedRevision } : {}) });
  }
  if (source === 'http') {
    const urlsFile = options.healthUrls ?? options.endpoints ?? process.env[HEALTH_URLS_ENV];
    const baseUrls = urlsFile ? await readUrlMap(resolve(cwd, urlsFile)) : {};
    return httpHealth({ spec, stamps, baseUrls, timeoutMs });
  }
  const path = resolve(cwd, source);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ExitError(2, `--health: '${source}' is neither flux, http nor a readable JSON file`);
  }
  return parseHealthFile(text, source, stamps.map((s) => s.metadata.name));
}

async function readUrlMap(path: string): Promise<Record<string, string>> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ExitError(2, `--health-urls: cannot read ${path} as JSON (${(error as Error).message}); expected { "<stamp>": "http://127.0.0.1:8081" }`);
  }
  if (data === null || typeof data !== 'object' || Object.values(data).some((v) => typeof v !== 'string')) {
    throw new ExitError(2, `--health-urls: ${path} must map stamp names to base URLs, e.g. { "stamp-eu-1": "http://127.0.0.1:8081" }`);
  }
  return data as Record<string, string>;
}

/** Everything a rollout command reads, before planning. */
export interface RolloutContext {
  readonly root: string;
  readonly sources: FleetSources;
  readonly loaded: LoadedFleet;
  readonly fleet: FleetView;
  readonly state: RolloutState | undefined;
}

export async function readRolloutContext(root: string): Promise<RolloutContext> {
  const sources = await readFleetSources(root);
  const { fleet: loaded, issues } = parseFleet(sources);
  if (!loaded) throw new ValidationError(issues);
  return { root, sources, loaded, fleet: fleetView(loaded), state: await readRolloutState(root) };
}

/** Test seams: run between reading the files and writing (to make races deterministic). */
export interface RolloutHooks {
  readonly beforeWrite?: () => Promise<void>;
}

/**
 * The one writer: stamp files (spec.version only, comments kept), re-rendered manifests and rollout.yaml,
 * under compare-and-swap on rollout.yaml's revision. Returns the paths written.
 */
export async function applyRolloutChange(
  ctx: RolloutContext,
  state: RolloutState,
  changes: readonly VersionChange[],
  hooks: RolloutHooks = {},
): Promise<string[]> {
  const stampChanges = stampFileChanges(ctx.sources.stamps, changes);
  const stateChange: FileChange = { path: ROLLOUT_FILE, content: serializeRolloutState(state) };
  let write: () => Promise<string[]>;
  if (stampChanges.length === 0) {
    write = () => applyFileChanges(ctx.root, [stateChange]);
  } else {
    const changed = new Map(stampChanges.map((c) => [c.path, c.content!]));
    const sources = { ...ctx.sources, stamps: ctx.sources.stamps.map((s) => ({ path: s.path, text: changed.get(s.path) ?? s.text })) };
    const { fleet: updated, issues } = parseFleet(sources);
    if (!updated) throw new ValidationError(issues);
    const { planSynth, applySynth } = await import('@stampyard/synth');
    const plan = await planSynth(updated);
    write = () => applySynth(ctx.root, plan, [...stampChanges, stateChange]);
  }
  await hooks.beforeWrite?.();
  // Under the lock: rollout.yaml's revision, and every stamp file the plan and the re-render were made from.
  const guarded = async () => {
    for (const source of ctx.sources.stamps) {
      if ((await readFileIfExists(join(ctx.root, source.path))) !== source.text) {
        throw new ConflictError(`${source.path} changed since it was read; nothing was written. Run the command again to act on the new file`);
      }
    }
    return write();
  };
  return writeIfUnchanged(ctx.root, revisionOf(ctx.state), guarded);
}

function format(options: { output: string }): ResultFormat {
  return options.output as ResultFormat;
}

interface CommonOptions {
  root?: string;
  output: string;
  now?: string;
}

function common(command: Command): Command {
  addRootOption(command);
  addOutputOption(command);
  addNowOption(command);
  return command;
}

/**
 * When rollout.yaml, as it is on disk, landed on the current branch: the time of
 * the first-parent commit that last changed it (the merge, for a merged pull
 * request). Undefined outside git or when the file has uncommitted changes, so
 * local runs count from the recorded promotion times.
 */
export async function rolloutLandedAt(root: string): Promise<Date | undefined> {
  const git = (...args: string[]) =>
    new Promise<string | undefined>((resolve) => {
      execFile('git', ['-C', root, ...args], { timeout: 10_000 }, (error, stdout) => resolve(error ? undefined : stdout.trim()));
    });
  if ((await git('status', '--porcelain', '--', ROLLOUT_FILE)) !== '') return undefined;
  const committed = await git('log', '-1', '--first-parent', '--format=%cI', '--', ROLLOUT_FILE);
  if (!committed) return undefined;
  const at = new Date(committed);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** Runs `rollout promote`; exported so tests can inject hooks. Returns the exit code. */
export async function runPromote(options: CommonOptions & HealthOptions & { dryRun?: boolean }, io: Io, hooks: RolloutHooks = {}): Promise<number> {
  const root = resolveRoot(options.root);
  const now = resolveNow(options.now);
  const ctx = await readRolloutContext(root);
  const health = await loadHealth(options, ctx.fleet.spec, ctx.fleet.stamps);
  const landedAt = await rolloutLandedAt(root);
  const plan = planPromotion({ fleet: ctx.fleet, state: ctx.state, health, now, ...(landedAt ? { landedAt } : {}) });
  if (plan.state && !options.dryRun) {
    const touched = await applyRolloutChange(ctx, plan.state, plan.changes, hooks);
    io.stderr(`wrote ${touched.length} file(s)${plan.changes.length ? `: ${plan.changes.map((c) => stampFilePath(c.stamp)).join(', ')}, ${ROLLOUT_FILE} and rendered manifests` : `: ${ROLLOUT_FILE}`}\n`);
  }
  io.stdout(renderPromotion(plan, format(options), { dryRun: Boolean(options.dryRun), ...(ctx.state ? { target: ctx.state.target.version } : {}) }));
  return plan.action === 'halted' || plan.action === 'blocked' ? 1 : 0;
}

async function runTransition(
  options: CommonOptions,
  io: Io,
  plan: (ctx: RolloutContext, now: Date) => Transition,
  kind: string,
): Promise<void> {
  const ctx = await readRolloutContext(resolveRoot(options.root));
  const transition = plan(ctx, resolveNow(options.now));
  if (!transition.ok) throw new ExitError(1, transition.problems.join('\n  '));
  await applyRolloutChange(ctx, transition.state, transition.changes);
  const body = { action: kind, version: transition.state.target.version, revision: transition.state.revision, stamps: transition.changes.map((c) => c.stamp), message: transition.message };
  if (options.output === 'json') io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  else if (options.output === 'markdown') io.stdout(`### Rollout: ${kind}\n\n${transition.message}\n`);
  else io.stdout(`${transition.message}\n`);
}

export function registerRollout(program: Command, io: Io, result: CommandResult): void {
  const rollout = program
    .command('rollout')
    .description('Roll a release across the fleet wave by wave: each step edits stamp files and rollout.yaml, for review and Flux.');

  const plan = common(rollout.command('plan').argument('[version]', 'release to plan (default: the rollout in progress, else the newest release)'))
    .description('Show the waves in order with their stamps, bake times and whatever would block the rollout.');
  plan.action(async (version: string | undefined, options: CommonOptions) => {
    const ctx = await readRolloutContext(resolveRoot(options.root));
    const target = version ?? (ctx.state?.phase === 'progressing' ? ctx.state.target.version : newestRelease(ctx.fleet));
    io.stdout(renderRolloutPlan(planRollout(ctx.fleet, ctx.state, target, resolveNow(options.now)), format(options)));
  });

  const start = common(rollout.command('start').argument('<version>', 'release from the catalog'))
    .description('Begin a rollout. Refuses a version not in the catalog, stamps outside its upgradeFrom, and a second rollout while one is in progress.');
  start.action(async (version: string, options: CommonOptions) => {
    await runTransition(options, io, (ctx, now) => planStart(ctx.fleet, ctx.state, version, now), 'started');
  });

  const promote = addHealthOptions(
    common(rollout.command('promote'))
      .description(
        'Take one step: promote the next wave, or the next batch of the current wave (set spec.version, re-render), or say why not. ' +
          'Results: promoted, waiting, frozen, complete, halted (exit 1), blocked (exit 1), idle.',
      )
      .option('--dry-run', 'plan the step and print it; write nothing'),
  );
  promote.action(async (options: CommonOptions & HealthOptions & { dryRun?: boolean }) => {
    result.exitCode = await runPromote(options, io);
  });

  const status = addHealthOptions(common(rollout.command('status')))
    .description('Each stamp with its wave, declared and observed version, health and time since promotion; the phase; what happens next.');
  status.action(async (options: CommonOptions & HealthOptions) => {
    const ctx = await readRolloutContext(resolveRoot(options.root));
    const health = await loadHealth(options, ctx.fleet.spec, ctx.fleet.stamps);
    io.stdout(renderStatus(planStatus({ fleet: ctx.fleet, state: ctx.state, health, now: resolveNow(options.now) }), format(options)));
    // JSON carries each stamp's reason; text and Markdown say once why the source told nothing.
    io.stdout(healthNote(health, ctx.fleet.stamps, format(options)));
  });

  const halt = common(rollout.command('halt').requiredOption('--reason <text>', 'why; recorded in rollout.yaml'))
    .description('Halt the rollout in progress; nothing is promoted until resume.');
  halt.action(async (options: CommonOptions & { reason: string }) => {
    await runTransition(options, io, (ctx, now) => planHalt(ctx.state, options.reason, now), 'halted');
  });

  const resume = common(rollout.command('resume')).description('Clear a halt so promote continues.');
  resume.action(async (options: CommonOptions) => {
    await runTransition(options, io, (ctx, now) => planResume(ctx.state, now), 'resumed');
  });

  const rollback = common(rollout.command('rollback'))
    .description('Return every stamp this rollout promoted to its recorded previous version, re-rendered; the rollout stays halted.');
  rollback.action(async (options: CommonOptions) => {
    await runTransition(options, io, (ctx, now) => planRollback(ctx.fleet, ctx.state, now), 'rolled-back');
  });
}

/** Why the health source told nothing, once, for text and Markdown output ('' when it answered, and for JSON). */
export function healthNote(health: HealthReport, stamps: readonly Stamp[], output: ResultFormat): string {
  const problem = healthSourceProblem(health, stamps.map((s) => s.metadata.name));
  if (problem === undefined || output === 'json') return '';
  return output === 'markdown' ? `\n> [!NOTE]\n> ${escapeMarkdown(problem)}\n` : `note: ${safeText(problem)}\n`;
}
