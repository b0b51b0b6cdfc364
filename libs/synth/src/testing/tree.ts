// Test helpers: hash a folder tree, so "nothing changed" is one comparison.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every file under root (path → sha256 of its bytes), sorted; dot-folders at the root included. */
export async function hashTree(root: string): Promise<Map<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const hashes = new Map<string, string>();
  for (const file of files)
    hashes.set(
      relative(root, file),
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    );
  return hashes;
}
