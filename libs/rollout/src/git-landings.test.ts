import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gitRunner, readLandings } from './git-landings.ts';

const run = promisify(execFile);
let dir: string | undefined;
afterEach(async () => dir && rm(dir, { recursive: true, force: true }));

async function git(cwd: string, args: string[], date: string) {
  const who = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
  await run('git', ['-C', cwd, ...args], { env: { ...process.env, ...who, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
}

const rollout = (revision: number) =>
  `kind: Rollout\nrevision: ${revision}\ntarget:\n  version: 1.5.0\n  startedAt: 2026-11-30T10:00:00.000Z\n`;

describe('readLandings (real git)', () => {
  it('lists first-parent commits that changed rollout.yaml, oldest first, with revision and rollout; merges count at merge time', async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampyard-landings-'));
    const root = join(dir, 'fleet'); // a fleet in a folder of the repository
    await mkdir(root);
    await git(dir, ['init', '-q', '-b', 'main'], '2026-11-30T09:00:00Z');
    await writeFile(join(root, 'rollout.yaml'), rollout(1));
    await git(dir, ['add', '-A'], '2026-11-30T10:00:00Z');
    await git(dir, ['commit', '-qm', 'start'], '2026-11-30T10:00:00Z');
    await writeFile(join(dir, 'other.txt'), 'x');
    await git(dir, ['add', '-A'], '2026-11-30T10:30:00Z');
    await git(dir, ['commit', '-qm', 'unrelated'], '2026-11-30T10:30:00Z');
    // A promotion made on a branch at 11:00, merged at 13:00.
    await git(dir, ['checkout', '-qb', 'step'], '2026-11-30T11:00:00Z');
    await writeFile(join(root, 'rollout.yaml'), rollout(2));
    await git(dir, ['commit', '-qam', 'promote'], '2026-11-30T11:00:00Z');
    await git(dir, ['checkout', '-q', 'main'], '2026-11-30T13:00:00Z');
    await git(dir, ['merge', '-q', '--no-ff', '-m', 'merge', 'step'], '2026-11-30T13:00:00Z');
    expect(await readLandings(gitRunner(root))).toEqual([
      { at: '2026-11-30T10:00:00.000Z', revision: 1, startedAt: '2026-11-30T10:00:00.000Z' },
      { at: '2026-11-30T13:00:00.000Z', revision: 2, startedAt: '2026-11-30T10:00:00.000Z' },
    ]);
  });

  it('is empty outside git', async () => {
    dir = await mkdtemp(join(tmpdir(), 'stampyard-landings-'));
    expect(await readLandings(gitRunner(dir))).toEqual([]);
  });
});
