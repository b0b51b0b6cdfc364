import { afterEach, describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { runCli } from '../testing/run.ts';

describe('stampyard stamp new', () => {
  let repo: TempRepo | undefined;
  afterEach(async () => repo?.cleanup());

  it('adds one stamp file that validates', async () => {
    repo = await copyExampleFleet();
    const run = await runCli(['stamp', 'new', '--region', 'westus2', '--size', 'large', '--root', repo.root]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('created stamps/stamp-us-4.yaml (westus2, 10.0.0.0/16, version 1.4.0, wave 2)');
    const text = await readFile(join(repo.root, 'stamps/stamp-us-4.yaml'), 'utf8');
    expect(text).toContain('size: large');
    expect((await runCli(['validate', '--root', repo.root])).exitCode).toBe(0);
  });

  it('writes nothing on bad input', async () => {
    repo = await copyExampleFleet();
    const before = await readdir(join(repo.root, 'stamps'));
    const run = await runCli(['stamp', 'new', '--region', 'mars', '--root', repo.root]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("--region: 'mars' is not in the region catalog; use one of eastus, northeurope, westeurope, westus2");
    expect(await readdir(join(repo.root, 'stamps'))).toEqual(before);
  });

  it('--dry-run prints the file and writes nothing', async () => {
    repo = await copyExampleFleet();
    const before = await readdir(join(repo.root, 'stamps'));
    const run = await runCli([
      'stamp',
      'new',
      '--region',
      'eastus',
      '--name',
      'stamp-us-edge',
      '--wave',
      '1',
      '--dry-run',
      '--root',
      repo.root,
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('name: stamp-us-edge');
    expect(run.stdout).toContain('wave: 1');
    expect(await readdir(join(repo.root, 'stamps'))).toEqual(before);
  });
});
