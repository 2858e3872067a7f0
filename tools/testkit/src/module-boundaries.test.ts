import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * DESIGN.md's dependency rules are enforced by the lint, not by hope: these deliberate
 * wrong imports must fail @nx/enforce-module-boundaries, and a right one must pass.
 */
describe('module boundaries', { timeout: 120_000 }, () => {
  let eslint: ESLint;
  beforeAll(() => {
    // The rule reads Nx's cached project graph; computing it once makes the test self-contained.
    execFileSync(process.execPath, [`${root}node_modules/nx/dist/bin/nx.js`, 'show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'ignore',
    });
    eslint = new ESLint({ cwd: root });
  });

  async function boundaryErrors(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
    return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  }

  it('refuses a transport importing middleware', async () => {
    const errors = await boundaryErrors('packages/transport-unix/src/wrong.ts', "import { retry } from '@dockline/middleware';\nexport const r = retry;\n");
    expect(errors.join('\n')).toMatch(/type:transport.*can only depend on libs tagged with.*type:core/s);
  });

  it('refuses middleware importing a transport', async () => {
    const errors = await boundaryErrors('packages/middleware/src/wrong.ts', "import { unixTransport } from '@dockline/transport-unix';\nexport const u = unixTransport;\n");
    expect(errors.length).toBe(1);
  });

  it('refuses core importing anything of ours', async () => {
    const errors = await boundaryErrors('packages/core/src/wrong.ts', "import { unixTransport } from '@dockline/transport-unix';\nexport const u = unixTransport;\n");
    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses api importing the SSH transport statically', async () => {
    const errors = await boundaryErrors('packages/api/src/wrong.ts', "import { sshTransport } from '@dockline/transport-ssh';\nexport const s = sshTransport;\n");
    expect(errors.length).toBe(1);
  });

  it('allows api to import core, middleware and the unix transport', async () => {
    const errors = await boundaryErrors(
      'packages/api/src/right.ts',
      "import { compose } from '@dockline/core';\nimport { unixTransport } from '@dockline/transport-unix';\nexport const a = [compose, unixTransport];\n",
    );
    expect(errors).toEqual([]);
  });
});
