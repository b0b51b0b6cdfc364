// The rollout tests as Stryker runs them: the same files, with fast-check properties at fewer runs per
// mutant (a mutant that survives 25 random fleets but not 300 is rare; the full count runs in npm test).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { projectTestConfig } from '../../../vitest.preset.ts';

export const config = defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: { ...projectTestConfig, include: ['src/**/*.test.ts'], exclude: ['src/health/**'], setupFiles: ['mutation/fast-check.setup.ts'] },
});
// vitest loads the default export of its config file.
// eslint-disable-next-line no-restricted-syntax
export default config;
