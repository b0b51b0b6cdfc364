import { afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { runCli } from '../testing/run.ts';

let repo: TempRepo | undefined;
afterEach(async () => repo?.cleanup());

async function edit(root: string, file: string, from: string, to: string) {
  const path = join(root, file);
  await writeFile(path, (await readFile(path, 'utf8')).replace(from, to));
}

describe('stampyard drift', () => {
  it('finds no drift in the freshly rendered example fleet', async () => {
    repo = await copyExampleFleet();
    await runCli(['synth', '--root', repo.root]);
    const run = await runCli(['drift', '--root', repo.root, '--output', 'json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, findings: [] });
  });

  it('turns a version missing from the catalog into a finding, and says why rendered output was not checked', async () => {
    repo = await copyExampleFleet();
    await edit(repo.root, 'stamps/stamp-us-3.yaml', 'version: 1.4.0', 'version: 1.6.0');
    const run = await runCli(['drift', '--root', repo.root, '--output', 'json']);
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      findings: { stamp: string | null; kind: string; severity: string; message: string }[];
    };
    expect(report.ok).toBe(false);
    expect(report.findings).toContainEqual(expect.objectContaining({ stamp: 'stamp-us-3', kind: 'unknown-version', severity: 'error' }));
    expect(report.findings).toContainEqual(expect.objectContaining({ stamp: null, kind: 'rendered-unchecked', severity: 'warning' }));
    for (const f of report.findings) expect(Object.keys(f).sort()).toEqual(['kind', 'message', 'severity', 'stamp']);
  });

  it('flags rendered manifests out of step with the stamp files, and observed versions that differ (Markdown)', async () => {
    repo = await copyExampleFleet();
    const root = repo.root;
    await runCli(['synth', '--root', root]);
    await edit(root, 'stamps/stamp-eu-1.yaml', 'version: 1.4.0', 'version: 1.5.0');
    await writeFile(join(root, 'health.json'), JSON.stringify({ stamps: { 'stamp-eu-2': { ready: true, version: '1.3.0' } } }));
    const run = await runCli(['drift', '--root', root, '--health', join(root, 'health.json'), '--output', 'markdown']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^### ❌ Version drift: 3 error\(s\), 0 warning\(s\)\n/);
    expect(run.stdout).toContain('| ❌ error | `stamp-eu-1` | unplanned-version | declares 1.5.0, but no rollout put it there');
    expect(run.stdout).toMatch(/\| ❌ error \| `stamp-eu-1` \| rendered-out-of-date \| \d+ rendered file\(s\) out of step/);
    expect(run.stdout).toContain(
      '| ❌ error | `stamp-eu-2` | not-applied | the cluster runs 1.3.0 but stamps/stamp-eu-2.yaml declares 1.4.0',
    );
  });

  it('flags a stalled rollout and a stamp that jumped ahead of it, skipping the re-render with --skip-rendered', async () => {
    repo = await copyExampleFleet();
    const root = repo.root;
    await runCli(['rollout', 'start', '1.5.0', '--root', root, '--now', '2026-11-02T09:00:00Z']);
    await edit(root, 'stamps/stamp-eu-2.yaml', 'version: 1.4.0', 'version: 1.5.0');
    const run = await runCli(['drift', '--root', root, '--skip-rendered', '--now', '2026-11-04T09:00:00Z']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('warning: (fleet): stalled: the rollout of 1.5.0 has made no progress for 2880 minutes (policy: 1440)');
    expect(run.stdout).toMatch(
      /error: stamp-eu-2: unplanned-version: declares 1\.5\.0, but no rollout put it there \(the rollout of 1\.5\.0 has not reached wave 1 yet\)/,
    );
    expect(run.stdout).not.toContain('straggler');
    expect(run.stdout).not.toContain('rendered');
  });
});
