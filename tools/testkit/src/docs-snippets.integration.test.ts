// The README's and docs/getting-started.md's TypeScript samples, run as written against the
// private engine: each ```ts block is written to its own file inside the workspace (so
// `@dockline/*` resolves through node_modules to the sources with the @dockline/source
// condition) and run with `node --import tsx`, DOCKER_HOST pointing at the engine's socket.
// They are also typechecked with the repository's strict settings.
// A block that is a fragment (it uses a `docker` or an id from an earlier block) says so in
// its info string: ```ts no-run.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine } from './engine.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = ['README.md', 'docs/getting-started.md'];

export interface Snippet {
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  info: string;
  code: string;
  runnable: boolean;
}

/** Every ```ts / ```typescript block of a markdown text, in order. */
export function extractSnippets(file: string, text: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\b(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const info = open[2]!.trim();
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j]!)) body.push(lines[j++]!);
    out.push({ file, line: i + 1, info, code: `${body.join('\n')}\n`, runnable: !/\bno-run\b/.test(info) });
    i = j;
  }
  return out;
}

/** The outer npm/vitest environment would leak into the child; DOCKER_* are set per run. */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|DOCKER_)/i.test(k) || k === 'NODE_OPTIONS' || k === 'INIT_CWD' || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function runNode(file: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@dockline/source', '--import', 'tsx', file, ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString() });
    });
  });
}

const snippets = DOCS.flatMap((f) => extractSnippets(f, readFileSync(join(root, f), 'utf8')));
const runnable = snippets.filter((s) => s.runnable);
const fileName = (s: Snippet): string => `${s.file.replace(/[/.]/g, '_')}-${s.line}.ts`;

describeWithEngine('docs snippets run as written against the private engine', (engine) => {
  // Inside the workspace (the root's /tmp/ is git-ignored) so node_modules/@dockline/* resolve.
  const dir = join(root, 'tmp', `docs-snippets-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  beforeAll(() => {
    for (const s of runnable) writeFileSync(join(dir, fileName(s)), s.code);
    // The repository's compiler settings, so the samples typecheck as users' strict code would.
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true, declaration: false, declarationMap: false }, include: ['*.ts'] }),
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(`docs snippets: ran ${runnable.length} of ${snippets.length} TypeScript blocks (${snippets.length - runnable.length} marked no-run)`);
  });

  it('finds the samples: the README one and getting-started\'s "Connect" and "Run a container" are runnable', () => {
    expect(runnable.filter((s) => s.file === 'README.md')).toHaveLength(1);
    expect(runnable.filter((s) => s.file === 'docs/getting-started.md').length).toBeGreaterThanOrEqual(2);
    // Every block is either run or explicitly marked: no info string other than no-run.
    for (const s of snippets) expect(s.info, `${s.file}:${s.line}`).toMatch(/^(no-run)?$/);
  });

  for (const s of runnable) {
    it(`${s.file}:${s.line} runs`, async () => {
      const { code, output } = await runNode(join(dir, fileName(s)), childEnv({ DOCKER_HOST: `unix://${engine.socketPath}` }));
      expect(code, `${s.file}:${s.line} exited ${code}:\n${output}`).toBe(0);
      // Each runnable sample prints something of the daemon's (a version, a container's output).
      expect(output.trim(), `${s.file}:${s.line} printed nothing`).not.toBe('');
    }, 90_000);
  }

  it('the runnable samples typecheck (tsc, strict, against the sources)', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const { code, output } = await runNode(tsc, childEnv({}), ['-p', join(dir, 'tsconfig.json')]);
    expect(code, output).toBe(0);
  }, 120_000);
});
