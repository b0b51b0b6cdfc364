// Filesystem helpers for synth's outputs.
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * Runs `fn` over items with at most `limit` in flight; results in input order. On the first
 * failure no new item starts, and it rejects only once the ones in flight have settled, so
 * the caller's cleanup never races a write.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const run = async () => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  if (failure) throw failure.error;
  return results;
}

/** Every file under `root/dir`, as POSIX paths relative to root, sorted; none when dir is absent. */
export async function listFiles(root: string, dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const base = join(root, dir);
  return entries
    .filter((e) => e.isFile())
    .map((e) => `${dir}/${relative(base, join(e.parentPath, e.name)).split(sep).join('/')}`)
    .sort();
}
