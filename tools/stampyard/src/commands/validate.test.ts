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
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^ok: fleet contoso, 8 stamps, \d+ tenants \(3 warnings\)\n$/);
    // The public images stay tag-only; our own releases and the gateway are pinned.
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^warning: fleet.yaml:\d+:\d+ spec.components.postgres: docker.io\/library\/postgres:16.4-alpine is pinned by tag only/,
      ),
      expect.stringMatching(
        /^warning: fleet.yaml:\d+:\d+ spec.components.redis: docker.io\/library\/redis:7.4-alpine is pinned by tag only/,
      ),
      expect.stringMatching(
        /^warning: fleet.yaml:\d+:\d+ spec.components.otelCollector: otel\/opentelemetry-collector-contrib:0.111.0 is pinned by tag only.*; add digest: sha256:… as the registry reports it/,
      ),
    ]);
  });

  it('turns the warnings into errors when the fleet requires digests', async () => {
    repo = await copyExampleFleet();
    const path = join(repo.root, 'fleet.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('  source:\n', '  requireImageDigests: true\n  source:\n'));
    const run = await runCli(['validate', '--root', repo.root]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(
      'spec.components.redis: docker.io/library/redis:7.4-alpine is pinned by tag only, and a tag can be moved to other content, and fleet.yaml sets requireImageDigests: true',
    );
    expect(run.stderr).toContain('3 problems found.');
  });

  it('reports every problem as file:line:column field: message, with exit 1', async () => {
    repo = await copyExampleFleet();
    const path = join(repo.root, 'stamps/stamp-eu-2.yaml');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('region: westeurope', 'region: mars').replace('cidr: 10.3.0.0/16', 'cidr: 10.1.0.0/16'));
    const run = await runCli(['validate', '--root', repo.root]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("stamps/stamp-eu-2.yaml:7:11 spec.region: 'mars' is not in the region catalog");
    expect(run.stderr).toContain(
      'stamps/stamp-eu-2.yaml:13:11 spec.network.cidr: 10.1.0.0/16 overlaps stamp-eu-1 (10.1.0.0/16); pick a free range',
    );
    expect(run.stderr).toContain('2 problems found.');
  });

  it('prints JSON when asked', async () => {
    repo = await copyExampleFleet();
    await writeFile(
      join(repo.root, 'stamps/stamp-bad.yaml'),
      'apiVersion: stampyard.dev/v1alpha1\nkind: Stamp\nmetadata:\n  name: stamp-bad\n',
    );
    const run = await runCli(['validate', '--root', repo.root, '--output', 'json']);
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toEqual({
      file: 'stamps/stamp-bad.yaml',
      line: 1,
      column: 1,
      field: 'spec',
      message: 'is required but missing',
      fix: 'add it',
    });
    expect(report.warnings).toEqual([]);
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
    [['--version'], 0],
    [['--output', 'json', 'stamp', 'new', '--region', 'westeurope'], 2],
    [['--output', 'markdown', 'tenants', 'place'], 2],
  ])('%j exits %i', async (argv, code) => {
    const run = await runCli(argv);
    expect(run.exitCode).toBe(code);
  });

  it('prints its version', async () => {
    const run = await runCli(['--version']);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('takes --root and --output before the command too', async () => {
    const repo = await copyExampleFleet();
    try {
      const run = await runCli(['--root', repo.root, '--output', 'json', 'validate']);
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, problems: [] });
      // The option after the command wins.
      const after = await runCli(['--root', '/nonexistent-stampyard-root', 'validate', '--root', repo.root]);
      expect(after.exitCode).toBe(0);
    } finally {
      await repo.cleanup();
    }
  });

  it('documents exit codes and --root in every command help', async () => {
    for (const argv of [
      ['validate', '--help'],
      ['stamp', 'new', '--help'],
    ]) {
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
