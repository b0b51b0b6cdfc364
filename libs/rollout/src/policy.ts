// Reading the rollout policy: bake times, freeze windows, waves.
import type { FreezeWindow, RolloutPolicy, Stamp } from '@stampyard/stamp-spec';

/** Minutes wave `wave` bakes before the next wave may start. */
export function bakeMinutesFor(policy: RolloutPolicy, wave: number): number {
  return policy.bakeMinutes.waves[String(wave)] ?? policy.bakeMinutes.default;
}

/** The freeze window `now` falls in (start inclusive, end exclusive), if any. */
export function activeFreezeWindow(policy: RolloutPolicy, now: Date): FreezeWindow | undefined {
  const t = now.getTime();
  return policy.freezeWindows.find((w) => Date.parse(w.start) <= t && t < Date.parse(w.end));
}

/** Stamps grouped by wave, waves ascending, stamps by name. */
export function groupByWave<S extends Stamp>(stamps: readonly S[]): { wave: number; stamps: S[] }[] {
  const waves = new Map<number, S[]>();
  for (const stamp of stamps) {
    const list = waves.get(stamp.spec.wave) ?? [];
    list.push(stamp);
    waves.set(stamp.spec.wave, list);
  }
  return [...waves.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([wave, list]) => ({ wave, stamps: list.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)) }));
}

export function addMinutes(time: Date | string, minutes: number): Date {
  return new Date(new Date(time).getTime() + minutes * 60_000);
}
