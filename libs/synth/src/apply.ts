// The only writer. Builds each changed output folder anew beside the old one, then swaps them,
// so an interrupted run leaves the old folder whole (or, if it died between the two renames,
// moved aside where the next run puts it back).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ConflictError, type FileChange } from '@stampyard/stamp-spec';
import { OUTPUT_DIRS } from './layout.ts';
import { diffSynth, type SynthDiff } from './diff.ts';
import type { SynthPlan } from './plan.ts';

export interface ApplySynthOptions {
  /**
   * Writes one file while staging. Tests inject a failure here to interrupt a run.
   * @default - fs.writeFileSync (for thousands of small files, much faster than fs/promises)
   */
  readonly writeFile?: (path: string, content: string) => Promise<void>;
  /**
   * Runs after an old output folder has moved aside and before the new one moves in.
   * Tests throw here to interrupt a run between the two renames.
   * @default - nothing
   */
  readonly betweenRenames?: (dir: string) => Promise<void>;
  /**
   * Receives the diff apply acts on, before anything is written (for reporting).
   * @default - nothing
   */
  readonly onDiff?: (diff: SynthDiff) => void;
}

const NEW_PREFIX = '.stampyard-new-';
const OLD_PREFIX = '.stampyard-old-';

/**
 * Writes the plan and `extraChanges` (e.g. stamp files a rollout changed), deletes generated
 * files the plan no longer has, keeps hand-made ones. Nothing is written when nothing differs.
 * Returns the paths written or deleted, sorted. Throws ConflictError, writing nothing, when a
 * planned path holds a hand-made file.
 */
export async function applySynth(
  root: string,
  plan: SynthPlan,
  extraChanges: readonly FileChange[] = [],
  options: ApplySynthOptions = {},
): Promise<string[]> {
  await recoverInterruptedSynth(root);
  const diff = await diffSynth(root, plan);
  options.onDiff?.(diff);
  if (diff.conflicts.length > 0) {
    throw new ConflictError(
      `synth must write ${diff.conflicts.join(', ')}, but ${diff.conflicts.length === 1 ? 'it is a hand-made file' : 'they are hand-made files'} (no generated header); move ${diff.conflicts.length === 1 ? 'it' : 'them'} out of ${OUTPUT_DIRS.join('/ and ')}/ and run npm run synth again`,
    );
  }
  const changed = [...diff.stale, ...diff.missing, ...diff.extra];
  const dirs = OUTPUT_DIRS.filter((dir) => changed.some((path) => path.startsWith(`${dir}/`)));
  const write = options.writeFile ?? (async (path: string, content: string) => writeFileSync(path, content));
  const staged: { dir: string; temp: string }[] = [];
  const stagedChanges: { temp: string; target: string }[] = [];
  try {
    for (const dir of dirs) {
      const temp = join(root, `${NEW_PREFIX}${dir}-${randomBytes(4).toString('hex')}`);
      staged.push({ dir, temp });
      await buildFolder(root, dir, temp, plan, diff.unmanaged, write);
    }
    for (const change of extraChanges) {
      if (change.content === null) continue;
      const target = join(root, change.path);
      await mkdir(dirname(target), { recursive: true });
      const temp = join(dirname(target), `${NEW_PREFIX}${randomBytes(4).toString('hex')}`);
      stagedChanges.push({ temp, target });
      await write(temp, change.content);
    }
  } catch (error) {
    await Promise.all([...staged, ...stagedChanges].map((s) => rm(s.temp, { recursive: true, force: true })));
    throw error;
  }
  for (const { dir, temp } of staged) await swapFolder(root, dir, temp, options.betweenRenames);
  for (const s of stagedChanges) await rename(s.temp, s.target);
  for (const change of extraChanges) if (change.content === null) await rm(join(root, change.path), { force: true });
  return [...new Set([...changed, ...extraChanges.map((c) => c.path)])].sort();
}

/** Writes every planned file under `dir`, and copies its hand-made files, into `temp`. */
async function buildFolder(
  root: string,
  dir: string,
  temp: string,
  plan: SynthPlan,
  unmanaged: readonly string[],
  write: (path: string, content: string) => Promise<void>,
): Promise<void> {
  const prefix = `${dir}/`;
  const planned = [...plan.files].filter(([path]) => path.startsWith(prefix));
  const kept = unmanaged.filter((path) => path.startsWith(prefix));
  const target = (path: string) => join(temp, path.slice(prefix.length));
  const folders = new Set([temp, ...[...planned.map(([p]) => p), ...kept].map((p) => dirname(target(p)))]);
  for (const folder of [...folders].sort()) mkdirSync(folder, { recursive: true });
  for (const [path, content] of planned) await write(target(path), content);
  for (const path of kept) copyFileSync(join(root, path), target(path));
}

/** Moves `dir` aside, `temp` into its place, then deletes the old one. */
async function swapFolder(root: string, dir: string, temp: string, betweenRenames?: (dir: string) => Promise<void>): Promise<void> {
  const live = join(root, dir);
  const aside = join(root, `${OLD_PREFIX}${dir}-${randomBytes(4).toString('hex')}`);
  let movedAside = false;
  try {
    await rename(live, aside);
    movedAside = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await betweenRenames?.(dir);
    await rename(temp, live);
  } catch (error) {
    // Put the old folder back, so the tree stays whole.
    if (movedAside) await rename(aside, live);
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * Repairs what a run killed mid-way left: an output folder moved aside comes back when its
 * place is empty, and half-built or leftover folders are removed. Returns the folders restored.
 */
export async function recoverInterruptedSynth(root: string): Promise<string[]> {
  const restored: string[] = [];
  const entries = await readdir(root);
  for (const dir of OUTPUT_DIRS) {
    const live = join(root, dir);
    const hasLive = entries.includes(dir);
    for (const name of entries.filter((e) => e.startsWith(`${OLD_PREFIX}${dir}-`)).sort()) {
      if (!hasLive && restored.indexOf(dir) < 0) {
        await rename(join(root, name), live);
        restored.push(dir);
      } else {
        await rm(join(root, name), { recursive: true, force: true });
      }
    }
    for (const name of entries.filter((e) => e.startsWith(`${NEW_PREFIX}${dir}-`))) {
      await rm(join(root, name), { recursive: true, force: true });
    }
  }
  return restored;
}
