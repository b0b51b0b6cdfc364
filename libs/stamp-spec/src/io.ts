// The only writers: atomic file changes, each written to a temp file and renamed into place.
import { mkdir, rename, rm, writeFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** One file to write (content) or delete (null), relative to a root. */
export interface FileChange {
  readonly path: string;
  readonly content: string | null;
}

/** Writes a file atomically: a temp file beside it, then rename. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.stampyard-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Applies changes under root. Every new content is staged in a temp file first,
 * so a failure while staging leaves every target untouched; then all renames run.
 * Returns the paths touched, sorted.
 */
export async function applyFileChanges(root: string, changes: readonly FileChange[]): Promise<string[]> {
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const change of changes) {
      if (change.content === null) continue;
      const target = join(root, change.path);
      await mkdir(dirname(target), { recursive: true });
      const temp = join(dirname(target), `.stampyard-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
      await writeFile(temp, change.content);
      staged.push({ temp, target });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw error;
  }
  for (const s of staged) await rename(s.temp, s.target);
  for (const change of changes) if (change.content === null) await rm(join(root, change.path), { force: true });
  return changes.map((c) => c.path).sort();
}

/** Reads a file, or undefined when it doesn't exist. */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
