// The demo's virtual clock: the rollout logic sees normal bake minutes while
// wall time runs `scale` times faster (scale 60: one minute passes in one second).
import type { FreezeWindow } from '@stampyard/stamp-spec';

const MINUTE_MS = 60_000;

export class VirtualClock {
  private readonly realStartMs: number;
  private pausedAtMs: number | undefined;
  private pausedTotalMs = 0;

  /**
   * @param start the virtual time at construction
   * @param scale virtual milliseconds per real millisecond (60: 1 minute → 1 second)
   * @param realNowMs the real monotonic clock, in milliseconds @default performance.now
   */
  constructor(
    readonly start: Date,
    readonly scale: number,
    private readonly realNowMs: () => number = () => performance.now(),
  ) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be a positive number, got ${scale}`);
    this.realStartMs = realNowMs();
  }

  /** The virtual time now: start + real elapsed (less paused time) × scale, whole seconds. */
  now(): Date {
    const realMs = (this.pausedAtMs ?? this.realNowMs()) - this.realStartMs - this.pausedTotalMs;
    const virtualMs = realMs * this.scale;
    return new Date(Math.floor((this.start.getTime() + virtualMs) / 1000) * 1000);
  }

  /**
   * Runs `work` with the clock stopped. The local fleet stops it while it promotes and
   * restarts stamp-apps, so how fast this machine works never eats into bake time.
   */
  async paused<T>(work: () => Promise<T>): Promise<T> {
    if (this.pausedAtMs !== undefined) return await work();
    this.pausedAtMs = this.realNowMs();
    try {
      return await work();
    } finally {
      this.pausedTotalMs += this.realNowMs() - this.pausedAtMs;
      this.pausedAtMs = undefined;
    }
  }

  /** Real milliseconds until the virtual clock reaches `time` (0 when it already has). */
  realMsUntil(time: Date): number {
    const virtualMs = time.getTime() - this.now().getTime();
    return virtualMs <= 0 ? 0 : Math.ceil(virtualMs / this.scale);
  }

  /** Real milliseconds that `minutes` virtual minutes take. */
  realMsFor(minutes: number): number {
    return Math.ceil((minutes * MINUTE_MS) / this.scale);
  }
}

/**
 * The virtual start time: `now`, unless a freeze window overlaps the next `spanHours`
 * of virtual time; then the end of that window (repeated until none overlaps). Pure.
 */
export function pickStartTime(now: Date, windows: readonly FreezeWindow[], spanHours = 24): Date {
  let start = now.getTime();
  const span = spanHours * 60 * MINUTE_MS;
  for (let moved = true; moved;) {
    moved = false;
    for (const w of windows) {
      const from = Date.parse(w.start);
      const to = Date.parse(w.end);
      if (from < start + span && to > start) {
        start = to;
        moved = true;
      }
    }
  }
  return new Date(Math.ceil(start / 1000) * 1000);
}
