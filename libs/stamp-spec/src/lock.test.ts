import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitError } from './errors.ts';
import { LOCK_FILE, acquireRepoLock, processAlive } from './lock.ts';
import { makeTempFleetRepo, type TempRepo } from './testing/index.ts';

let repo: TempRepo | undefined;
afterEach(async () => repo?.cleanup());

/** A pid that is surely gone: a real child process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('the repository lock', () => {
  it('records the holder, refuses a second writer after the wait naming its pid and command, and is released', async () => {
    repo = await makeTempFleetRepo();
    const lock = await acquireRepoLock(repo.root, { command: 'stampyard synth' });
    const holder = JSON.parse(await readFile(join(repo.root, LOCK_FILE), 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, command: 'stampyard synth' });
    let waited = 0;
    const second = acquireRepoLock(repo.root, { command: 'stampyard rollout promote', timeoutMs: 150, onWait: () => void (waited += 1) });
    await expect(second).rejects.toThrow(ExitError);
    await expect(second).rejects.toThrow(
      new RegExp(`writing this repository: pid ${process.pid} \\(stampyard synth\\), since .*; waited 0 s`),
    );
    expect(waited).toBe(1);
    await lock.release();
    await lock.release();
    expect(existsSync(join(repo.root, LOCK_FILE))).toBe(false);
    expect((await readdir(repo.root)).filter((n) => n.startsWith('.stampyard'))).toEqual([]);
  });

  it('lets a waiting writer in as soon as the holder releases', async () => {
    repo = await makeTempFleetRepo();
    const first = await acquireRepoLock(repo.root, { command: 'a' });
    const second = acquireRepoLock(repo.root, { command: 'b', timeoutMs: 5_000, pollMs: 5, onWait: () => void first.release() });
    const lock = await second;
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ command: 'b' });
    await lock.release();
  });

  it('takes over a lock whose process is gone, naming the old pid', async () => {
    repo = await makeTempFleetRepo();
    const pid = await deadPid();
    expect(processAlive(pid)).toBe(false);
    await writeFile(
      join(repo.root, LOCK_FILE),
      JSON.stringify({ pid, command: 'stampyard rollout promote', since: '2026-11-30T10:00:00Z' }),
    );
    const taken: (number | undefined)[] = [];
    const lock = await acquireRepoLock(repo.root, { command: 'stampyard synth', timeoutMs: 0, onTakeover: (h) => taken.push(h?.pid) });
    expect(taken).toEqual([pid]);
    expect(JSON.parse(await readFile(lock.path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('waits for an unreadable lock file while it is young, and takes it over once it is old', async () => {
    repo = await makeTempFleetRepo();
    await writeFile(join(repo.root, LOCK_FILE), '');
    await expect(acquireRepoLock(repo.root, { command: 'x', timeoutMs: 50 })).rejects.toThrow(/an unknown process/);
    const { utimes } = await import('node:fs/promises');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(repo.root, LOCK_FILE), old, old);
    const lock = await acquireRepoLock(repo.root, { command: 'x', timeoutMs: 0 });
    await lock.release();
  });

  it('never lets two racing takers both hold the lock', async () => {
    repo = await makeTempFleetRepo();
    const pid = await deadPid();
    await writeFile(join(repo.root, LOCK_FILE), JSON.stringify({ pid, command: 'dead', since: '2026-11-30T10:00:00Z' }));
    const held: string[] = [];
    let inside = 0;
    let overlap = false;
    const worker = async (name: string) => {
      const lock = await acquireRepoLock(repo!.root, { command: name, timeoutMs: 5_000, pollMs: 1 });
      inside += 1;
      if (inside > 1) overlap = true;
      held.push(name);
      await new Promise((r) => setTimeout(r, 5));
      inside -= 1;
      await lock.release();
    };
    await Promise.all(['a', 'b', 'c', 'd'].map(worker));
    expect(overlap).toBe(false);
    expect(held.sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});
