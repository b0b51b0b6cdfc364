import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../../vitest.shared.ts';

export const config = defineConfig({ test: { ...sharedTestConfig } });
// vitest loads the default export of its config file.
// eslint-disable-next-line no-restricted-syntax
export default config;
