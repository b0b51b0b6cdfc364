// Unit tests only, for Stryker (`npm run mutation:gateway`): the end-to-end suites start real
// processes through the bin, which would run the unmutated source and only slow every mutant.
// Self-contained (no import of the workspace preset): Stryker runs it from a sandbox copy of this folder.
import { defineConfig } from 'vitest/config';

export const config = defineConfig({ test: { environment: 'node', include: ['src/**/*.test.ts'], testTimeout: 30_000, pool: 'forks' } });
// vitest loads the default export of its config file.
// eslint-disable-next-line no-restricted-syntax
export default config;
