import { describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ESLint } from 'eslint';
import { EXAMPLE_FLEET_ROOT } from '@stampyard/stamp-spec/testing';

const RULE = '@nx/enforce-module-boundaries';

describe('Nx module boundaries', () => {
  it('forbid synth importing report, the CLI or an app, and allow stamp-spec', async () => {
    const dir = join(EXAMPLE_FLEET_ROOT, 'libs/synth/src');
    const tag = randomBytes(4).toString('hex');
    const files = {
      report: join(dir, `boundary-report-${tag}.ts`),
      cli: join(dir, `boundary-cli-${tag}.ts`),
      app: join(dir, `boundary-app-${tag}.ts`),
      spec: join(dir, `boundary-spec-${tag}.ts`),
    };
    try {
      await writeFile(files.report, "export { renderReport } from '@stampyard/report';\n");
      await writeFile(files.cli, "export { main } from '@stampyard/cli';\n");
      await writeFile(files.app, "export { main } from '@stampyard/stamp-app';\n");
      await writeFile(files.spec, "export { loadFleet } from '@stampyard/stamp-spec';\n");
      const eslint = new ESLint({ cwd: EXAMPLE_FLEET_ROOT });
      const results = await eslint.lintFiles(Object.values(files));
      const boundaryMessages = (file: string) =>
        results.find((r) => r.filePath === file)!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
      expect(boundaryMessages(files.report).join('\n')).toMatch(/scope:synth.*scope:spec.*scope:template.*scope:routing/s);
      // The CLI depends on synth, so Nx reports the cycle before it gets to the tags.
      expect(boundaryMessages(files.cli).join('\n')).toMatch(/Circular dependency between "synth" and "cli"/);
      // And no lib may import an app.
      expect(boundaryMessages(files.app).join('\n')).toMatch(/Imports of apps are forbidden/);
      expect(boundaryMessages(files.spec)).toEqual([]);
    } finally {
      await Promise.all(Object.values(files).map((f) => rm(f, { force: true })));
    }
  }, 120_000);
});
