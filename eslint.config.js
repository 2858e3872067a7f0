import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Lint is mostly here for one rule: package boundaries (DESIGN.md). Transports and
 * middleware may import only core; api may import core, middleware and the unix and TCP
 * transports (SSH only lazily); nothing but tools and dockerode-compat (a
 * facade over api) imports api.
 */
export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', '**/.nx/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: false,
          depConstraints: [
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:transport', onlyDependOnLibsWithTags: ['type:core'] },
            { sourceTag: 'type:middleware', onlyDependOnLibsWithTags: ['type:core'] },
            { sourceTag: 'type:api', onlyDependOnLibsWithTags: ['type:core', 'type:middleware', 'type:transport'], notDependOnLibsWithTags: ['type:transport-ssh'] },
            { sourceTag: 'type:compat', onlyDependOnLibsWithTags: ['type:core', 'type:api'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'off',
      'no-debugger': 'error',
    },
  },
  {
    // Tests and their helpers (a package's test/ folder) may use the workspace tools
    // (engine harness, test kit); shipped code may not.
    files: ['**/*.test.ts', '**/*.test-d.ts', 'packages/*/test/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:tool'] },
            { sourceTag: 'type:transport', onlyDependOnLibsWithTags: ['type:core', 'type:tool'] },
            { sourceTag: 'type:middleware', onlyDependOnLibsWithTags: ['type:core', 'type:tool', 'type:transport'] },
            { sourceTag: 'type:api', onlyDependOnLibsWithTags: ['type:core', 'type:middleware', 'type:transport', 'type:tool'] },
            { sourceTag: 'type:compat', onlyDependOnLibsWithTags: ['type:core', 'type:api', 'type:tool'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },
];
