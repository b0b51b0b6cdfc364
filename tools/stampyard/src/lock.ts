// Every writing command runs under the repository lock, after finishing any step a crash interrupted.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitError, LOCK_FILE, LOCK_TIMEOUT_MS, STEP_JOURNAL, acquireRepoLock } from '@stampyard/stamp-spec';
import type { Io } from './context.ts';

/** Seconds to wait for the repository lock; overrides the 30 s default. */
export const LOCK_TIMEOUT_ENV = 'STAMPYARD_LOCK_TIMEOUT';

/** The lock wait from the environment, in ms. Throws ExitError(2) for a value that is not a number of seconds. */
export function lockTimeoutMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env[LOCK_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return LOCK_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new ExitError(2, `${LOCK_TIMEOUT_ENV}: '${raw}' is not a number of seconds; use e.g. 30`);
  return seconds * 1000;
}

/**
 * Runs `write` holding the repository lock (waiting for another writer, taking over a dead one's lock
 * with a warning), after rolling forward a step a crash interrupted. Releases the lock however `write` ends.
 */
export async function withRepoLock<T>(root: string, command: string, io: Io, write: () => Promise<T>): Promise<T> {
  const lock = await acquireRepoLock(root, {
    command,
    timeoutMs: lockTimeoutMs(),
    onWait: (holder) =>
      io.stderr(`waiting for ${LOCK_FILE}: held by ${holder ? `pid ${holder.pid} (${holder.command})` : 'another process'}\n`),
    onTakeover: (holder) =>
      io.stderr(
        `warning: ${LOCK_FILE} was left by ${holder ? `pid ${holder.pid} (${holder.command}), which is no longer running` : 'a process that is gone'}; took it over\n`,
      ),
  });
  try {
    await recoverInterruptedStep(root, io);
    return await write();
  } finally {
    await lock.release();
  }
}

/** Completes a step a crash interrupted, saying so. Loads the renderer only when there is one. */
export async function recoverInterruptedStep(root: string, io: Io): Promise<void> {
  if (!existsSync(join(root, STEP_JOURNAL))) return;
  const { recoverStep } = await import('@stampyard/synth');
  const journal = await recoverStep(root, crashHooks());
  if (journal) {
    io.stderr(
      `recovered: \`${journal.command}\` (pid ${journal.pid}) was interrupted at ${journal.at}; its step is now complete (${journal.changes.map((c) => c.path).join(', ')}${journal.render ? ', rendered/' : ''})\n`,
    );
  }
}

/** Test-only: `STAMPYARD_TEST_CRASH_AT_WRITE=N` SIGKILLs this process just before a step's Nth write. */
export const CRASH_AT_WRITE_ENV = 'STAMPYARD_TEST_CRASH_AT_WRITE';

/** The write hooks of a step: none, unless the crash test variable is set. */
export function crashHooks(env: Readonly<Record<string, string | undefined>> = process.env): { beforeWrite?: (n: number) => void } {
  const at = Number(env[CRASH_AT_WRITE_ENV]);
  if (!Number.isInteger(at) || at <= 0) return {};
  return {
    beforeWrite: (n) => {
      if (n === at) process.kill(process.pid, 'SIGKILL');
    },
  };
}
