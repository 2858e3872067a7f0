// `eval "$(npm run engine -- env)"` would evaluate npm's banner ("> engine", "> node ...") as
// redirections; the env command sees that case and refuses with the fix. Runs the CLI the
// way npm does (npm_command=run in the environment), against the running engine (as
// engine.integration.test.ts: ensureEngine reuses it; the test kit is not imported, it imports this tool).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureEngine, type EngineInfo } from './index.ts';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));

function env(extra: NodeJS.ProcessEnv, stateDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NODE_OPTIONS') base[k] = v;
    // stdout is a pipe here, as inside "$(...)".
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'env', '--dir', stateDir], { env: { ...base, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

describe('engine env under npm', () => {
  let engine: EngineInfo;
  beforeAll(async () => {
    engine = await ensureEngine();
  }, 600_000);

  it('refuses, printing nothing on stdout, when npm printed its banner there (npm run without -s)', async () => {
    const r = await env({ npm_command: 'run' }, engine.stateDir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('eval "$(npm run -s engine -- env)"');
  }, 60_000);

  it('prints only export lines on stdout with npm run -s (npm_config_loglevel=silent)', async () => {
    const r = await env({ npm_command: 'run', npm_config_loglevel: 'silent' }, engine.stateDir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`export DOCKER_HOST='unix://${engine.socketPath}'`);
    for (const line of lines) expect(line).toMatch(/^export [A-Z_]+='[^']*'$/);
  }, 60_000);
});
