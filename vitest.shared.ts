// Settings every project's vitest config starts from.
import type { ViteUserConfig } from 'vitest/config';

export const sharedTestConfig: ViteUserConfig['test'] = {
  environment: 'node',
  include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks',
};
