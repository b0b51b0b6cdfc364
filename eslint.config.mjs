// Lint rules for every project. The house conventions these rules enforce are
// written down in docs/CONVENTIONS.md; the module-boundary rule enforces the
// architecture in ARCHITECTURE.md: data flows one way, and no library can
// reach into an app or the CLI.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', 'rendered/**', '**/__snapshots__/**', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    // Type-aware rules that catch real bugs, not style: a promise nobody awaits
    // (its rejection is lost and the process may exit first), a promise where a
    // boolean or a void callback is expected, awaiting a non-promise, throwing
    // something that is not an Error. See docs/CONVENTIONS.md, "Async code".
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // The default project covers files in no tsconfig: the root preset, and the
        // in-memory files libs/synth/src/boundaries.test.ts lints to prove the boundaries.
        projectService: {
          allowDefaultProject: ['vitest.preset.ts', 'libs/*/src/boundary-*.ts', 'libs/*/mutation/*.ts', 'apps/*/vitest.mutation.config.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports only (CONVENTIONS.md).' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          // Our dynamic imports defer loading cdk8s until a command needs it; they
          // are not bundle splits, so a static import elsewhere is fine.
          checkDynamicDependenciesExceptions: ['@stampyard/*'],
          depConstraints: [
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:spec', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:template', onlyDependOnLibsWithTags: ['scope:spec'] },
            { sourceTag: 'scope:routing', onlyDependOnLibsWithTags: ['scope:spec'] },
            { sourceTag: 'scope:rollout', onlyDependOnLibsWithTags: ['scope:spec'] },
            { sourceTag: 'scope:synth', onlyDependOnLibsWithTags: ['scope:spec', 'scope:template', 'scope:routing'] },
            { sourceTag: 'scope:analytics', onlyDependOnLibsWithTags: ['scope:spec'] },
            { sourceTag: 'scope:report', onlyDependOnLibsWithTags: ['scope:spec', 'scope:rollout', 'scope:routing'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:routing'] },
            { sourceTag: 'scope:stamp-app', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    // Test configs share the root preset, which lives outside every project.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/index.ts'],
    rules: {
      // index.ts only re-exports.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Program > :not(ExportNamedDeclaration[source], ExportAllDeclaration)',
          message: 'index.ts holds only `export … from` lines.',
        },
      ],
    },
  },
];
