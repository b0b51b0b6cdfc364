// Runs stampyard commands in-process (no tsx start-up per call), capturing their output.
import type { Io } from '../context.ts';

export interface CliOutcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `stampyard <argv>` in this process. */
export async function runStampyard(argv: readonly string[]): Promise<CliOutcome> {
  // Imported when called: main.ts registers the dev command, which imports this module.
  const { main } = await import('../main.ts');
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTty: false };
  const exitCode = await main(argv, io);
  return { exitCode, stdout, stderr };
}

/** Runs a command that must succeed; otherwise throws with its output. */
export async function runStampyardOk(argv: readonly string[]): Promise<CliOutcome> {
  const outcome = await runStampyard(argv);
  if (outcome.exitCode !== 0) {
    throw new Error(`stampyard ${argv.join(' ')} exited ${outcome.exitCode}:\n${`${outcome.stderr}${outcome.stdout}`.trim()}`);
  }
  return outcome;
}
