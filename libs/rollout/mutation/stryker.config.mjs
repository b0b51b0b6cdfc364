// Mutation testing of the rollout decision code: `npm run mutation:rollout` (not part of `npm test`).
// Each surviving mutant is a change to the decision that no test notices; the goal is >= 85%.
// Run from the workspace root (the sandbox needs vitest.preset.ts and the other libraries).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  plugins: ['@stryker-mutator/vitest-runner'],
  testRunner: 'vitest',
  vitest: { configFile: 'libs/rollout/mutation/vitest.config.ts', dir: 'libs/rollout', related: false },
  mutate: ['libs/rollout/src/{decision,promote,plan,drift,lifecycle,landing,phase}.ts'],
  ignorePatterns: [
    '/apps',
    '/tools',
    '/rendered',
    '/docs',
    '/dist',
    '/tmp',
    '/coverage',
    '/schemas',
    '/stamps',
    '/tenants',
    '/libs/stamp-template',
    '/libs/synth',
    '/libs/routing',
    '/libs/report',
  ],
  coverageAnalysis: 'perTest',
  // Two test processes: the machine has two cores (shared, so a run takes a while).
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'dist/mutation/rollout.json' },
  tempDirName: 'tmp/stryker-rollout',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: null },
};
