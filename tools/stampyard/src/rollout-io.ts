// The rollout's inputs and its one writer, shared by `stampyard rollout` and the local fleet (`stampyard
// dev`), which drive the libraries in-process: read the fleet, rollout.yaml (with any interrupted step
// shown completed) and the landing history; write a step through libs/synth's journaled applyStep.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { STEP_JOURNAL, ValidationError, parseFleet, readFleetSources, type FleetSources, type SourceFile } from '@stampyard/stamp-spec';
import {
  ROLLOUT_FILE,
  fleetView,
  gitRunner,
  planRolloutWrite,
  readLandings,
  readRolloutFile,
  rolloutStateOf,
  type FleetView,
  type Landing,
  type RolloutState,
  type VersionChange,
} from '@stampyard/rollout';
import type { StepHooks } from '@stampyard/synth';
import type { Io } from './context.ts';
import { crashHooks } from './lock.ts';

/** Everything a rollout command reads, before planning. */
export interface RolloutContext {
  readonly root: string;
  readonly sources: FleetSources;
  readonly fleet: FleetView;
  /** rollout.yaml as read; undefined when there is none. */
  readonly rolloutFile: SourceFile | undefined;
  readonly state: RolloutState | undefined;
}

/**
 * Reads the fleet and rollout.yaml. If a crash interrupted a step (its journal is there), what is read is
 * the step completed, as the next writing command will make it, and a note says so on stderr.
 */
export async function readRolloutContext(root: string, io?: Io): Promise<RolloutContext> {
  let sources = await readFleetSources(root);
  let rolloutFile = await readRolloutFile(root);
  if (existsSync(join(root, STEP_JOURNAL))) {
    const { readStepJournal, withJournal } = await import('@stampyard/synth');
    const journal = await readStepJournal(root);
    if (journal) {
      sources = { ...sources, stamps: withJournal(sources.stamps, journal) };
      const rollout = journal.changes.find((c) => c.path === ROLLOUT_FILE);
      if (rollout) rolloutFile = { path: ROLLOUT_FILE, text: rollout.content };
      io?.stderr(
        `note: \`${journal.command}\` (pid ${journal.pid}) was interrupted at ${journal.at}; shown here with its step complete, which the next writing command finishes on disk\n`,
      );
    }
  }
  const { fleet: loaded, issues } = parseFleet(sources);
  if (!loaded) throw new ValidationError(issues);
  return { root, sources, fleet: fleetView(loaded), rolloutFile, state: rolloutStateOf(rolloutFile) };
}

/** Test seams: run between reading the files and writing (to make races deterministic). */
export interface RolloutHooks {
  readonly beforeWrite?: () => Promise<void>;
  /** The step's write hooks (tests interrupt a step at its Nth write). @default - crashHooks(): none unless the test variable is set */
  readonly step?: StepHooks;
}

/**
 * The one writer, run under the repository lock: stamp files (spec.version only, comments kept),
 * rollout.yaml and the re-rendered manifests, as a journaled step with compare-and-swap on every file it
 * was planned from (libs/synth `applyStep`). Returns the paths written.
 */
export async function applyRolloutChange(
  ctx: RolloutContext,
  command: string,
  state: RolloutState,
  changes: readonly VersionChange[],
  hooks: RolloutHooks = {},
): Promise<readonly string[]> {
  const write = planRolloutWrite({ command, stampFiles: ctx.sources.stamps, rolloutFile: ctx.rolloutFile, state, changes });
  const { applyStep } = await import('@stampyard/synth');
  await hooks.beforeWrite?.();
  return (await applyStep(ctx.root, write, hooks.step ?? crashHooks())).touched;
}

/** The first-parent commits that changed rollout.yaml, for bake clocks ([] outside git). */
export async function rolloutLandings(root: string): Promise<Landing[]> {
  return readLandings(gitRunner(root));
}
