// Which stamps the rollout's current step is still touching: promoted and not yet baked.
// A tenant migration refuses to touch them in the same step (and waits for the bake).
import type { LoadedFleet } from '@stampyard/stamp-spec';
import { addMinutes, bakeMinutesFor } from './policy.ts';
import type { RolloutState } from './state.ts';

/** Stamps of the rollout's latest promotion that are still baking at `now`, with when each bake ends. Pure. */
export function stampsInRolloutStep(state: RolloutState | undefined, fleet: LoadedFleet, now: Date): Map<string, Date> {
  const busy = new Map<string, Date>();
  if (state === undefined || state.phase !== 'progressing') return busy;
  const policy = fleet.fleet.spec.rollout;
  for (const { stamp } of fleet.stamps) {
    const promoted = state.stamps[stamp.metadata.name];
    if (!promoted) continue;
    const until = addMinutes(promoted.promotedAt, bakeMinutesFor(policy, stamp.spec.wave));
    if (now < until) busy.set(stamp.metadata.name, until);
  }
  return busy;
}
