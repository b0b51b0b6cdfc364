// `stampyard dev`: the whole pattern on this machine, with real processes and real HTTP.
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ExitError } from '@stampyard/stamp-spec';
import { resolveNow, resolveRoot, type Io } from '../context.ts';
import { addNowOption, addRootOption } from '../options.ts';
import type { CommandResult } from '../main.ts';
import { consoleReporter } from '../dev/progress.ts';
import { runLocalFleet } from '../dev/scenario.ts';

interface DevOptions {
  root?: string;
  bakeScale: string;
  tenants: string;
  keep?: boolean;
  outDir?: string;
  onFailure?: 'halt' | 'rollback';
  now?: string;
}

export function registerDev(program: Command, io: Io, result: CommandResult): void {
  const command = program
    .command('dev')
    .description(
      'Run the fleet locally: render a temporary copy, start one stamp-app per stamp and the gateway on 127.0.0.1, route sample tenants, roll the next release through every wave, halt a rollout on an unhealthy canary, and write the report.',
    );
  addRootOption(command);
  command
    .option(
      '--bake-scale <n>',
      'how much faster the rollout clock runs than wall time (600: a bake minute takes 0.1 s, so the 240 bake minutes of the example fleet take 24 s; 60: a second a minute)',
      '600',
    )
    .option('--tenants <n>', 'how many tenants to send requests for', '12')
    .option('--keep', 'keep the temporary copy and print its path')
    .option('--out-dir <dir>', 'where report.html and summary.md go (default: dist/demo in the repository)')
    .addOption(
      new Option('--on-failure <policy>', "the failure scenario's policy (default: fleet.yaml's spec.rollout.onFailure)").choices([
        'halt',
        'rollback',
      ]),
    );
  addNowOption(command);
  command.addHelpText('after', '\nExit 0 when every check passed (including the expected halt), 1 otherwise; 130 when interrupted.');
  command.action(async (options: DevOptions) => {
    const root = resolveRoot(options.root);
    const bakeScale = positiveNumber('--bake-scale', options.bakeScale);
    const tenants = positiveNumber('--tenants', options.tenants);
    if (!Number.isInteger(tenants)) throw new ExitError(2, `--tenants: '${options.tenants}' is not a whole number; use e.g. --tenants 12`);
    const outDir = options.outDir ? resolve(options.outDir) : join(root, 'dist', 'demo');
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      io.stderr(`\n${signal}: stopping every process…\n`);
      controller.abort(new Error(signal));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const outcome = await runLocalFleet(
        {
          root,
          outDir,
          bakeScale,
          tenants,
          keep: options.keep ?? false,
          ...(options.onFailure ? { onFailure: options.onFailure } : {}),
          ...(options.now ? { now: resolveNow(options.now) } : {}),
          signal: controller.signal,
        },
        consoleReporter(io),
      );
      if (options.keep) io.stdout(`Kept the working copy: ${outcome.workDir}\n`);
      if (controller.signal.aborted) {
        result.exitCode = 130;
      } else if (outcome.ok) {
        const stopped = outcome.failure?.onFailure === 'rollback' ? 'halted and rolled back' : 'halted';
        io.stdout(
          `ok: every request routed to its stamp, the rollout completed, the unhealthy canary ${stopped} the second one; ${outcome.pids.length} processes started, none left running\n`,
        );
        result.exitCode = 0;
      } else {
        io.stderr(
          `${outcome.problems.map((p) => `error: ${p}`).join('\n')}\n${outcome.problems.length} problem${outcome.problems.length === 1 ? '' : 's'}.\n`,
        );
        result.exitCode = 1;
      }
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  });
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ExitError(2, `${flag}: '${value}' is not a positive number`);
  return n;
}
