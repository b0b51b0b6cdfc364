import { defineConfig } from 'vitest/config';
import { projectTestConfig } from '../../vitest.preset.ts';

export const config = defineConfig({ test: projectTestConfig });
// vitest loads the default export of its config file.
// eslint-disable-next-line no-restricted-syntax
export default config;
