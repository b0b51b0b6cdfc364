// `stampyard rollout …`: read the files, plan purely with @stampyard/rollout, write once.
import type { Command } from 'commander';
import { ExitError, escapeMarkdown, safeText, stampFilePath, type Stamp } from '@stampyard/stamp-spec';
import {
  HEALTH_URLS_ENV,
  NO_HEALTH,
  ROLLOUT_FILE,
  exitCodeFor,
  isUnderWay,
  loadHealth,
  healthSourceProblem,
  newestRelease,
  gitRunner,
  planAbort,
  planApprove,
  planExclude,
  planHalt,
  planInclude,
  planPromotion,
  planRolloutHistory,
  readFileVersions,
  renderRolloutHistory,
  PROMETHEUS_URL_ENV,
  planResume,
  planRollback,
  planRollout,
  planStart,
  planStatus,
  renderPromotion,
  renderRolloutPlan,
  renderStatus,
  type HealthReport,
  type HealthSourceOptions,
  type ResultFormat,
  type Transition,
} from '@stampyard/rollout';
import { resolveNow, resolveRoot, type Io } from '../context.ts';
import { addNowOption, addOutputOption, addRootOption } from '../options.ts';
import { withRepoLock } from '../lock.ts';
import { applyRolloutChange, readRolloutContext, rolloutLandings, type RolloutContext, type RolloutHooks } from '../rollout-io.ts';
import type { CommandResult } from '../main.ts';

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
  prometheus   runs each analysis of fleet.yaml spec.rollout.analysis for every stamp as an
               instant query at Prometheus's own current time (--now does not apply to it),
               with $stamp and $window substituted; needs --prometheus-url (or
               $${PROMETHEUS_URL_ENV}). A stamp passes only when every analysis has data within
               its bounds; no data is unknown, a value out of bounds fails the stamp. Prometheus
               knows no versions: combine it with a source that does.
  a,b          several sources joined by commas, e.g. prometheus,flux: all must call a stamp
               healthy; an explicit failure from any of them fails it.
Without --health every stamp is unknown: promote waits after the first wave.
A promoted stamp that is not ready yet, or still runs its previous version, is converging until
fleet.yaml rollout.progressDeadlineMinutes (default 15) after its promotion landed; then it fails.`;

export type HealthOptions = HealthSourceOptions;

export function addHealthOptions(command: Command): Command {
  return command
    .option(
      '--health <source>',
      'where stamp health comes from: a JSON file, flux, http or prometheus, or several joined by commas (see below)',
    )
    .option('--prometheus-url <url>', `with --health prometheus: the Prometheus base URL (default: $${PROMETHEUS_URL_ENV})`)
    .option(
      '--health-urls <file>',
      `with --health http: JSON map of stamp name to base URL (default: $${HEALTH_URLS_ENV}, else https://<stamp host>)`,
    )
    .option('--endpoints <file>', 'same as --health-urls')
    .option('--health-timeout <ms>', 'with --health http or flux: per-stamp timeout in milliseconds', '5000')
    .option('--expected-revision <sha>', 'with --health flux: the Git commit every Kustomization must have applied')
    .addHelpText('after', HEALTH_HELP);
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

/** Runs `rollout promote`; exported so tests can inject hooks. Returns the exit code. */
export async function runPromote(
  options: CommonOptions & HealthOptions & { dryRun?: boolean },
  io: Io,
  hooks: RolloutHooks = {},
): Promise<number> {
  const root = resolveRoot(options.root);
  const now = resolveNow(options.now);
  const step = async () => {
    const ctx = await readRolloutContext(root, io);
    const health = await loadHealth(options, ctx.fleet.spec, ctx.fleet.stamps);
    const landings = await rolloutLandings(root);
    const plan = planPromotion({ fleet: ctx.fleet, state: ctx.state, health, now, landings });
    if (plan.state && !options.dryRun) {
      const touched = await applyRolloutChange(ctx, 'stampyard rollout promote', plan.state, plan.changes, hooks);
      io.stderr(
        `wrote ${touched.length} file(s)${plan.changes.length ? `: ${plan.changes.map((c) => stampFilePath(c.stamp)).join(', ')}, ${ROLLOUT_FILE} and rendered manifests` : `: ${ROLLOUT_FILE}`}\n`,
      );
    }
    io.stdout(
      renderPromotion(plan, format(options), {
        dryRun: Boolean(options.dryRun),
        ...(ctx.state ? { target: ctx.state.target.version } : {}),
      }),
    );
    return exitCodeFor(plan.action);
  };
  // A dry run only reads: no lock.
  return options.dryRun ? step() : withRepoLock(root, 'stampyard rollout promote', io, step);
}

async function runTransition(
  options: CommonOptions,
  io: Io,
  plan: (ctx: RolloutContext, now: Date) => Transition,
  kind: 'start' | 'halt' | 'resume' | 'rollback' | 'approve' | 'exclude' | 'include' | 'abort',
): Promise<void> {
  const root = resolveRoot(options.root);
  const now = resolveNow(options.now);
  const command = `stampyard rollout ${kind}`;
  const transition = await withRepoLock(root, command, io, async () => {
    const ctx = await readRolloutContext(root, io);
    const planned = plan(ctx, now);
    if (!planned.ok) throw new ExitError(1, planned.problems.join('\n  '));
    await applyRolloutChange(ctx, command, planned.state, planned.changes);
    return planned;
  });
  const action = {
    start: 'started',
    halt: 'halted',
    resume: 'resumed',
    rollback: 'rolled-back',
    approve: 'approved',
    exclude: 'excluded',
    include: 'included',
    abort: 'aborted',
  }[kind];
  const body = {
    action,
    version: transition.state.target.version,
    revision: transition.state.revision,
    stamps: transition.changes.map((c) => c.stamp),
    message: transition.message,
  };
  if (options.output === 'json') io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  else if (options.output === 'markdown') io.stdout(`### Rollout: ${action}\n\n${transition.message}\n`);
  else io.stdout(`${transition.message}\n`);
}

export function registerRollout(program: Command, io: Io, result: CommandResult): void {
  const rollout = program
    .command('rollout')
    .description('Roll a release across the fleet wave by wave: each step edits stamp files and rollout.yaml, for review and Flux.');

  const plan = common(
    rollout.command('plan').argument('[version]', 'release to plan (default: the rollout in progress, else the newest release)'),
  ).description('Show the waves in order with their stamps, bake times and whatever would block the rollout.');
  plan.option('--allow-downgrade', "plan a target lower than some stamp's version (as `start --allow-downgrade` would)");
  plan.action(async (version: string | undefined, options: CommonOptions & { allowDowngrade?: boolean }) => {
    const root = resolveRoot(options.root);
    const ctx = await readRolloutContext(root, io);
    const target = version ?? (isUnderWay(ctx.state) ? ctx.state.target.version : newestRelease(ctx.fleet));
    const rolloutPlan = planRollout({
      fleet: ctx.fleet,
      state: ctx.state,
      health: NO_HEALTH,
      now: resolveNow(options.now),
      landings: await rolloutLandings(root),
      target,
      allowDowngrade: options.allowDowngrade === true,
    });
    io.stdout(renderRolloutPlan(rolloutPlan, format(options)));
    result.exitCode = rolloutPlan.blockers.length > 0 ? 1 : 0;
  });

  const start = common(rollout.command('start').argument('<version>', 'release from the catalog'))
    .description(
      'Begin a rollout. Refuses a version not in the catalog, stamps outside its upgradeFrom, a downgrade (naming the stamps), and a second rollout while one is in progress or halted.',
    )
    .option('--allow-downgrade', "allow a target lower than some stamp's version; recorded in rollout.yaml");
  start.action(async (version: string, options: CommonOptions & { allowDowngrade?: boolean }) => {
    await runTransition(
      options,
      io,
      (ctx, now) => planStart(ctx.fleet, ctx.state, version, now, { allowDowngrade: options.allowDowngrade === true }),
      'start',
    );
  });

  const promote = addHealthOptions(
    common(rollout.command('promote'))
      .description(
        'Take one step: promote the next wave, or the next batch of the current wave (set spec.version, re-render), or say why not. ' +
          'Results: promoted, waiting, waiting-approval, frozen, complete, idle, aborted (exit 0); halted, rolled-back, blocked (exit 1).',
      )
      .option('--dry-run', 'plan the step and print it; write nothing'),
  );
  promote.action(async (options: CommonOptions & HealthOptions & { dryRun?: boolean }) => {
    result.exitCode = await runPromote(options, io);
  });

  const status = addHealthOptions(common(rollout.command('status'))).description(
    'Each stamp with its wave, declared and observed version, health and time since promotion; the phase; what happens next.',
  );
  status.action(async (options: CommonOptions & HealthOptions) => {
    const root = resolveRoot(options.root);
    const ctx = await readRolloutContext(root, io);
    const health = await loadHealth(options, ctx.fleet.spec, ctx.fleet.stamps);
    const status = planStatus({
      fleet: ctx.fleet,
      state: ctx.state,
      health,
      now: resolveNow(options.now),
      landings: await rolloutLandings(root),
    });
    io.stdout(renderStatus(status, format(options)));
    result.exitCode = exitCodeFor(status.next.action);
    // JSON carries each stamp's reason; text and Markdown say once why the source told nothing.
    io.stdout(healthNote(health, ctx.fleet.stamps, format(options)));
  });

  const halt = common(rollout.command('halt').requiredOption('--reason <text>', 'why; recorded in rollout.yaml')).description(
    'Halt the rollout in progress; nothing is promoted until resume.',
  );
  halt.action(async (options: CommonOptions & { reason: string }) => {
    await runTransition(options, io, (ctx, now) => planHalt(ctx.state, options.reason, now), 'halt');
  });

  const resume = common(rollout.command('resume'))
    .description('Clear a halt so promote continues. After a rollback it refuses (start a fixed release instead) unless --force.')
    .option('--force', 'resume a rolled-back rollout, promoting its release again');
  resume.action(async (options: CommonOptions & { force?: boolean }) => {
    await runTransition(options, io, (ctx, now) => planResume(ctx.state, now, { force: options.force === true }), 'resume');
  });

  const approve = common(
    rollout
      .command('approve')
      .requiredOption('--wave <n>', 'the wave to approve (one fleet.yaml lists under rollout.approval.waves)')
      .requiredOption('--by <name>', 'who approves; recorded in rollout.yaml')
      .option('--reason <text>', 'why; recorded in rollout.yaml'),
  ).description(
    'Approve a wave that fleet.yaml rollout.approval.waves lists, for the rollout in progress only; promote answers waiting-approval until then.',
  );
  approve.action(async (options: CommonOptions & { wave: string; by: string; reason?: string }) => {
    if (!/^\d+$/.test(options.wave)) throw new ExitError(2, `--wave: '${options.wave}' is not a wave number, e.g. --wave 2`);
    await runTransition(
      options,
      io,
      (ctx, now) =>
        planApprove(
          ctx.fleet,
          ctx.state,
          { wave: Number(options.wave), by: options.by, ...(options.reason !== undefined ? { reason: options.reason } : {}) },
          now,
        ),
      'approve',
    );
  });

  const exclude = common(
    rollout
      .command('exclude')
      .argument('<stamp>', 'the stamp to keep out')
      .requiredOption('--reason <text>', 'why; recorded in rollout.yaml'),
  ).description(
    'Keep a stamp out of the rollout in progress: it is never promoted, never holds its wave, and the rollout completes without it.',
  );
  exclude.action(async (stamp: string, options: CommonOptions & { reason: string }) => {
    await runTransition(options, io, (ctx, now) => planExclude(ctx.fleet, ctx.state, stamp, options.reason, now), 'exclude');
  });

  const include = common(rollout.command('include').argument('<stamp>', 'an excluded stamp')).description(
    'Take an excluded stamp back into the rollout in progress.',
  );
  include.action(async (stamp: string, options: CommonOptions) => {
    await runTransition(options, io, (ctx, now) => planInclude(ctx.fleet, ctx.state, stamp, now), 'include');
  });

  const abort = common(rollout.command('abort'))
    .description(
      'End the rollout in progress (or halted) as aborted: stamps stay where they are, or return to their previous versions with --rollback. A new start is then allowed.',
    )
    .option('--rollback', 'return every stamp this rollout promoted to its previous version, re-rendered')
    .option('--reason <text>', 'why; recorded in rollout.yaml');
  abort.action(async (options: CommonOptions & { rollback?: boolean; reason?: string }) => {
    await runTransition(
      options,
      io,
      (ctx, now) =>
        planAbort(
          ctx.fleet,
          ctx.state,
          { rollback: options.rollback === true, ...(options.reason !== undefined ? { reason: options.reason } : {}) },
          now,
        ),
      'abort',
    );
  });

  const history = common(rollout.command('history')).description(
    'Past rollouts from the git history of rollout.yaml (first-parent): version, started, finished, outcome, halts and approvals, newest first.',
  );
  history.action(async (options: CommonOptions) => {
    const root = resolveRoot(options.root);
    io.stdout(renderRolloutHistory(planRolloutHistory(await readFileVersions(gitRunner(root), ROLLOUT_FILE)), format(options)));
  });

  const rollback = common(rollout.command('rollback')).description(
    'Return every stamp this rollout promoted to its recorded previous version, re-rendered; the phase becomes rolled-back.',
  );
  rollback.action(async (options: CommonOptions) => {
    await runTransition(options, io, (ctx, now) => planRollback(ctx.fleet, ctx.state, now), 'rollback');
  });
}

/** Why the health source told nothing, once, for text and Markdown output ('' when it answered, and for JSON). */
export function healthNote(health: HealthReport, stamps: readonly Stamp[], output: ResultFormat): string {
  const problem = healthSourceProblem(
    health,
    stamps.map((s) => s.metadata.name),
  );
  if (problem === undefined || output === 'json') return '';
  return output === 'markdown' ? `\n> [!NOTE]\n> ${escapeMarkdown(problem)}\n` : `note: ${safeText(problem)}\n`;
}
