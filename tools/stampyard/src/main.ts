// The stampyard CLI entry: parse flags, run a command, map errors to exit codes.
import { Command, CommanderError } from 'commander';
import { ConflictError, ExitError, ValidationError } from '@stampyard/stamp-spec';
import { processIo, type Io } from './context.ts';
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
}

export function buildProgram(io: Io, result: CommandResult): Command {
  const program = new Command('stampyard')
    .description('Deployment stamps on Kubernetes, rendered for Flux: validate, synth, roll out, place tenants, report.')
    .showHelpAfterError()
    .addHelpText('after', EXIT_CODES_HELP)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const commands = [registerValidate, registerStamp, registerSynth, registerRollout, registerDrift, registerTenants, registerReport, registerDev, registerAnalytics];
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

/** Runs the CLI and returns its exit code. Only bin/stampyard.mjs turns it into the process's exit. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const result: CommandResult = { exitCode: 0 };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.exitCode;
  } catch (error) {
    return exitCodeFor(error, io);
  }
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
  io.stderr(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nThis is a bug in stampyard; please open an issue with the command you ran.\n`);
  return 70;
}
