// The shell that reads fleet files: only regular files inside the repository,
// each within a size cap. A refused file becomes an Issue and is never read,
// so nothing outside the repository (a link to /etc/passwd, to a credentials
// file) can reach a message or a log.
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Issue } from './errors.ts';
import type { SourceFile } from './source.ts';

/** Hard limits on what a fleet file may cost to read and parse. */
export const READ_LIMITS = {
  /** Largest fleet file read, in bytes: 8 MiB, about 100,000 tenants. Split bigger tenant lists into several files. */
  maxFileBytes: 8 * 1024 * 1024,
  /** Deepest nesting of mappings and sequences in a fleet file; the formats themselves need 6. */
  maxDepth: 32,
} as const;

/** What reading one path gave: its text, or why it was refused. */
export type FleetFileRead = { readonly file: SourceFile } | { readonly issue: Issue };

const fileIssue = (path: string, message: string): Issue => ({ file: path, line: 1, column: 1, field: '(file)', message });

const NOT_REGULAR = 'fleet files must be regular files inside the repository, so it was not read; replace it with the file itself';

/**
 * Reads `path` (relative to `root`, POSIX separators) if it is a regular file
 * within `READ_LIMITS.maxFileBytes`. A symbolic link is refused without being
 * followed (`O_NOFOLLOW`, so no race between checking and opening), and so is
 * anything that is not a regular file (a folder, a FIFO, a device).
 * Intermediate folders are the caller's to check (`readFleetDir` does).
 * @returns undefined when the path doesn't exist
 */
export async function readFleetFile(root: string, path: string): Promise<FleetFileRead | undefined> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    handle = await open(join(root, path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') return { issue: fileIssue(path, `is a symbolic link; ${NOT_REGULAR}`) };
    if (code === 'EISDIR') return { issue: fileIssue(path, `is a folder; ${NOT_REGULAR}`) };
    if (code === 'ENAMETOOLONG') return { issue: fileIssue(path, 'has a name too long for the file system; shorten it') };
    if (code === 'EACCES' || code === 'EPERM') return { issue: fileIssue(path, 'is not readable; fix its permissions') };
    throw error;
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return { issue: fileIssue(path, `is a folder; ${NOT_REGULAR}`) };
    if (!info.isFile()) return { issue: fileIssue(path, `is not a regular file; ${NOT_REGULAR}`) };
    if (info.size > READ_LIMITS.maxFileBytes) return { issue: tooBig(path, info.size) };
    // Read at most one byte past the cap, in case the file grows while we read.
    const buffer = Buffer.alloc(Math.min(info.size, READ_LIMITS.maxFileBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > READ_LIMITS.maxFileBytes) return { issue: tooBig(path, length) };
    return { file: { path, text: buffer.toString('utf8', 0, length) } };
  } finally {
    await handle.close();
  }
}

function tooBig(path: string, bytes: number): Issue {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return fileIssue(
    path,
    `is larger than the ${mib(READ_LIMITS.maxFileBytes)} a fleet file may hold (${bytes} bytes or more), so it was not read; split it into smaller files`,
  );
}

/**
 * Reads every `*.yaml` / `*.yml` file of folder `dir` under `root`, sorted by
 * name; a missing folder has none. The folder itself must be a real folder,
 * not a link, and each file passes `readFleetFile`. Pure of side effects.
 */
export async function readFleetDir(root: string, dir: string): Promise<{ files: SourceFile[]; issues: Issue[] }> {
  const files: SourceFile[] = [];
  const issues: Issue[] = [];
  try {
    const info = await lstat(join(root, dir));
    if (info.isSymbolicLink())
      return {
        files,
        issues: [fileIssue(dir, `is a symbolic link; ${NOT_REGULAR.replace('regular files', 'regular files in real folders')}`)],
      };
    if (!info.isDirectory())
      return { files, issues: [fileIssue(dir, 'is not a folder; fleet files of this kind live in a folder of that name')] };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files, issues };
    throw error;
  }
  const names = (await readdir(join(root, dir))).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  const reads = await Promise.all(names.map((name) => readFleetFile(root, `${dir}/${name}`)));
  for (const read of reads) {
    if (read === undefined) continue; // deleted between readdir and open
    if ('issue' in read) issues.push(read.issue);
    else files.push(read.file);
  }
  return { files, issues };
}
