// The repository lock: one writer at a time (synth, every rollout step, every tenants change), so a
// synth can never revert a promotion written a moment before. Readers take no lock.
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExitError } from './errors.ts';

/** The lock file, at the fleet root (git-ignored). */
export const LOCK_FILE = '.stampyard.lock';

/** The journal of a writing step in flight, at the fleet root (git-ignored); libs/synth writes and recovers it. */
export const STEP_JOURNAL = '.stampyard-step.json';

/** The default wait for a held lock, in milliseconds. */
export const LOCK_TIMEOUT_MS = 30_000;

/** Who holds the lock, as its file records. */
export interface LockHolder {
  readonly pid: number;
  /** The command line that took it, e.g. `stampyard rollout promote`. */
  readonly command: string;
  /** ISO time it was taken. */
  readonly since: string;
}

export interface AcquireLockOptions {
  /** What the lock file records as the holder's command. */
  readonly command: string;
  /**
   * How long to wait for a live holder, in milliseconds.
   * @default LOCK_TIMEOUT_MS (30 s)
   */
  readonly timeoutMs?: number;
  /**
   * Pause between attempts, in milliseconds.
   * @default 50
   */
  readonly pollMs?: number;
  /**
   * Called once when the lock is held by another live process and we start waiting.
   * @default - nothing
   */
  readonly onWait?: (holder: LockHolder | undefined) => void;
  /**
   * Called when a lock left by a process that is gone is taken over.
   * @default - nothing
   */
  readonly onTakeover?: (holder: LockHolder | undefined) => void;
  /**
   * Whether a process is alive. @default - `process.kill(pid, 0)`
   */
  readonly isAlive?: (pid: number) => boolean;
}

/** A held lock. `release` is idempotent. */
export interface RepoLock {
  readonly path: string;
  readonly release: () => Promise<void>;
}

/** Whether the process exists (EPERM: it exists but isn't ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const data = JSON.parse(text) as Partial<LockHolder>;
    if (
      typeof data.pid === 'number' &&
      Number.isInteger(data.pid) &&
      data.pid > 0 &&
      typeof data.command === 'string' &&
      typeof data.since === 'string'
    ) {
      return { pid: data.pid, command: data.command, since: data.since };
    }
  } catch {
    // unreadable: judged by age below
  }
  return undefined;
}

async function readHolder(path: string): Promise<{ holder: LockHolder | undefined; ageMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { holder: parseHolder(text), ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A lock file we cannot read for this long is a leftover (the file is written whole, by link). */
const UNREADABLE_GRACE_MS = 5_000;

/**
 * Takes the repository lock under `root`, waiting up to `timeoutMs` for a live holder; a lock whose
 * process is gone is taken over (`onTakeover` names it). The lock file is created whole and atomically
 * (written beside, then hard-linked into place), so it is never seen half-written. Throws ExitError(1)
 * naming the holder's pid and command when the wait runs out.
 */
export async function acquireRepoLock(root: string, options: AcquireLockOptions): Promise<RepoLock> {
  const path = join(root, LOCK_FILE);
  const timeoutMs = options.timeoutMs ?? LOCK_TIMEOUT_MS;
  const pollMs = options.pollMs ?? 50;
  const alive = options.isAlive ?? processAlive;
  const me: LockHolder = { pid: process.pid, command: options.command, since: new Date().toISOString() };
  const temp = join(root, `.stampyard-tmp-lock-${process.pid}-${randomBytes(4).toString('hex')}`);
  await writeFile(temp, `${JSON.stringify(me)}\n`);
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  try {
    for (;;) {
      try {
        await link(temp, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = await readHolder(path);
      if (current === undefined) continue; // released meanwhile: try again at once
      const stale = current.holder ? !alive(current.holder.pid) : current.ageMs > UNREADABLE_GRACE_MS;
      if (stale && (await takeOver(path, current.holder))) {
        options.onTakeover?.(current.holder);
        continue;
      }
      if (Date.now() >= deadline) {
        const who = current.holder
          ? `pid ${current.holder.pid} (${current.holder.command}), since ${current.holder.since}`
          : 'an unknown process';
        throw new ExitError(
          1,
          `${LOCK_FILE}: another stampyard command is writing this repository: ${who}; waited ${Math.round(timeoutMs / 1000)} s. Run this again once it has finished (set STAMPYARD_LOCK_TIMEOUT to wait longer)`,
        );
      }
      if (!waited) {
        waited = true;
        options.onWait?.(current.holder);
      }
      await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
    }
  } finally {
    await rm(temp, { force: true });
  }
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      // Only our own lock: if it was (wrongly) taken over, the new holder's file stays.
      const current = await readHolder(path);
      if (current?.holder?.pid === process.pid) await rm(path, { force: true });
    },
  };
}

/**
 * Moves a stale lock aside and deletes it. Two processes may race to take over: the lock is renamed to
 * a unique name first, and if what was moved is not the stale holder's file (another process took the
 * lock over in between), it is put back. Returns whether the stale lock is gone.
 */
async function takeOver(path: string, stale: LockHolder | undefined): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const moved = parseHolder(await readFile(aside, 'utf8').catch(() => ''));
  if (moved !== undefined && stale !== undefined && moved.pid !== stale.pid) {
    // Not the file we judged stale: a live holder's. Put it back unless a newer one is there already.
    await link(aside, path).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }
  await rm(aside, { force: true });
  return true;
}
