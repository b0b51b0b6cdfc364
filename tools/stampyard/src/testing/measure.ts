// Runs the CLI in a child process and measures it as the OS sees it: the
// hostile-input tests bound time and memory with it, and bench:input prints it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliRun } from './run.ts';

const CHILD = fileURLToPath(new URL('./measured-child.mjs', import.meta.url));

export interface MeasuredRun extends CliRun {
  /** Wall time of the command inside the child, after the CLI's modules loaded, in milliseconds. */
  readonly ms: number;
  /** Time to load the CLI's modules before the command ran, in milliseconds. */
  readonly loadMs: number;
  /** Peak resident set size of the child, in bytes. */
  readonly peakRssBytes: number;
  /** Whether the run was killed for running past `timeoutMs`. */
  readonly timedOut: boolean;
}

export interface MeasureOptions {
  /**
   * Kill the child after this long.
   * @default 60000
   */
  readonly timeoutMs?: number;
  /**
   * V8 heap cap of the child, so a runaway input fails fast instead of taking the machine's memory.
   * @default 1024
   */
  readonly maxHeapMb?: number;
}

/** Runs `stampyard <argv>` in a child process; resolves with its output, exit code, time and peak RSS. */
export function runMeasured(argv: readonly string[], options: MeasureOptions = {}): Promise<MeasuredRun> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [`--max-old-space-size=${options.maxHeapMb ?? 1024}`, CHILD, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    let report = '';
    let timedOut = false;
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (report += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const measured = report.trim()
        ? (JSON.parse(report) as { exitCode: number; ms: number; loadMs: number; peakRssBytes: number })
        : undefined;
      resolve({
        exitCode: measured?.exitCode ?? code ?? -1,
        stdout,
        stderr,
        ms: measured?.ms ?? performance.now() - started,
        loadMs: measured?.loadMs ?? 0,
        peakRssBytes: measured?.peakRssBytes ?? Number.NaN,
        timedOut,
      });
    });
  });
}
