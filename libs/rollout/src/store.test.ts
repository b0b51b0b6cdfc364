import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, ValidationError, writeFileAtomic } from '@stampyard/stamp-spec';
import { makeTempFleetRepo, type TempRepo } from '@stampyard/stamp-spec/testing';
import { readRolloutState, revisionOf, writeIfUnchanged } from './store.ts';
import { newRolloutState, serializeRolloutState } from './state.ts';

let repo: TempRepo | undefined;
afterEach(async () => repo?.cleanup());

const at = new Date('2026-11-02T09:00:00Z');

describe('rollout.yaml store', () => {
  it('reads nothing when there is no file, and a ValidationError with file:line for a bad one', async () => {
    repo = await makeTempFleetRepo();
    expect(await readRolloutState(repo.root)).toBeUndefined();
    await writeFile(join(repo.root, 'rollout.yaml'), 'apiVersion: stampyard.dev/v1alpha1\nkind: Rollout\nrevision: x\n');
    await expect(readRolloutState(repo.root)).rejects.toThrow(ValidationError);
    await expect(readRolloutState(repo.root)).rejects.toThrow(/rollout\.yaml:3:11 revision/);
  });

  it('writes when the revision is unchanged, and refuses with ConflictError when it changed in between', async () => {
    repo = await makeTempFleetRepo();
    const root = repo.root;
    const state = { ...newRolloutState('1.5.0', at), revision: 1 };
    await writeFileAtomic(join(root, 'rollout.yaml'), serializeRolloutState(state));
    const read = await readRolloutState(root);
    expect(revisionOf(read)).toBe(1);

    // Another run writes revision 2 between our read and our write.
    await writeIfUnchanged(root, 1, () => writeFileAtomic(join(root, 'rollout.yaml'), serializeRolloutState({ ...state, revision: 2 })));
    let wrote = false;
    const late = writeIfUnchanged(root, 1, async () => {
      wrote = true;
    });
    await expect(late).rejects.toThrow(ConflictError);
    await expect(late).rejects.toThrow(/changed since it was read \(revision 1, now 2\); nothing was written/);
    expect(wrote).toBe(false);
    expect(existsSync(join(root, 'rollout.yaml.lock'))).toBe(false);
  });

  it('refuses a write while another run holds the lock', async () => {
    repo = await makeTempFleetRepo();
    const root = repo.root;
    let inner: Promise<unknown> | undefined;
    await writeIfUnchanged(root, -1, async () => {
      inner = writeIfUnchanged(root, -1, async () => undefined);
      await expect(inner).rejects.toThrow(/being written by another stampyard run/);
    });
    expect(inner).toBeDefined();
    expect(await readFile(join(root, 'rollout.yaml'), 'utf8').catch(() => 'absent')).toBe('absent');
  });
});
