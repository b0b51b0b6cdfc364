// Adapts the one rollout decision (libs/rollout's `decideRollout`) to the report's input. Pure: the
// report computes no rollout rule of its own, so it can never disagree with `rollout promote`.
import { planPromotion, type DecisionInput, type HealthReport, type RolloutDecision, type StampDecision } from '@stampyard/rollout';
import type { HealthWord, RolloutStatusInput, StampObservation, WaveStatusInput } from './model.ts';

/**
 * Observations from the decision's per-stamp verdicts: healthy only when ready AND running the declared
 * version (as promote judges it); a stamp still converging to a promotion (within its progress deadline)
 * is progressing, one running another version is degraded, not ready after the deadline or failed is unhealthy, and a stamp the source does not know is unknown.
 */
export function observationsFrom(decision: RolloutDecision, report: HealthReport): StampObservation[] {
  const unknown = new Map(Object.entries(report.unknown ?? {}));
  return [...decision.stamps]
    .filter((s) => s.health !== 'unknown' || unknown.has(s.name) || s.observed !== null)
    .map((s) => {
      const message = s.health === 'unknown' ? unknown.get(s.name) : detailOf(report, s);
      return {
        stamp: s.name,
        health: healthWord(s),
        ...(s.observed !== null ? { observedVersion: s.observed } : {}),
        ...(message ? { message } : {}),
      };
    })
    .sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
}

function detailOf(report: HealthReport, s: StampDecision): string | undefined {
  return Object.hasOwn(report.stamps, s.name) ? report.stamps[s.name]!.detail : undefined;
}

function healthWord(s: StampDecision): HealthWord {
  switch (s.health) {
    case 'healthy':
      return 'healthy';
    case 'unready':
      return s.converging ? 'progressing' : 'unhealthy';
    case 'failed':
      return 'unhealthy';
    case 'wrong-version':
      return s.converging ? 'progressing' : 'degraded';
    case 'unknown':
      return 'unknown';
  }
}

/**
 * Each wave's state, exactly as the decision gives it (the same verdict `rollout promote --dry-run`
 * and `drift` give), with the bake end for a baking wave, the halt reason for the halted wave and, for
 * the wave promote would act on next, what promote would say. Undefined when there is no rollout state.
 */
export function rolloutStatusFrom(input: DecisionInput): RolloutStatusInput | undefined {
  if (input.state === undefined) return undefined;
  const next = planPromotion(input);
  const { decision } = next;
  const waves: WaveStatusInput[] = decision.waves.map((w) => {
    if (w.state === 'halted')
      return { wave: w.wave, state: 'halted', ...(input.state?.halted ? { reason: input.state.halted.reason } : {}) };
    if (w.state === 'baking') return { wave: w.wave, state: 'baking', bakeEndsAt: w.bakeEndsAt! };
    const isNext = next.wave === w.wave && next.action !== 'promoted' && (w.state === 'waiting' || w.state === 'promoting');
    return { wave: w.wave, state: w.state, ...(isNext ? { reason: next.reason } : {}) };
  });
  const excluded = decision.stamps.filter((s) => s.excluded !== null).map((s) => [s.name, s.excluded!] as const);
  return {
    targetVersion: input.state.target.version,
    waves,
    ...(input.state.target.allowDowngrade ? { allowDowngrade: true } : {}),
    ...(excluded.length > 0 ? { excluded: Object.fromEntries(excluded) } : {}),
  };
}
