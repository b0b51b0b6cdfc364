// What every command shares: where the fleet is, how to print, and the clock.
import { existsSync } from 'node:fs';
import { dirname, resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitError } from '@stampyard/stamp-spec';

/** Where a command writes. Results go to stdout, logs and progress to stderr. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress lines, colour). */
  readonly isTty: boolean;
}

// A reader that stops early (`stampyard … | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: Boolean(process.stderr.isTTY) && !process.env['NO_COLOR'],
};

export type OutputFormat = 'text' | 'json' | 'markdown';

/** This repository: the example fleet next to the CLI. */
export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The fleet repository to act on: `--root` when given, else the nearest folder
 * upwards from the working directory holding fleet.yaml, else this repository.
 */
export function resolveRoot(root: string | undefined, cwd = process.cwd()): string {
  if (root !== undefined) return resolve(cwd, root);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'fleet.yaml'))) return dir;
    if (dirname(dir) === dir) return REPOSITORY_ROOT;
  }
}

/** Parses `--now`, defaulting to the clock. */
export function resolveNow(now: string | undefined): Date {
  if (now === undefined) return new Date();
  const parsed = new Date(now);
  if (Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(now)) {
    throw new ExitError(2, `--now: '${now}' is not an ISO-8601 time; use e.g. 2026-11-28T12:00:00Z`);
  }
  return parsed;
}

export function parseOutput(value: string): OutputFormat {
  if (value === 'text' || value === 'json' || value === 'markdown') return value;
  throw new ExitError(2, `--output: '${value}' is not a format; use text, json or markdown`);
}
