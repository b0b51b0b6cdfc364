// When a promotion took effect: the first commit on the branch holding it. Pure; the git query is in git-landings.ts.
import type { RolloutState, RolloutStampRecord } from './state.ts';

/** One first-parent commit that changed rollout.yaml, as the branch history records it. */
export interface Landing {
  /** Committer time, ISO-8601. */
  readonly at: string;
  /** rollout.yaml's `revision` in that commit. */
  readonly revision: number;
  /** rollout.yaml's `target.startedAt` in that commit, telling rollouts apart. @default - unknown: matches any */
  readonly startedAt?: string;
}

/**
 * When a promotion's bake starts, in ms: when the first commit holding it landed on the branch, else its
 * recorded `promotedAt` (no history, or not landed yet). A record with a `revision` lands with the first
 * commit of the same rollout at that revision or later; an older record without one, with the first
 * such commit made at or after its promotedAt.
 */
export function bakeStartOf(
  state: RolloutState,
  record: RolloutStampRecord,
  landings: readonly Landing[],
): { readonly at: number; readonly landed: boolean } {
  const promotedAt = Date.parse(record.promotedAt);
  for (const landing of landings) {
    if (landing.startedAt !== undefined && Date.parse(landing.startedAt) !== Date.parse(state.target.startedAt)) continue;
    const holds = record.revision !== undefined ? landing.revision >= record.revision : Date.parse(landing.at) >= promotedAt;
    if (holds) return { at: Date.parse(landing.at), landed: true };
  }
  return { at: promotedAt, landed: false };
}
