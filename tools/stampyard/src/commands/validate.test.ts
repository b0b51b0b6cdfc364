import { afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { runCli } from '../testing/run.ts';

describe('stampyard validate', () => {
  let repo: TempRepo | undefined;
  afterEach(async () => repo?.cleanup());

  it('accepts the example fleet', async () => {
    repo = await copyExampleFleet();
    const run = await runCli(['validate', '--root', repo.root]);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^ok: fleet contoso, 8 stamps, \d+ tenants\n$/);
  });

  it('reports every problem as file:line:column field: message, with exit 1', async () => {
    repo = await copyExampleFleet();
    const path = join(repo.root, 'stamps/stamp-eu-2.yaml');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('region: westeurope', 'region: mars').replace('cidr: 10.3.0.0/16', 'cidr: 10.1.0.0/16'));
    const run = await runCli(['validate', '--root', repo.root]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("stamps/stamp-eu-2.yaml:7:11 spec.region: 'mars' is not in the region catalog");
    expect(run.stderr).toContain('stamps/stamp-eu-2.yaml:13:11 spec.network.cidr: 10.1.0.0/16 overlaps stamp-eu-1 (10.1.0.0/16); pick a free range');
    expect(run.stderr).toContain('2 problems found.');
  });

  it('prints JSON when asked', async () => {
    repo = await copyExampleFleet();
    await writeFile(join(repo.root, 'stamps/stamp-bad.yaml'), 'apiVersion: stampyard.dev/v1alpha1\nkind: Stamp\nmetadata:\n  name: stamp-bad\n');
    const run = await runCli(['validate', '--root', repo.root, '--output', 'json']);
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.issues[0]).toMatchObject({ file: 'stamps/stamp-bad.yaml', field: 'spec', line: 1 });
  });

  it('fails clearly when the root holds no fleet', async () => {
    const run = await runCli(['validate', '--root', '/nonexistent-stampyard-root']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('fleet.yaml:1:1 (file): not found in /nonexistent-stampyard-root');
  });
});

describe('the CLI', () => {
  it.each([
    [['--help'], 0],
    [['validate', '--help'], 0],
    [['stamp', 'new', '--help'], 0],
    [['no-such-command'], 2],
    [['validate', '--no-such-flag'], 2],
    [['validate', '--output', 'yaml'], 2],
    [['stamp', 'new'], 2],
    [[], 2],
    [['stamp'], 2],
    [['rollout'], 2],
  ])('%j exits %i', async (argv, code) => {
    const run = await runCli(argv);
    expect(run.exitCode).toBe(code);
  });

  it('documents exit codes and --root in every command help', async () => {
    for (const argv of [['validate', '--help'], ['stamp', 'new', '--help']]) {
      const run = await runCli(argv);
      expect(run.stdout).toContain('--root <dir>');
      expect(run.stdout).toContain('Exit codes:');
    }
  });
});

describe('stampyard validate with rollout.yaml', () => {
  let repo: TempRepo | undefined;
  afterEach(async () => repo?.cleanup());

  it('reports a broken rollout.yaml with file:line:column', async () => {
    repo = await copyExampleFleet();
    expect((await runCli(['rollout', 'start', '1.5.0', '--root', repo.root, '--now', '2026-11-02T09:00:00Z'])).exitCode).toBe(0);
    expect((await runCli(['validate', '--root', repo.root])).exitCode).toBe(0);
    const path = join(repo.root, 'rollout.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('phase: progressing', 'phase: paused'));
    const run = await runCli(['validate', '--root', repo.root]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/rollout\.yaml:\d+:8 phase: .*received "paused"/);
  });
});
