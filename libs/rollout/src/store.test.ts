import { afterEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '@stampyard/stamp-spec';
import { makeTempFleetRepo, aFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { newRolloutState, serializeRolloutState } from './state.ts';
import { planRolloutWrite, readRolloutFile, readRolloutState, revisionOf } from './store.ts';

let repo: TempRepo | undefined;
afterEach(async () => repo?.cleanup());

describe('rollout.yaml store', () => {
  it('reads nothing when there is no file, and a ValidationError with file:line for a bad one', async () => {
    const { fleet, stamps } = aFleet(1);
    repo = await makeTempFleetRepo({ fleet, stamps });
    expect(await readRolloutState(repo.root)).toBeUndefined();
    expect(revisionOf(undefined)).toBe(-1);
    await writeFile(join(repo.root, 'rollout.yaml'), 'apiVersion: stampyard.dev/v1alpha1\nkind: Rollout\nrevision: -1\n');
    await expect(readRolloutState(repo.root)).rejects.toThrow(ValidationError);
    await expect(readRolloutState(repo.root)).rejects.toThrow(/rollout\.yaml:3:\d+ revision/);
  });

  it('plans a step that guards every file it read, writes rollout.yaml, and re-renders only when a stamp changes', async () => {
    const stampFiles = [{ path: 'stamps/stamp-eu-1.yaml', text: 'spec:\n  version: 1.4.0 # kept\n' }];
    const state = { ...newRolloutState('1.5.0', new Date('2026-11-02T09:00:00Z')), revision: 1 };
    const first = planRolloutWrite({ command: 'c', stampFiles, rolloutFile: undefined, state, changes: [] });
    expect(first).toMatchObject({ absentWhenRead: ['rollout.yaml'], render: false, readFrom: stampFiles });
    expect(first.changes).toEqual([{ path: 'rollout.yaml', content: serializeRolloutState(state) }]);
    const rolloutFile = { path: 'rollout.yaml', text: serializeRolloutState(state) };
    const step = planRolloutWrite({
      command: 'c',
      stampFiles,
      rolloutFile,
      state: { ...state, revision: 2 },
      changes: [{ stamp: 'stamp-eu-1', from: '1.4.0', to: '1.5.0' }],
    });
    expect(step.render).toBe(true);
    expect(step.absentWhenRead).toEqual([]);
    expect(step.readFrom).toEqual([...stampFiles, rolloutFile]);
    expect(step.changes[0]).toEqual({ path: 'stamps/stamp-eu-1.yaml', content: 'spec:\n  version: 1.5.0 # kept\n' });
  });

  it('reads the file and its text together', async () => {
    const { fleet, stamps } = aFleet(1);
    repo = await makeTempFleetRepo({ fleet, stamps });
    const state = { ...newRolloutState('1.5.0', new Date('2026-11-02T09:00:00Z')), revision: 4 };
    await writeFile(join(repo.root, 'rollout.yaml'), serializeRolloutState(state));
    expect(await readRolloutFile(repo.root)).toEqual({ path: 'rollout.yaml', text: serializeRolloutState(state) });
    expect(revisionOf(await readRolloutState(repo.root))).toBe(4);
  });
});
