// Reading rollout.yaml, and planning a step's writes so that two runs can never both promote.
import { join } from 'node:path';
import { ValidationError, readFleetFile, type SourceFile } from '@stampyard/stamp-spec';
import { ROLLOUT_FILE, parseRolloutState, serializeRolloutState, type RolloutState } from './state.ts';
import { stampFileChanges } from './stamp-edit.ts';
import type { VersionChange } from './fleet-view.ts';

/** rollout.yaml under root, or undefined when there is none (no rollout ever started). Throws ValidationError. */
export async function readRolloutState(root: string): Promise<RolloutState | undefined> {
  return rolloutStateOf(await readRolloutFile(root));
}

/**
 * rollout.yaml's text under root, or undefined. Read as a fleet file: a regular
 * file inside the root, within the size cap, never a link. Throws ValidationError.
 */
export async function readRolloutFile(root: string): Promise<SourceFile | undefined> {
  const read = await readFleetFile(root, ROLLOUT_FILE);
  if (read === undefined) return undefined;
  if ('issue' in read) throw new ValidationError([read.issue]);
  return read.file;
}

/** The state a rollout.yaml holds (undefined for none). Throws ValidationError. Pure. */
export function rolloutStateOf(file: SourceFile | undefined): RolloutState | undefined {
  if (file === undefined) return undefined;
  const { state, issues } = parseRolloutState(file);
  if (!state) throw new ValidationError(issues);
  return state;
}

/** The revision a state was read at; -1 for no file. */
export function revisionOf(state: RolloutState | undefined): number {
  return state?.revision ?? -1;
}

/** A rollout step's writes, for `applyStep` (libs/synth): compare-and-swap, journal, files, re-render. */
export interface RolloutWrite {
  readonly command: string;
  /** Every file the step was planned from: the stamp files and rollout.yaml, as read. */
  readonly readFrom: readonly SourceFile[];
  /** rollout.yaml when it did not exist yet. */
  readonly absentWhenRead: readonly string[];
  /** Stamp files (spec.version only, comments kept) and rollout.yaml, whole. */
  readonly changes: readonly { readonly path: string; readonly content: string }[];
  /** Whether stamp versions change, so the fleet must be re-rendered. */
  readonly render: boolean;
}

/**
 * What a rollout step writes, planned purely from what was read: the stamp files the version changes
 * touch, and rollout.yaml. The step is refused if any stamp file or rollout.yaml changed since.
 */
export function planRolloutWrite(input: {
  readonly command: string;
  readonly stampFiles: readonly SourceFile[];
  /** rollout.yaml as read; undefined when there was none. */
  readonly rolloutFile: SourceFile | undefined;
  readonly state: RolloutState;
  readonly changes: readonly VersionChange[];
}): RolloutWrite {
  const stampChanges = stampFileChanges(input.stampFiles, input.changes).map((c) => ({ path: c.path, content: c.content! }));
  return {
    command: input.command,
    readFrom: [...input.stampFiles, ...(input.rolloutFile ? [input.rolloutFile] : [])],
    absentWhenRead: input.rolloutFile ? [] : [ROLLOUT_FILE],
    changes: [...stampChanges, { path: ROLLOUT_FILE, content: serializeRolloutState(input.state) }],
    render: stampChanges.length > 0,
  };
}
