import { describe, expect, it } from 'vitest';
import { aFleet, toLoadedFleet } from '@stampyard/stamp-spec/testing';
import { NO_HEALTH, decideRollout, fleetView, newRolloutState, type HealthReport, type RolloutState } from '@stampyard/rollout';
import type { LoadedFleet } from '@stampyard/stamp-spec';
import { observationsFrom, rolloutStatusFrom } from './rollout-input.ts';

const NOW = new Date('2026-11-28T12:00:00Z');

/** Six stamps in three waves; the first `onTarget` of them (by wave) declare 1.5.0. */
function fleetWith(onTarget: number) {
  const { fleet, stamps } = aFleet(6, { waves: 3 });
  return toLoadedFleet({ fleet, stamps: stamps.map((s, i) => (i < onTarget ? { ...s, spec: { ...s.spec, version: '1.5.0' } } : s)) });
}

function stateWith(promoted: Record<string, string>, extra: Partial<RolloutState> = {}): RolloutState {
  return {
    ...newRolloutState('1.5.0', new Date('2026-11-28T09:00:00Z')),
    stamps: Object.fromEntries(Object.entries(promoted).map(([name, at]) => [name, { fromVersion: '1.4.0', promotedAt: at }])),
    ...extra,
  };
}

const statusOf = (loaded: LoadedFleet, state: RolloutState | undefined, health: HealthReport) =>
  rolloutStatusFrom({ fleet: fleetView(loaded), state, health, now: NOW });

describe('rolloutStatusFrom', () => {
  it('is undefined without rollout state', () => {
    expect(statusOf(fleetWith(0), undefined, NO_HEALTH)).toBeUndefined();
  });

  it('marks a wave baking until its bake time (fleet default 60 min) has passed since its last promotion, then promoted', () => {
    const loaded = fleetWith(4);
    const names = loaded.stamps
      .map((s) => s.stamp)
      .sort((a, b) => a.spec.wave - b.spec.wave)
      .map((s) => s.metadata.name);
    const state = stateWith({
      [names[0]!]: '2026-11-28T10:00:00Z',
      [names[1]!]: '2026-11-28T10:00:00Z',
      [names[2]!]: '2026-11-28T11:20:00Z',
      [names[3]!]: '2026-11-28T11:30:00Z',
    });
    const status = statusOf(loaded, state, NO_HEALTH)!;
    expect(status.targetVersion).toBe('1.5.0');
    expect(status.waves).toEqual([
      { wave: 0, state: 'promoted' },
      { wave: 1, state: 'baking', bakeEndsAt: '2026-11-28T12:30:00.000Z' },
      { wave: 2, state: 'waiting', reason: expect.stringMatching(/^wave 0: waiting for stamp-eu-1 \(health unknown/) },
    ]);
  });

  it('gives the next wave the reason promote would give', () => {
    const loaded = fleetWith(2);
    const names = loaded.stamps.filter((s) => s.stamp.spec.wave === 0).map((s) => s.stamp.metadata.name);
    const health: HealthReport = { source: 'test', stamps: Object.fromEntries(names.map((n) => [n, { ready: true, version: '1.5.0' }])) };
    const status = statusOf(loaded, stateWith(Object.fromEntries(names.map((n) => [n, '2026-11-28T11:30:00Z']))), health)!;
    expect(status.waves[0]).toMatchObject({ wave: 0, state: 'baking' });
    expect(status.waves[1]).toMatchObject({
      wave: 1,
      state: 'waiting',
      reason: expect.stringContaining('bakes until 2026-11-28T12:30:00.000Z'),
    });
  });

  it('marks the wave a halt names as halted, with the reason', () => {
    const loaded = fleetWith(2);
    const names = loaded.stamps.filter((s) => s.stamp.spec.wave === 0).map((s) => s.stamp.metadata.name);
    const at = '2026-11-28T11:40:00Z';
    const state = stateWith(Object.fromEntries(names.map((n) => [n, '2026-11-28T11:30:00Z'])), {
      halted: { reason: 'canary not ready', at },
      history: [{ at, event: 'halted', wave: 0, message: 'canary not ready' }],
    });
    const status = statusOf(loaded, state, NO_HEALTH)!;
    expect(status.waves.map((w) => w.state)).toEqual(['halted', 'waiting', 'waiting']);
    expect(status.waves[0]!.reason).toBe('canary not ready');
  });

  it('shows every wave promoted once the rollout is complete', () => {
    const state = stateWith({}, { phase: 'complete', completedAt: '2026-11-28T11:00:00Z' });
    expect(statusOf(fleetWith(6), state, NO_HEALTH)!.waves.map((w) => w.state)).toEqual(['promoted', 'promoted', 'promoted']);
  });
});

describe('observationsFrom', () => {
  it('calls a stamp healthy only when it is ready AND runs its declared version, as promote does', () => {
    const loaded = fleetWith(0);
    const [a, b, c, d] = loaded.stamps.map((s) => s.stamp.metadata.name).sort();
    const health: HealthReport = {
      source: 'x',
      stamps: {
        [b!]: { ready: false, version: '1.4.0', detail: 'CrashLoopBackOff' },
        [a!]: { ready: true, version: '1.4.0' },
        [d!]: { ready: true, version: '1.3.0' },
      },
      unknown: { [c!]: 'timeout' },
    };
    const decision = decideRollout({ fleet: fleetView(loaded), state: undefined, health, now: NOW });
    expect(observationsFrom(decision, health)).toEqual([
      { stamp: a, health: 'healthy', observedVersion: '1.4.0' },
      { stamp: b, health: 'unhealthy', observedVersion: '1.4.0', message: 'CrashLoopBackOff' },
      { stamp: c, health: 'unknown', message: 'timeout' },
      { stamp: d, health: 'degraded', observedVersion: '1.3.0' },
    ]);
  });
});
