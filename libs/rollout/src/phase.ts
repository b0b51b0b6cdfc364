// A rollout's phase, and what each outcome means for a command's exit code.
import type { RolloutState } from './state.ts';

/** Where a rollout is, as rollout.yaml records it. */
export type RolloutPhase = RolloutState['phase'];

/**
 * The phase of a state. A file written before `halted` was a phase (phase `progressing` with a `halted`
 * record) reads as halted.
 */
export function phaseOf(state: RolloutState): RolloutPhase {
  if (state.phase === 'progressing' && state.halted !== undefined) return 'halted';
  return state.phase;
}

/** Whether a rollout is under way: started, and not complete, rolled back or aborted (a halted one is under way). */
export function isUnderWay(state: RolloutState | undefined): state is RolloutState {
  return state !== undefined && (phaseOf(state) === 'progressing' || phaseOf(state) === 'halted');
}

/**
 * The exit code of `rollout promote` and `rollout status` for each outcome: 0 when things are as they
 * should be (including waiting and frozen), 1 when a person must act. `plan` exits 1 when it lists a
 * blocker, `start` when it refuses.
 */
export const PROMOTION_EXIT_CODES = {
  promoted: 0,
  waiting: 0,
  frozen: 0,
  idle: 0,
  complete: 0,
  aborted: 0,
  blocked: 1,
  halted: 1,
  'rolled-back': 1,
} as const satisfies Record<import('./promote.ts').PromotionAction, 0 | 1>;

/** The exit code for an outcome (see PROMOTION_EXIT_CODES). */
export function exitCodeFor(action: import('./promote.ts').PromotionAction): 0 | 1 {
  return PROMOTION_EXIT_CODES[action];
}
