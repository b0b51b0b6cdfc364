// Filesystem helpers for synth's outputs.
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

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
