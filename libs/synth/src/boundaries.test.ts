import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';

const RULE = '@nx/enforce-module-boundaries';

describe('Nx module boundaries', () => {
  it('forbid synth importing report, the CLI or an app, and allow stamp-spec', async () => {
    // Linted as text at paths inside libs/synth/src: nothing is written to the repository.
    const dir = join(EXAMPLE_FLEET_ROOT, 'libs/synth/src');
    const sources = {
      report: "export { renderReport } from '@stampyard/report';\n",
      cli: "export { main } from '@stampyard/cli';\n",
      app: "export { main } from '@stampyard/stamp-app';\n",
      spec: "export { loadFleet } from '@stampyard/stamp-spec';\n",
    };
    const eslint = new ESLint({ cwd: EXAMPLE_FLEET_ROOT });
    const boundaryMessages = async (name: keyof typeof sources) => {
      const [result] = await eslint.lintText(sources[name], { filePath: join(dir, `boundary-${name}.ts`) });
      return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
    };
    expect((await boundaryMessages('report')).join('\n')).toMatch(/scope:synth.*scope:spec.*scope:template.*scope:routing/s);
    // The CLI depends on synth, so Nx reports the cycle before it gets to the tags.
    expect((await boundaryMessages('cli')).join('\n')).toMatch(/Circular dependency between "synth" and "cli"/);
    // And no lib may import an app.
    expect((await boundaryMessages('app')).join('\n')).toMatch(/Imports of apps are forbidden/);
    expect(await boundaryMessages('spec')).toEqual([]);
  }, 120_000);
});
