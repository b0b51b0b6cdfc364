// Reading rollout.yaml, and writing under compare-and-swap so two runs can never both promote.
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, ValidationError, readFileIfExists, readFleetFile } from '@stampyard/stamp-spec';
import { ROLLOUT_FILE, parseRolloutState, type RolloutState } from './state.ts';

/** rollout.yaml under root, or undefined when there is none (no rollout ever started). Throws ValidationError. */
export async function readRolloutState(root: string): Promise<RolloutState | undefined> {
  // A fleet file: a regular file inside the root, within the size cap, never a link.
  const read = await readFleetFile(root, ROLLOUT_FILE);
  if (read === undefined) return undefined;
  if ('issue' in read) throw new ValidationError([read.issue]);
  const { state, issues } = parseRolloutState(read.file);
  if (!state) throw new ValidationError(issues);
  return state;
}

/** The revision a state was read at; -1 for no file. */
export function revisionOf(state: RolloutState | undefined): number {
  return state?.revision ?? -1;
}

async function currentRevision(root: string): Promise<number> {
  const text = await readFileIfExists(join(root, ROLLOUT_FILE));
  if (text === undefined) return -1;
  const { state } = parseRolloutState({ path: ROLLOUT_FILE, text });
  // An unreadable file changed under us as surely as a bumped revision.
  return state?.revision ?? Number.NaN;
}

/**
 * Runs `write` only if rollout.yaml still has the revision it was read at (`expected`, -1 for no file).
 * An exclusive lock file (rollout.yaml.lock, created with O_EXCL) covers the check and the write, so a
 * concurrent run in the same checkout fails instead of interleaving. Throws ConflictError, writing nothing.
 */
export async function writeIfUnchanged<T>(root: string, expected: number, write: () => Promise<T>): Promise<T> {
  const lockPath = join(root, `${ROLLOUT_FILE}.lock`);
  let lock;
  try {
    lock = await open(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConflictError(`${ROLLOUT_FILE} is being written by another stampyard run (${lockPath} exists); run the command again once it is done, or delete the lock file if no run is active`);
    }
    throw error;
  }
  try {
    const actual = await currentRevision(root);
    if (actual !== expected) {
      throw new ConflictError(
        `${ROLLOUT_FILE} changed since it was read (revision ${expected < 0 ? 'none' : expected}, now ${Number.isNaN(actual) ? 'unreadable' : actual < 0 ? 'none' : actual}); nothing was written. Run the command again to act on the new state`,
      );
    }
    return await write();
  } finally {
    await lock.close();
    await rm(lockPath, { force: true });
  }
}
