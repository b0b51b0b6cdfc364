// The stampyard CLI entry: parse flags, run a command, map errors to exit codes.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConflictError, ExitError, ValidationError, failureReport, neutralizeWorkflowCommands, type Issue } from '@stampyard/stamp-spec';
import { processIo, type Io } from './context.ts';
import { addGlobalOptions, applyGlobalOptions } from './options.ts';
import { registerValidate } from './commands/validate.ts';
import { registerStamp } from './commands/stamp.ts';
import { registerSynth } from './commands/synth.ts';
import { registerRollout } from './commands/rollout.ts';
import { registerDrift } from './commands/drift.ts';
import { registerTenants } from './commands/tenants.ts';
import { registerReport } from './commands/report.ts';
import { registerDev } from './commands/dev.ts';
import { registerAnalytics } from './commands/analytics.ts';

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  invalid input, or the check failed
  2  usage error (unknown command or flag, bad flag value, missing subcommand)
  70 internal error (a bug in stampyard; please open an issue)`;

/** A command's action sets this; the default is success. */
export interface CommandResult {
  exitCode: number;
  /**
   * The `--output` of the command that ran, set before its action; a failure
   * is printed in this format.
   * @default - text
   */
  output?: string;
}

/** The CLI's version, from its package.json. */
export const CLI_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

export function buildProgram(io: Io, result: CommandResult): Command {
  const program = new Command('stampyard')
    .description('Deployment stamps on Kubernetes, rendered for Flux: validate, synth, roll out, place tenants, report.')
    .version(CLI_VERSION, '-V, --version', 'print the version of stampyard')
    // Options before the command belong to the program, after it to the command.
    .enablePositionalOptions()
    .showHelpAfterError()
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  addGlobalOptions(program);
  program.hook('preAction', (_program, command) => {
    applyGlobalOptions(program, command);
    result.output = command.getOptionValue('output') as string | undefined;
  });
  const commands = [
    registerValidate,
    registerStamp,
    registerSynth,
    registerRollout,
    registerDrift,
    registerTenants,
    registerReport,
    registerDev,
    registerAnalytics,
  ];
  for (const register of commands) register(program, io, result);
  // Every command, however deeply nested, reports usage errors as exit 2 and has the exit-code help.
  const visit = (command: Command) => {
    command.exitOverride();
    if (command !== program) command.addHelpText('after', EXIT_CODES_HELP);
    command.commands.forEach(visit);
  };
  visit(program);
  return program;
}

/**
 * Output that no line of can start a GitHub Actions workflow command, whatever
 * a file or flag held. Values are escaped where they are formatted
 * (`formatIssue`, `safeText`); this guards every line printed.
 */
export function guardedIo(io: Io): Io {
  return {
    stdout: (text) => io.stdout(neutralizeWorkflowCommands(text)),
    stderr: (text) => io.stderr(neutralizeWorkflowCommands(text)),
    isTty: io.isTty,
  };
}

/** Runs the CLI and returns its exit code. Only bin/stampyard.mjs turns it into the process's exit. */
export async function main(argv: readonly string[], rawIo: Io = processIo): Promise<number> {
  const io = guardedIo(rawIo);
  const result: CommandResult = { exitCode: 0 };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.exitCode;
  } catch (error) {
    if (result.output === 'json') {
      const issues = failureIssues(error);
      if (issues) {
        io.stdout(`${JSON.stringify(failureReport(issues), null, 2)}\n`);
        return error instanceof ExitError ? error.exitCode : 1;
      }
    }
    return exitCodeFor(error, io);
  }
}

/**
 * The problems of a failure on the user's input, for `--output json`; undefined
 * for a bug, which keeps its stack trace on stderr and exit code 70.
 */
function failureIssues(error: unknown): readonly Issue[] | undefined {
  const commandLine = (message: string): Issue => ({ file: '(command line)', line: 1, column: 1, field: '(command)', message });
  if (error instanceof ValidationError) return error.issues;
  if (error instanceof ConflictError) return [commandLine(error.message)];
  if (error instanceof ExitError) {
    // Flag problems read "--now: '…' is not …; use …": the flag is the field.
    const flag = /^(--[a-z-]+): (.*)$/s.exec(error.message);
    return [flag ? { ...commandLine(flag[2]!), field: flag[1]! } : commandLine(error.message)];
  }
  return undefined;
}

function exitCodeFor(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    // `stampyard rollout` without a subcommand shows help because of a usage error.
    if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
    return 2;
  }
  if (error instanceof ValidationError) {
    io.stderr(`${error.message}\n`);
    return 1;
  }
  if (error instanceof ConflictError) {
    io.stderr(`error: ${error.message}\n`);
    return 1;
  }
  if (error instanceof ExitError) {
    if (error.message) io.stderr(`${error.exitCode === 2 ? 'usage error' : 'error'}: ${error.message}\n`);
    return error.exitCode;
  }
  io.stderr(
    `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nThis is a bug in stampyard; please open an issue with the command you ran.\n`,
  );
  return 70;
}
