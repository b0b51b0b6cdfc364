// The test settings every project shares; each project's vitest.config.ts uses them.
import type { ViteUserConfig } from 'vitest/config';

export const projectTestConfig: NonNullable<ViteUserConfig['test']> = {
  environment: 'node',
  include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks',
  passWithNoTests: false,
};
