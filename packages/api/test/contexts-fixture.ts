// Shared by contexts.test.ts and contexts.integration.test.ts (a test helper: neither built nor published).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';

export const run = promisify(execFile);

export interface InspectedContext {
  Name: string;
  Endpoints: { docker?: { Host: string; SkipTLSVerify: boolean } };
  TLSMaterial: { docker?: string[] };
  Storage: { MetadataPath: string; TLSPath: string };
}

/** The docker CLI (28.x here, 20.10 from docker.io in CI) on a temporary config folder only. */
export async function docker(configDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run('docker', args, {
    env: { PATH: process.env.PATH, HOME: configDir, DOCKER_CONFIG: configDir, ...env },
  });
  return stdout;
}

/** `docker context inspect` of a name, or of the current context (as the env decides) with none. */
export async function inspect(configDir: string, name?: string, env: NodeJS.ProcessEnv = {}): Promise<InspectedContext> {
  const out = JSON.parse(await docker(configDir, ['context', 'inspect', ...(name ? [name] : [])], env)) as InspectedContext[];
  return out[0]!;
}

export async function tempConfig(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'dl-ctx-'));
}

export const dirs: string[] = [];
export const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
