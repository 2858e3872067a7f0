// A private registry (Debian's distribution 2.8) with htpasswd auth on loopback: dockerd
// treats 127.0.0.0/8 registries as insecure by default, so plain HTTP works for real
// pushes and pulls with real credentials.
import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { Tools } from './apt.ts';
import { expectStatus, ndjsonError, request, type Target } from './http.ts';
import {
  findProcesses,
  freePort,
  isAlive,
  isOurProcess,
  portIsFree,
  readPidFile,
  removeFile,
  run,
  sleep,
  spawnDetached,
  tail,
  terminate,
  terminateAll,
} from './proc.ts';
import { REGISTRY_REPO, REGISTRY_USER, TEST_IMAGE, type Layout } from './state.ts';

export interface RegistryHealth {
  pid: number;
}

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const target = (port: number): Target => ({ host: '127.0.0.1', port });

/** Healthy = our pid file names a live docker-registry that accepts our credentials. */
export async function checkRegistry(
  l: Layout,
  port: number | undefined,
  password: string | undefined,
  problems: string[],
): Promise<RegistryHealth | undefined> {
  const pid = await readPidFile(l.registry.pidFile);
  if (!isOurProcess(pid, 'docker-registry')) {
    problems.push(pid ? `registry pid ${pid} is not running` : 'registry is not running');
    return undefined;
  }
  if (!port || !password) {
    problems.push('registry port/password missing from state.json');
    return undefined;
  }
  try {
    const res = await request(target(port), {
      path: '/v2/',
      headers: { Authorization: basic(REGISTRY_USER, password) },
      timeoutMs: 2000,
    });
    expectStatus(res, [200], 'GET /v2/');
  } catch (e) {
    problems.push(`registry pid ${pid} on 127.0.0.1:${port}: ${(e as Error).message}`);
    return undefined;
  }
  return { pid };
}

export async function stopRegistry(l: Layout): Promise<void> {
  const pid = await readPidFile(l.registry.pidFile);
  await terminateAll(
    [isOurProcess(pid, 'docker-registry') ? pid : undefined, ...(await findProcesses(l.registry.config, 'docker-registry'))],
    10_000,
  );
  await removeFile(l.registry.pidFile);
}

export interface StartedRegistry extends RegistryHealth {
  port: number;
  password: string;
}

export async function startRegistry(
  tools: Tools,
  l: Layout,
  opts: { port?: number; password?: string; log: (line: string) => void },
): Promise<StartedRegistry> {
  await stopRegistry(l);
  const r = l.registry;
  await mkdir(r.data, { recursive: true, mode: 0o700 });
  // Kept across restarts (state.json) so credentials handed out earlier stay valid.
  const password = opts.password ?? randomBytes(12).toString('hex');
  const port = opts.port && (await portIsFree(opts.port)) ? opts.port : await freePort();
  const { stdout } = await run(tools.htpasswd, ['-Bbn', REGISTRY_USER, password]);
  await writeFile(r.htpasswd, stdout.trim() + '\n', { mode: 0o600 });
  await writeFile(
    r.config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${r.data}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      'auth:',
      '  htpasswd:',
      '    realm: dockline',
      `    path: ${r.htpasswd}`,
      '',
    ].join('\n'),
  );

  opts.log(`starting registry on 127.0.0.1:${port}`);
  // REGISTRY_* variables override config.yml keys: the caller's must not leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const pid = await spawnDetached(tools.registry, ['serve', r.config], r.log, env);
  await writeFile(r.pidFile, `${pid}\n`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!isAlive(pid)) throw new Error(`docker-registry exited during startup. Tail of ${r.log}:\n${await tail(r.log)}`);
    const problems: string[] = [];
    if (await checkRegistry(l, port, password, problems)) return { pid, port, password };
    if (Date.now() > deadline) {
      await terminate(pid);
      throw new Error(`docker-registry did not answer within 20 s (${problems.join('; ')}). Tail of ${r.log}:\n${await tail(r.log)}`);
    }
    await sleep(100);
  }
}

/** X-Registry-Auth: docker decodes it with Go's base64.URLEncoding, which wants the '=' padding. */
export function registryAuthHeader(username: string, password: string, serveraddress: string): string {
  return Buffer.from(JSON.stringify({ username, password, serveraddress }))
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

export async function registryHasTag(port: number, password: string, tag: string): Promise<boolean> {
  const res = await request(target(port), {
    path: `/v2/${REGISTRY_REPO}/tags/list`,
    headers: { Authorization: basic(REGISTRY_USER, password) },
  });
  if (res.status === 404) return false; // NAME_UNKNOWN: never pushed
  expectStatus(res, [200], `GET /v2/${REGISTRY_REPO}/tags/list`);
  const tags = (JSON.parse(res.body.toString()) as { tags?: string[] | null }).tags ?? [];
  return tags.includes(tag);
}

/**
 * Pushes busybox:local as ADDRESS/dockline/busybox:latest unless the registry has it, then
 * drops that tag from the daemon so that a test's pull really transfers layers.
 */
export async function ensurePushed(
  daemon: Target,
  port: number,
  password: string,
  log: (line: string) => void,
): Promise<boolean> {
  if (await registryHasTag(port, password, 'latest')) return false;
  const address = `127.0.0.1:${port}`;
  const repo = `${address}/${REGISTRY_REPO}`;
  log(`pushing ${TEST_IMAGE} to ${repo}:latest`);
  const tagRes = await request(daemon, {
    method: 'POST',
    path: `/images/${TEST_IMAGE}/tag?repo=${encodeURIComponent(repo)}&tag=latest`,
  });
  expectStatus(tagRes, [200, 201], `tag ${TEST_IMAGE} as ${repo}:latest`);
  const push = await request(daemon, {
    method: 'POST',
    path: `/images/${repo}/push?tag=latest`,
    headers: { 'X-Registry-Auth': registryAuthHeader(REGISTRY_USER, password, address) },
    timeoutMs: 120_000,
  });
  expectStatus(push, [200], `push ${repo}:latest`);
  const err = ndjsonError(push.body);
  // Untag even after a failed push: a stale local tag would make later pulls no-ops.
  const del = await request(daemon, { method: 'DELETE', path: `/images/${repo}:latest` });
  if (err) throw new Error(`push ${repo}:latest failed: ${err}`);
  expectStatus(del, [200], `untag ${repo}:latest`);
  if (!(await registryHasTag(port, password, 'latest'))) {
    throw new Error(`push ${repo}:latest reported success but the registry does not list the tag`);
  }
  return true;
}
