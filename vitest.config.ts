import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = ['core', 'transport-unix', 'transport-tcp-tls', 'transport-ssh', 'middleware', 'api', 'dockerode-compat'];
const tools = ['engine', 'testkit', 'codegen', 'demo', 'bench'];

// Tests import workspace packages from source, so no build is needed before `npm test`.
const alias = [
  { find: /^@dockline\/core\/testing$/, replacement: `${root}packages/core/src/testing/index.ts` },
  { find: /^@dockline\/api\/spec$/, replacement: `${root}packages/api/src/spec.ts` },
  ...packages.map((p) => ({ find: new RegExp(`^@dockline/${p}$`), replacement: `${root}packages/${p}/src/index.ts` })),
  ...tools.map((t) => ({ find: new RegExp(`^@dockline/tool-${t}$`), replacement: `${root}tools/${t}/src/index.ts` })),
];

export default defineConfig({
  resolve: { alias },
  test: {
    // Starts (or reuses) the private engine of tools/engine and hands its addresses to tests.
    globalSetup: [`${root}tools/testkit/src/global-setup.ts`],
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: `${root}packages/${name}`, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
      })),
      {
        extends: true as const,
        test: { name: 'example-command-transport', root: `${root}examples/command-transport`, include: ['src/**/*.test.ts'] },
      },
      ...tools.map((name) => ({
        extends: true as const,
        test: { name: `tool-${name}`, root: `${root}tools/${name}`, include: ['src/**/*.test.ts'] },
      })),
    ],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
