// A step that changes source files (stamp files, rollout.yaml) and re-renders, crash-safe and under
// compare-and-swap. The caller holds the repository lock.
//
// Order: (1) check that every file the step was planned from is unchanged (else ConflictError, nothing
// written); (2) write the journal (.stampyard-step.json) atomically: it holds every source change; (3)
// write the source files, each atomically; (4) re-render with applySynth (its own swap recovers); (5)
// delete the journal. A crash before (2) completes leaves the old state whole; after it, the next writer
// rolls the step forward from the journal (`recoverStep`) and readers see it completed (`readStepJournal`).
import { rm } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConflictError,
  InternalError,
  STEP_JOURNAL,
  ValidationError,
  parseFleet,
  readFileIfExists,
  readFleetSources,
  writeFileAtomic,
  type FileChange,
  type SourceFile,
} from '@stampyard/stamp-spec';
import { applySynth, type ApplySynthOptions } from './apply.ts';
import { planSynth } from './plan.ts';

/** What a step journal records. */
export interface StepJournal {
  /** The command that wrote it, e.g. `stampyard rollout promote`. */
  readonly command: string;
  readonly pid: number;
  /** ISO time the step started writing. */
  readonly at: string;
  /** Every source file the step writes, whole. */
  readonly changes: readonly { readonly path: string; readonly content: string }[];
  /** Whether the step re-renders the fleet. */
  readonly render: boolean;
}

export interface SourceStep {
  readonly command: string;
  /** The files the step was planned from, as read; any that changed since makes the step a conflict. */
  readonly readFrom: readonly SourceFile[];
  /** The same, for files that did not exist when read (e.g. rollout.yaml before the first start). */
  readonly absentWhenRead?: readonly string[];
  /** The source files to write. */
  readonly changes: readonly { readonly path: string; readonly content: string }[];
  /** Re-render the fleet from the written files. */
  readonly render: boolean;
}

export interface StepHooks {
  /**
   * Runs before each write of the step (journal, each file, each rendered file, the folder swaps, the
   * journal's removal), numbered from 1. Tests kill the process here. @default - nothing
   */
  readonly beforeWrite?: (n: number, what: string) => void | Promise<void>;
}

/** What a step wrote. */
export interface StepResult {
  /** Paths written or deleted, relative to the root, sorted. */
  readonly touched: readonly string[];
}

/**
 * Writes a step: compare-and-swap on every file it was planned from, then journal, source files and
 * re-render. Throws ConflictError (nothing written) if a file changed since it was read; ValidationError
 * (nothing written) if the changed sources don't validate.
 */
export async function applyStep(root: string, step: SourceStep, hooks: StepHooks = {}): Promise<StepResult> {
  for (const source of step.readFrom) {
    if ((await readFileIfExists(join(root, source.path))) !== source.text) {
      throw new ConflictError(
        `${source.path} changed since it was read; nothing was written. Run the command again to act on the new file`,
      );
    }
  }
  for (const path of step.absentWhenRead ?? []) {
    if ((await readFileIfExists(join(root, path))) !== undefined) {
      throw new ConflictError(
        `${path} was created since this command read the repository; nothing was written. Run the command again to act on it`,
      );
    }
  }
  // Validate (and plan the render) before writing anything.
  const plan = step.render ? await planFrom(root, step.changes) : undefined;
  const counter = writeCounter(hooks);
  const journal: StepJournal = {
    command: step.command,
    pid: process.pid,
    at: new Date().toISOString(),
    changes: step.changes,
    render: step.render,
  };
  await counter.tick(STEP_JOURNAL);
  await writeFileAtomic(join(root, STEP_JOURNAL), `${JSON.stringify(journal, null, 2)}\n`);
  const touched = await completeStep(root, journal, counter, plan);
  return { touched };
}

/**
 * Rolls an interrupted step forward from its journal, if there is one: writes its files, re-renders and
 * removes the journal. Returns the journal it completed, or undefined when none was pending.
 */
export async function recoverStep(root: string, hooks: StepHooks = {}): Promise<StepJournal | undefined> {
  const journal = await readStepJournal(root);
  if (journal === undefined) return undefined;
  await completeStep(root, journal, writeCounter(hooks), undefined);
  return journal;
}

/** The journal of a step interrupted before it finished, or undefined. Throws InternalError for a damaged one. */
export async function readStepJournal(root: string): Promise<StepJournal | undefined> {
  const text = await readFileIfExists(join(root, STEP_JOURNAL));
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as StepJournal;
    if (!Array.isArray(data.changes) || data.changes.some((c) => typeof c.path !== 'string' || typeof c.content !== 'string'))
      throw new Error('bad changes');
    return data;
  } catch (error) {
    // Written by rename, so never half-written: a damaged journal was edited by hand.
    throw new InternalError(
      `${STEP_JOURNAL} is damaged (${(error as Error).message}); it is written atomically, so it was changed by hand. Delete it and run npm run synth`,
    );
  }
}

/** The sources with a pending journal's changes applied: what the repository is once the step completes. */
export function withJournal<T extends { readonly path: string; readonly text: string }>(
  files: readonly T[],
  journal: StepJournal | undefined,
): T[] {
  if (journal === undefined) return [...files];
  const changed = new Map(journal.changes.map((c) => [c.path, c.content]));
  return files.map((f) => (changed.has(f.path) ? { ...f, text: changed.get(f.path)! } : f));
}

async function completeStep(
  root: string,
  journal: StepJournal,
  counter: Counter,
  plan: Awaited<ReturnType<typeof planSynth>> | undefined,
): Promise<string[]> {
  for (const change of journal.changes) {
    await counter.tick(change.path);
    await writeFileAtomic(join(root, change.path), change.content);
  }
  let rendered: string[] = [];
  if (journal.render) {
    const options: ApplySynthOptions = {
      writeFile: async (path, content) => {
        await counter.tick(path);
        writeFileSync(path, content);
      },
      betweenRenames: async (dir) => counter.tick(`swap ${dir}`),
    };
    rendered = await applySynth(root, plan ?? (await planFrom(root, [])), [], options);
  }
  await counter.tick(`remove ${STEP_JOURNAL}`);
  await rm(join(root, STEP_JOURNAL), { force: true });
  return [...new Set([...journal.changes.map((c) => c.path), ...rendered])].sort();
}

/** Plans the render of the fleet under root as it is with `changes` applied. */
async function planFrom(root: string, changes: readonly FileChange[]) {
  const sources = await readFleetSources(root);
  const changed = new Map(changes.map((c) => [c.path, c.content]));
  const apply = <T extends SourceFile>(f: T): T =>
    changed.has(f.path) && changed.get(f.path) !== null ? { ...f, text: changed.get(f.path)! } : f;
  const { fleet, issues } = parseFleet({
    ...sources,
    fleet: apply(sources.fleet),
    stamps: sources.stamps.map(apply),
    tenants: (sources.tenants ?? []).map(apply),
  });
  if (!fleet) throw new ValidationError(issues);
  return planSynth(fleet);
}

interface Counter {
  tick(what: string): Promise<void>;
}

function writeCounter(hooks: StepHooks): Counter {
  let n = 0;
  return {
    tick: async (what) => {
      n += 1;
      await hooks.beforeWrite?.(n, what);
    },
  };
}
