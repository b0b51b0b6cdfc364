// `stampyard analytics`: the usage lake. Export a stamp's usage, query a zone, ask the ready-made questions, compact.
// Flags in, library calls, results out; the logic lives in @stampyard/analytics.
import { Option, type Command } from 'commander';
import { ExitError, parseFleet, readFleetSources, ValidationError, type LoadedFleet } from '@stampyard/stamp-spec';
import type { LakeSession, QueryResult, ResultFormat, QuestionName } from '@stampyard/analytics';
import type { AnalyticsInput } from '@stampyard/report';
import { resolveRoot, type Io } from '../context.ts';
import { addRootOption } from '../options.ts';
import type { CommandResult } from '../main.ts';

const ANALYTICS_HELP = `
The lake: one folder (or object-store prefix) per residency zone, laid out as
  zone=<zone>/stamp=<stamp>/date=<yyyy-mm-dd>/usage-<period-start>.parquet
Queries see the views usage (every export of the zone), stamps and tenants (from the fleet files).
Residency: a lake holding several zones needs --zone <zone>, or --allow-cross-zone to read them all
in one query (it then prints which zones it read). Queries run read-only: SELECT only, and no file
outside the chosen zones' folders can be read.`;

const LAKE_EXIT_CODES = `
Exit codes: 0 ok; 1 a bad query (DuckDB's message), a missing or malformed lake (the file named),
or a read the residency rule refuses; 2 usage error.`;

interface LakeOptions {
  lake: string;
  root?: string;
  zone?: string;
  allowCrossZone?: boolean;
  skipBadFiles?: boolean;
  output: ResultFormat;
}

function addLakeOptions(command: Command): Command {
  addRootOption(command);
  return command
    .requiredOption('--lake <dir>', 'the lake folder (holding zone=<zone>/), or a file:// URL')
    .option('--zone <zone>', 'read only this residency zone')
    .option('--allow-cross-zone', 'read every zone of the lake in one query (prints which)')
    .option('--skip-bad-files', 'name and skip unreadable or misplaced files instead of failing')
    .addOption(new Option('--output <format>', 'result format').choices(['table', 'json', 'csv']).default('table'))
    .addHelpText('after', LAKE_EXIT_CODES);
}

async function loadFleetFor(root: string | undefined): Promise<LoadedFleet> {
  const { fleet, issues } = parseFleet(await readFleetSources(resolveRoot(root)));
  if (!fleet) throw new ValidationError(issues);
  return fleet;
}

/** The analytics library's own errors are the user's to fix: exit 1 with their message. */
async function asExit<T>(work: () => Promise<T>): Promise<T> {
  const { LakeError, QueryError, ResidencyError, UsageSourceError } = await import('@stampyard/analytics');
  try {
    return await work();
  } catch (error) {
    if (error instanceof LakeError || error instanceof QueryError || error instanceof ResidencyError || error instanceof UsageSourceError) {
      throw new ExitError(1, error.message);
    }
    throw error;
  }
}

async function withSession<T>(options: LakeOptions, io: Io, work: (session: LakeSession) => Promise<T>): Promise<T> {
  const { lakeFolder, openLake } = await import('@stampyard/analytics');
  return asExit(async () => {
    const fleet = await loadFleetFor(options.root);
    const session = await openLake({
      lake: lakeFolder(options.lake),
      fleet,
      ...(options.zone !== undefined ? { zone: options.zone } : {}),
      allowCrossZone: options.allowCrossZone ?? false,
      skipBadFiles: options.skipBadFiles ?? false,
    });
    try {
      if (session.crossZone) io.stderr(`read zones: ${session.zones.join(', ')} (--allow-cross-zone)\n`);
      const result = await work(session);
      for (const skipped of session.skipped()) io.stderr(`skipped ${skipped.path}: ${skipped.problem}\n`);
      return result;
    } finally {
      session.close();
    }
  });
}

/** The usage section of `report --lake`: every zone asked on its own. */
export async function collectAnalytics(lake: string, fleet: LoadedFleet): Promise<AnalyticsInput> {
  const { askEveryZone, lakeFolder } = await import('@stampyard/analytics');
  const zones = await asExit(() => askEveryZone(lakeFolder(lake), fleet));
  return {
    lake,
    zones: zones.map((z) => ({
      zone: z.zone,
      tables: z.answers.map((a) => ({ question: a.question, columns: a.result.columns, rows: a.result.rows })),
      skipped: z.skipped,
    })),
  };
}

async function print(io: Io, result: QueryResult, format: ResultFormat): Promise<void> {
  const { formatResult } = await import('@stampyard/analytics');
  io.stdout(formatResult(result, format));
}

function parseDate(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new ExitError(2, `${flag}: '${value}' is not an ISO-8601 date or time; use e.g. 2026-12-01 or 2026-12-01T12:00:00Z`);
  return date;
}

function parseNumber(flag: string, value: string | undefined, min: number, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new ExitError(2, `${flag}: '${value}' must be ${integer ? 'an integer' : 'a number'} of at least ${min}`);
  return n;
}

interface QuestionOptions extends LakeOptions {
  since?: string;
  until?: string;
  limit?: string;
  ratio?: string;
  minShare?: string;
}

const QUESTION_HELP: Record<QuestionName, string> = {
  'top-tenants': 'Tenants by requests across stamps, with errors, error rate, mean latency and the stamps that served them.',
  'noisy-neighbours': "Tenants whose share of their stamp's requests is far above their share of its placement weight (feeds placement).",
  'version-errors': 'Error rate and mean latency by release version across stamps: how a rollout compares.',
};

export function registerAnalytics(program: Command, io: Io, result: CommandResult): void {
  const analytics = program
    .command('analytics')
    .description(
      'Cross-stamp analytics over the per-zone usage lake, within residency: export, query, top-tenants, noisy-neighbours, version-errors, compact.',
    )
    .addHelpText('after', ANALYTICS_HELP);

  const query = analytics
    .command('query')
    .description('Run one SELECT over the views usage, stamps and tenants of one zone (DuckDB SQL).')
    .argument('<sql>', 'one SELECT statement');
  addLakeOptions(query).action(async (sql: string, options: LakeOptions) => {
    const answer = await withSession(options, io, (session) => session.query(sql));
    await print(io, answer, options.output);
    result.exitCode = 0;
  });

  for (const name of Object.keys(QUESTION_HELP) as QuestionName[]) {
    const command = analytics
      .command(name)
      .description(QUESTION_HELP[name])
      .option('--since <date>', 'only periods starting at or after this time')
      .option('--until <date>', 'only periods starting before this time');
    if (name === 'top-tenants') command.option('--limit <n>', 'how many tenants', '10');
    if (name === 'noisy-neighbours') {
      command.option('--ratio <x>', 'flag a tenant whose load share is at least x times its weight share', '2');
      command.option('--min-share <percent>', "ignore tenants below this share of their stamp's requests", '5');
    }
    addLakeOptions(command).action(async (options: QuestionOptions) => {
      const { QUESTIONS } = await import('@stampyard/analytics');
      const window = { since: parseDate('--since', options.since), until: parseDate('--until', options.until) };
      const question = QUESTIONS[name]({
        ...(window.since ? { since: window.since } : {}),
        ...(window.until ? { until: window.until } : {}),
        ...(options.limit !== undefined ? { limit: parseNumber('--limit', options.limit, 1, true)! } : {}),
        ...(options.ratio !== undefined ? { ratio: parseNumber('--ratio', options.ratio, 0, false)! } : {}),
        ...(options.minShare !== undefined ? { minSharePercent: parseNumber('--min-share', options.minShare, 0, false)! } : {}),
      });
      const answer = await withSession(options, io, (session) => session.query(question.sql, question.parameters));
      await print(io, answer, options.output);
      result.exitCode = 0;
    });
  }

  analytics
    .command('export')
    .description(
      "Write a stamp's closed usage periods from its app's admin port (GET /usage) as Parquet into the zone's lake. The usage-export CronJob runs this.",
    )
    .requiredOption('--stamp <name>', 'the stamp being exported; every source must report it')
    .requiredOption('--zone <zone>', "the stamp's residency zone")
    .requiredOption('--lake <dir>', 'the lake folder, or a file:// URL')
    .requiredOption('--source <url...>', 'usage endpoint(s), e.g. http://api-admin:9090/usage')
    .option('--every-address', "read every address the source's host resolves to (every pod behind a headless Service)")
    .option('--include-open', 'also export the period still being counted, so far (a later export replaces it)')
    .addHelpText(
      'after',
      '\nExit codes: 0 written (or nothing to write); 1 a source could not be read or is not a usage snapshot; 2 usage error.',
    )
    .action(
      async (options: { stamp: string; zone: string; lake: string; source: string[]; everyAddress?: boolean; includeOpen?: boolean }) => {
        const { exportUsage, expandSources, lakeFolder } = await import('@stampyard/analytics');
        const { plan, written } = await asExit(async () => {
          const lake = lakeFolder(options.lake);
          const sources = await expandSources(options.source, options.everyAddress ?? false);
          try {
            return await exportUsage({
              lake,
              stamp: options.stamp,
              zone: options.zone,
              sources,
              includeOpen: options.includeOpen ?? false,
            });
          } catch (error) {
            if (error instanceof TypeError) throw new ExitError(1, error.message);
            throw error;
          }
        });
        for (const path of written) io.stdout(`${path}\n`);
        for (const reason of plan.skipped) io.stderr(`skipped period ${reason}\n`);
        io.stderr(`exported ${written.length} period${written.length === 1 ? '' : 's'} of ${options.stamp} into ${options.lake}\n`);
        result.exitCode = 0;
      },
    );

  analytics
    .command('compact')
    .description("Merge each zone's small per-period files into one file per zone and month; no query's answer changes.")
    .requiredOption('--lake <dir>', 'the lake folder, or a file:// URL')
    .option('--zone <zone>', 'compact only this zone (default: each zone of the lake, on its own)')
    .option(
      '--before <yyyy-mm-dd>',
      'merge only exports dated before this UTC day (default: today, whose periods may still be re-exported)',
    )
    .option('--skip-bad-files', 'leave unreadable or misplaced files in place and out of the merge instead of failing')
    .addHelpText('after', '\nExit codes: 0 compacted (or nothing to do); 1 a missing or malformed lake (the file named); 2 usage error.')
    .action(async (options: { lake: string; zone?: string; before?: string; skipBadFiles?: boolean }) => {
      const { compactLake, lakeFolder } = await import('@stampyard/analytics');
      const before = options.before ?? new Date().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(before)) throw new ExitError(2, `--before: '${before}' is not a date; use yyyy-mm-dd`);
      const outcome = await asExit(() =>
        compactLake({
          lake: lakeFolder(options.lake),
          before,
          skipBadFiles: options.skipBadFiles ?? false,
          ...(options.zone !== undefined ? { zones: [options.zone] } : {}),
        }),
      );
      for (const skipped of outcome.skipped) io.stderr(`skipped ${skipped.path}: ${skipped.problem}\n`);
      for (const step of outcome.plan.steps)
        io.stdout(`${step.target}: ${step.read.length} file${step.read.length === 1 ? '' : 's'} merged, ${step.remove.length} removed\n`);
      io.stderr(
        outcome.plan.steps.length === 0
          ? 'compact: nothing to do\n'
          : `compact: wrote ${outcome.written.length}, deleted ${outcome.deleted.length}\n`,
      );
      result.exitCode = 0;
    });
}
