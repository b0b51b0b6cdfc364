// The example fleet of this repository, planned from a throwaway copy (tests never read the real tree).
import { loadFleet, type LoadedFleet } from '@stampyard/stamp-spec';
import { copyExampleFleet } from '@stampyard/stamp-spec/testing';
import { planSynth, type SynthPlan } from '../plan.ts';

/** Loads and plans a copy of the example fleet. */
export async function planExampleFleet(): Promise<{ readonly fleet: LoadedFleet; readonly plan: SynthPlan }> {
  const repo = await copyExampleFleet();
  try {
    const fleet = await loadFleet(repo.root);
    return { fleet, plan: await planSynth(fleet) };
  } finally {
    await repo.cleanup();
  }
}
