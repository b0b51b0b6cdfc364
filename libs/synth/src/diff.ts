// Compares a plan with the files on disk. Reads only.
import { join } from 'node:path';
import { isGenerated, readFileIfExists } from '@stampyard/stamp-spec';
import { OUTPUT_DIRS } from './layout.ts';
import { listFiles, mapLimit } from './private/fs.ts';
import type { SynthPlan } from './plan.ts';

/** How the files on disk differ from a plan. Every list holds paths relative to the root, sorted. */
export interface SynthDiff {
  /** Planned files whose content on disk differs. */
  readonly stale: string[];
  /** Planned files not on disk. */
  readonly missing: string[];
  /** Generated files (with the header) under the output folders that the plan doesn't have; synth deletes them. */
  readonly extra: string[];
  /** Hand-made files (no header) under the output folders that the plan doesn't have; synth keeps them. */
  readonly unmanaged: string[];
  /** Planned paths taken by a hand-made file (no header); synth refuses to overwrite them. Also listed in `stale`. */
  readonly conflicts: string[];
}

/** Whether the disk matches the plan: nothing stale, missing or extra. */
export function isUpToDate(diff: SynthDiff): boolean {
  return diff.stale.length === 0 && diff.missing.length === 0 && diff.extra.length === 0;
}

export async function diffSynth(root: string, plan: SynthPlan): Promise<SynthDiff> {
  const diff: SynthDiff = { stale: [], missing: [], extra: [], unmanaged: [], conflicts: [] };
  const onDisk = (await Promise.all(OUTPUT_DIRS.map((dir) => listFiles(root, dir)))).flat();
  const planned = [...plan.files.keys()];
  const contents = await mapLimit(planned, 64, (path) => readFileIfExists(join(root, path)));
  planned.forEach((path, i) => {
    const actual = contents[i];
    if (actual === undefined) diff.missing.push(path);
    else if (actual !== plan.files.get(path)) {
      diff.stale.push(path);
      if (!isGenerated(actual)) diff.conflicts.push(path);
    }
  });
  const others = onDisk.filter((path) => !plan.files.has(path));
  const texts = await mapLimit(others, 64, (path) => readFileIfExists(join(root, path)));
  others.forEach((path, i) => {
    const text = texts[i];
    if (text === undefined) return;
    (isGenerated(text) ? diff.extra : diff.unmanaged).push(path);
  });
  return diff;
}
