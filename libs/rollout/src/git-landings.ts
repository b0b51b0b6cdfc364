// The git side of bake clocks, behind a small adapter: which commits changed rollout.yaml on the branch,
// and what revision each held. The pure rule that reads them is `bakeStartOf` in landing.ts.
import { execFile } from 'node:child_process';
import { ROLLOUT_FILE } from './state.ts';
import type { Landing } from './landing.ts';

/** Runs git in a repository; resolves stdout, or undefined when git fails (not a repository, no commits). */
export type GitRunner = (args: readonly string[], stdin?: string) => Promise<string | undefined>;

/** A GitRunner for the repository at `root`, using the `git` on PATH. */
export function gitRunner(root: string, timeoutMs = 10_000): GitRunner {
  return (args, stdin) =>
    new Promise((resolve) => {
      const child = execFile(
        'git',
        ['-C', root, ...args],
        { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout) => resolve(error ? undefined : stdout),
      );
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
}

const revisionLine = /^revision:\s*(\d+)\s*$/m;
const startedAtLine = /^\s+startedAt:\s*['"]?([^'"\s]+)['"]?\s*$/m;

/** One first-parent commit that changed a file, with the file's text in it (undefined where it was deleted). */
export interface FileVersion {
  readonly sha: string;
  /** Committer time, ISO-8601 as git prints it. */
  readonly at: string;
  readonly text: string | undefined;
}

/**
 * Every first-parent commit of HEAD that changed `path`, oldest first, with the file's text in that
 * commit. Two git processes whatever the history's length: `git log` for the commits and
 * `git cat-file --batch` for the files. [] outside git or without such commits.
 */
export async function readFileVersions(git: GitRunner, path: string): Promise<FileVersion[]> {
  const log = await git(['log', '--first-parent', '--format=%H %cI', '--', path]);
  if (!log) return [];
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, at] = line.split(' ');
      return { sha: sha!, at: at! };
    })
    .reverse();
  // `./`: relative to the fleet root, which may be a folder inside the repository.
  const batch = await git(['cat-file', '--batch'], commits.map((c) => `${c.sha}:./${path}\n`).join(''));
  if (batch === undefined) return [];
  const blobs = splitBatch(batch);
  return commits.map((commit, i) => ({ ...commit, text: blobs[i] }));
}

/**
 * The first-parent commits of HEAD that changed rollout.yaml, oldest first, each with the revision and
 * rollout start its rollout.yaml held (see `readFileVersions`). [] outside git or without such commits.
 */
export async function readLandings(git: GitRunner, path = ROLLOUT_FILE): Promise<Landing[]> {
  const out: Landing[] = [];
  for (const { at, text } of await readFileVersions(git, path)) {
    const revision = text === undefined ? undefined : revisionLine.exec(text)?.[1];
    if (revision === undefined) continue; // deleted or unreadable in that commit
    const startedAt = startedAtLine.exec(text!)?.[1];
    out.push({ at: new Date(at).toISOString(), revision: Number(revision), ...(startedAt ? { startedAt } : {}) });
  }
  return out;
}

/** Splits `git cat-file --batch` output into contents, one per request (undefined for a missing object). */
function splitBatch(output: string): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  const buffer = Buffer.from(output, 'utf8');
  let offset = 0;
  while (offset < buffer.length) {
    const end = buffer.indexOf(0x0a, offset);
    if (end < 0) break;
    const header = buffer.subarray(offset, end).toString('utf8');
    offset = end + 1;
    const match = /^\S+ blob (\d+)$/.exec(header);
    if (!match) {
      out.push(undefined); // "<name> missing"
      continue;
    }
    const size = Number(match[1]);
    out.push(buffer.subarray(offset, offset + size).toString('utf8'));
    offset += size + 1;
  }
  return out;
}
