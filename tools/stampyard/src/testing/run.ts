// Runs the CLI in-process with captured output, for tests.
import { main } from '../main.ts';
import type { Io } from '../context.ts';

export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(argv: readonly string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTty: false };
  const exitCode = await main(argv, io);
  return { exitCode, stdout, stderr };
}
