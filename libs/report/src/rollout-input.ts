// Adapts the rollout library's state and health reports to the report's input. Pure.
import type { LoadedFleet } from '@stampyard/stamp-spec';
import { addMinutes, bakeMinutesFor, fleetView, groupByWave, planPromotion, type HealthReport, type RolloutState } from '@stampyard/rollout';
import type { RolloutStatusInput, StampObservation, WaveStatusInput } from './model.ts';

/** Observations from a health report: ready is healthy, not ready is unhealthy, unreadable is unknown. */
export function observationsFrom(report: HealthReport): StampObservation[] {
  const out: StampObservation[] = Object.entries(report.stamps).map(([stamp, h]) => ({
    stamp,
    health: h.ready ? 'healthy' : 'unhealthy',
    ...(h.version !== undefined ? { observedVersion: h.version } : {}),
    ...(h.detail ? { message: h.detail } : {}),
  }));
  for (const [stamp, reason] of Object.entries(report.unknown ?? {})) {
    if (!(stamp in report.stamps)) out.push({ stamp, health: 'unknown', message: reason });
  }
  return out.sort((a, b) => a.stamp.localeCompare(b.stamp));
}

/**
 * Each wave's state from rollout.yaml: `promoted` once every stamp declares the target and
 * the wave has baked since its last promotion, `baking` until then, `halted` for the wave the
 * rollout stopped at, else `waiting` (with what promote would say, for the next wave).
 * Undefined when there is no rollout state.
 */
export function rolloutStatusFrom(loaded: LoadedFleet, state: RolloutState | undefined, health: HealthReport, now: Date): RolloutStatusInput | undefined {
  if (state === undefined) return undefined;
  const fleet = fleetView(loaded);
  const target = state.target.version;
  const policy = fleet.spec.rollout;
  const next = planPromotion({ fleet, state, health, now });
  const waves = groupByWave(fleet.stamps);
  const firstPending = waves.find((w) => w.stamps.some((s) => s.spec.version !== target))?.wave;
  // The wave a halt concerns: the one its event names, else the last wave this rollout promoted into.
  const haltEvent = [...state.history].reverse().find((e) => e.event === 'halted');
  const promotedWaves = waves.filter((w) => w.stamps.some((s) => state.stamps[s.metadata.name] !== undefined)).map((w) => w.wave);
  const haltedWave = haltEvent?.wave ?? promotedWaves.at(-1) ?? firstPending ?? waves.at(-1)?.wave;
  const out: WaveStatusInput[] = waves.map(({ wave, stamps }) => {
    if (state.halted && state.phase !== 'complete' && wave === haltedWave) return { wave, state: 'halted', reason: state.halted.reason };
    if (stamps.every((s) => s.spec.version === target)) {
      const promotedAt = stamps.map((s) => state.stamps[s.metadata.name]?.promotedAt).filter((t): t is string => t !== undefined);
      if (promotedAt.length > 0 && state.phase !== 'complete') {
        const last = promotedAt.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
        const bakeEndsAt = addMinutes(last, bakeMinutesFor(policy, wave));
        if (bakeEndsAt.getTime() > now.getTime()) return { wave, state: 'baking', bakeEndsAt: bakeEndsAt.toISOString() };
      }
      return { wave, state: 'promoted' };
    }
    return wave === firstPending && next.wave === wave && next.action !== 'promoted' ? { wave, state: 'waiting', reason: next.reason } : { wave, state: 'waiting' };
  });
  return { targetVersion: target, waves: out };
}
