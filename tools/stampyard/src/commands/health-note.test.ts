// A health source that fails says why, in every format (#13).
import { afterEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyExampleFleet, type TempRepo } from '@stampyard/stamp-spec/testing';
import { runCli } from '../testing/run.ts';

describe('a health source that tells nothing', () => {
  let repo: TempRepo | undefined;
  let bin: string | undefined;
  const path = process.env['PATH'];
  afterEach(async () => {
    process.env['PATH'] = path;
    await repo?.cleanup();
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  it.each([
    ['text', 'note: health source flux answered for no stamp: kubectl failed: error: context "<stamp>" does not exist'],
    ['markdown', '> [!NOTE]\n> health source flux answered for no stamp: kubectl failed: error: context "&lt;stamp&gt;" does not exist'],
  ])('rollout status --output %s says why once', async (output, expected) => {
    repo = await copyExampleFleet();
    // A real kubectl process that knows no context, as on a runner without kubeconfig.
    bin = await mkdtemp(join(tmpdir(), 'stampyard-kubectl-'));
    const kubectl = join(bin, 'kubectl');
    await writeFile(
      kubectl,
      '#!/bin/sh\nfor a in "$@"; do case "$prev" in --context) ctx="$a";; esac; prev="$a"; done\necho "error: context \\"$ctx\\" does not exist" >&2\nexit 1\n',
    );
    await chmod(kubectl, 0o755);
    process.env['PATH'] = `${bin}:${path}`;
    const run = await runCli([
      'rollout',
      'status',
      '--root',
      repo.root,
      '--health',
      'flux',
      '--output',
      output,
      '--now',
      '2026-11-28T12:00:00Z',
    ]);
    expect(run.stdout).toContain(expected);
    expect(run.stdout.split('answered for no stamp')).toHaveLength(2);
  });

  it('a health file naming a stamp the fleet lacks is an error, at its line', async () => {
    repo = await copyExampleFleet();
    const file = join(repo.root, 'health.json');
    await writeFile(file, '{\n  "stamps": {\n    "stamp-eu-l": { "ready": true, "version": "1.4.0" }\n  }\n}\n');
    const run = await runCli(['rollout', 'status', '--root', repo.root, '--health', file, '--output', 'json']);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      problems: [
        { line: 3, column: 5, field: 'stamps.stamp-eu-l', fix: "did you mean 'stamp-eu-1'? use a name from stamps/, or remove the entry" },
      ],
    });
  });
});
