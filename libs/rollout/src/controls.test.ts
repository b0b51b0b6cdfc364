import { describe, expect, it } from 'vitest';
import { planAbort, planApprove, planExclude, planInclude } from './controls.ts';
import { combineHealth } from './health/combine.ts';
import { planRolloutHistory, renderRolloutHistory } from './history.ts';
import { newRolloutState, serializeRolloutState, type RolloutState } from './state.ts';
import { aRolloutFleet } from './testing/index.ts';

const T0 = new Date('2026-11-02T00:00:00Z');
const fleet = aRolloutFleet(6, { waves: 3, policy: { approval: { waves: [2] } } });
const [w0a, , w1a] = fleet.stamps.map((s) => s.metadata.name) as [string, string, string];
const started: RolloutState = { ...newRolloutState('1.5.0', T0), revision: 1 };
const complete: RolloutState = { ...started, phase: 'complete', completedAt: T0.toISOString() };

describe('control refusals name what is wrong and the fix', () => {
  const cases: { name: string; run: () => ReturnType<typeof planApprove>; expectedError: RegExp }[] = [
    {
      name: 'approve without a rollout',
      run: () => planApprove(fleet, undefined, { wave: 2, by: 'a' }, T0),
      expectedError: /no rollout in progress; nothing to approve/,
    },
    {
      name: 'approve after completion',
      run: () => planApprove(fleet, complete, { wave: 2, by: 'a' }, T0),
      expectedError: /no rollout in progress/,
    },
    {
      name: 'approve a wave that needs none',
      run: () => planApprove(fleet, started, { wave: 1, by: 'a' }, T0),
      expectedError: /wave 1 needs no approval: fleet.yaml rollout.approval.waves lists 2/,
    },
    {
      name: 'approve a wave without stamps',
      run: () => planApprove(fleet, started, { wave: 9, by: 'a' }, T0),
      expectedError: /wave 9 has no stamps; the fleet's waves are 0, 1, 2/,
    },
    {
      name: 'approve without a name',
      run: () => planApprove(fleet, started, { wave: 2, by: ' ' }, T0),
      expectedError: /--by: name who approves/,
    },
    { name: 'exclude an unknown stamp', run: () => planExclude(fleet, started, 'nope', 'r', T0), expectedError: /no stamp named 'nope'/ },
    { name: 'exclude without a reason', run: () => planExclude(fleet, started, w0a, ' ', T0), expectedError: /--reason: say why/ },
    {
      name: 'exclude a stamp named constructor',
      run: () => planExclude(fleet, started, 'constructor', 'r', T0),
      expectedError: /no stamp named 'constructor'/,
    },
    {
      name: 'include a stamp that is not excluded',
      run: () => planInclude(fleet, started, w0a, T0),
      expectedError: /is not excluded from the rollout of 1\.5\.0; no stamp is/,
    },
    { name: 'abort without a rollout', run: () => planAbort(fleet, undefined, {}, T0), expectedError: /nothing to abort/ },
    {
      name: 'abort a complete rollout',
      run: () => planAbort(fleet, complete, {}, T0),
      expectedError: /already complete; nothing to abort/,
    },
  ];
  it.each(cases)('$name', ({ run, expectedError }) => {
    const result = run();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toMatch(expectedError);
  });

  it('refuses a second approval of a wave, naming who gave the first', () => {
    const first = planApprove(fleet, started, { wave: 2, by: 'alice', reason: 'CAB-1' }, T0);
    expect(first.ok).toBe(true);
    const second = planApprove(fleet, first.ok ? first.state : started, { wave: 2, by: 'bob' }, T0);
    expect(!second.ok && second.problems[0]).toMatch(/already approved by alice at 2026-11-02T00:00:00\.000Z/);
  });

  it('records exclusions through serialization, sorted, and takes them back', () => {
    const a = planExclude(fleet, started, w1a, 'maintenance', T0);
    const b = a.ok ? planExclude(fleet, a.state, w0a, 'flaky cluster', T0) : a;
    expect(b.ok).toBe(true);
    const state = b.ok ? b.state : started;
    const text = serializeRolloutState(state);
    expect(text.indexOf(`  ${w0a}:`)).toBeLessThan(text.indexOf(`  ${w1a}:`));
    expect(text).toMatch(/excluded:\n {2}stamp-eu-1:\n {4}reason: flaky cluster/);
    const back = planInclude(fleet, state, w1a, T0);
    expect(back.ok && Object.keys(back.state.excluded)).toEqual([w0a]);
    expect(back.ok && back.state.history.at(-1)).toMatchObject({ event: 'included', stamps: [w1a] });
  });
});

describe('combineHealth', () => {
  const flux = {
    source: 'flux',
    stamps: {
      a: { ready: true, version: '1.5.0' },
      b: { ready: true, version: '1.5.0' },
      c: { ready: false, version: '1.5.0' },
      d: { ready: true, version: '1.5.0' },
    },
  };
  const prometheus = {
    source: 'prometheus',
    stamps: {
      a: { ready: true, detail: 'analysis e on a: 0 is within max 0.1' },
      c: { ready: false, failure: 'analysis e on c: 1 is above the max 0.1' },
      d: { ready: true },
    },
    unknown: { b: 'analysis e on b: no data' },
  };
  it('requires every source: version from the one that knows it, unknown from any, failure from any', () => {
    const combined = combineHealth([prometheus, flux]);
    expect(combined.source).toBe('prometheus,flux');
    expect(combined.stamps['a']).toEqual({ ready: true, version: '1.5.0', detail: 'prometheus: analysis e on a: 0 is within max 0.1' });
    expect(combined.unknown?.['b']).toBe('prometheus: analysis e on b: no data');
    expect(combined.stamps['c']).toMatchObject({ ready: false, failure: 'prometheus: analysis e on c: 1 is above the max 0.1' });
    expect(combined.stamps['d']).toEqual({ ready: true, version: '1.5.0' });
  });
  it('a failure outranks another source not knowing the stamp; disagreeing versions are mixed', () => {
    const combined = combineHealth([
      { source: 'x', stamps: { a: { ready: false, failure: 'crash' }, b: { ready: true } } },
      { source: 'y', stamps: { b: { ready: true, version: '1.4.0' } }, unknown: { a: 'timeout' } },
      { source: 'z', stamps: { b: { ready: true, version: '1.5.0' } } },
    ]);
    expect(combined.stamps['a']).toMatchObject({ failure: 'x: crash' });
    expect(combined.stamps['b']).toMatchObject({ version: 'mixed(1.4.0,1.5.0)' });
    // A stamp one source does not list is unknown, naming that source.
    expect(
      combineHealth([
        { source: 'x', stamps: {} },
        { source: 'y', stamps: { c: { ready: true, version: '1.5.0' } } },
      ]).unknown?.['c'],
    ).toBe('x: not in x');
  });
});

describe('planRolloutHistory', () => {
  it('groups rollout.yaml versions by rollout and keeps every halt, even ones later versions dropped', () => {
    const first = serializeRolloutState({
      ...started,
      history: [{ at: '2026-11-02T01:00:00.000Z', event: 'halted', message: 'stamp-eu-1 failed' }],
    });
    const second = serializeRolloutState({
      ...started,
      phase: 'aborted',
      history: [{ at: '2026-11-02T02:00:00.000Z', event: 'aborted', message: 'aborted' }],
    });
    const next = serializeRolloutState({ ...newRolloutState('1.6.0', new Date('2026-11-03T00:00:00Z')), revision: 3 });
    const history = planRolloutHistory([
      { sha: 'a1', at: '2026-11-02T00:00:00Z', text: first },
      { sha: 'a2', at: '2026-11-02T02:00:00Z', text: second },
      { sha: 'a3', at: '2026-11-02T03:00:00Z', text: 'apiVersion: nope' },
      { sha: 'a4', at: '2026-11-03T00:00:00Z', text: next },
    ]);
    expect(history.rollouts.map((r) => [r.version, r.outcome, r.finishedAt, r.halts.length, r.commits.first, r.commits.last])).toEqual([
      ['1.6.0', 'progressing', null, 0, 'a4', 'a4'],
      ['1.5.0', 'aborted', '2026-11-02T02:00:00.000Z', 1, 'a1', 'a2'],
    ]);
    expect(history.unreadable.map((u) => u.commit)).toEqual(['a3']);
    expect(renderRolloutHistory(history, 'text')).toMatch(/^1\.6\.0 {2}progressing {2}started 2026-11-03T00:00:00\.000Z\n/);
    expect(renderRolloutHistory({ rollouts: [], unreadable: [] }, 'text')).toBe('no rollouts in the git history of rollout.yaml\n');
  });
});
