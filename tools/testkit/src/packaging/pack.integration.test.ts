// What a user does: `npm pack` every package, install the tarballs into a scratch project
// outside the workspace (no workspace links, no source condition, no vitest aliases), and
// run programs against the real daemon from there. Also lints each tarball with publint and
// @arethetypeswrong/cli, and typechecks a TypeScript consumer against the published types.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithEngine } from '../engine.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const PACKAGES = ['core', 'transport-unix', 'transport-tcp-tls', 'transport-ssh', 'middleware', 'api', 'dockerode-compat'] as const;
type Pkg = (typeof PACKAGES)[number];
/**
 * What the scratch app installs. dockerode-compat gets its own project (npm overrides, below):
 * it brings @types/dockerode, whose @types/ssh2 the "never ssh2" check would count.
 */
const APP_PACKAGES = PACKAGES.filter((p) => p !== 'dockerode-compat');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The outer `npm test` leaves npm_config_* (local prefix, workspace...) and npm_* in the
 * environment: an inner npm would then act on the workspace. Children get a clean one.
 */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE_OPTIONS' || k.startsWith('VITEST') || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: opts.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

async function ok(cmd: string, args: string[], cwd: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, cwd, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const npm = (args: string[], cwd: string, timeoutMs?: number) => ok('npm', args, cwd, { timeoutMs });
const INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!/\.test(-d)?\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * dist missing or older than src: build. CI builds before `npm test`; this is for local runs.
 * Each package's own build (tsc -p tsconfig.lib.json), in dependency order (PACKAGES).
 */
async function buildIfStale(): Promise<void> {
  const stale = PACKAGES.some((p) => {
    const out = join(root, 'packages', p, 'dist', 'index.js');
    return !existsSync(out) || statSync(out).mtimeMs < newestMtime(join(root, 'packages', p, 'src'));
  });
  if (!stale) return;
  for (const p of PACKAGES) {
    await ok(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.lib.json'], join(root, 'packages', p), { timeoutMs: 300_000 });
  }
}

function daemon(socketPath: string, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve(Buffer.concat(parts).toString()));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Packed {
  file: string;
  files: string[];
  manifest: { name: string; repository?: unknown; homepage?: string; exports: Record<string, string | Record<string, string>>; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
}

describeWithEngine('packaging: npm pack, install outside the workspace, run against the daemon', (engine) => {
  const work = mkdtempSync(join(tmpdir(), 'dockline-pack-'));
  const tarballs = join(work, 'tarballs');
  const app = join(work, 'app');
  const packed = {} as Record<Pkg, Packed>;
  const runId = `pack-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await buildIfStale();
    await ok('mkdir', ['-p', tarballs, app], work);
    for (const p of PACKAGES) {
      const dir = join(root, 'packages', p);
      const [info] = JSON.parse(await npm(['pack', '--json', '--pack-destination', tarballs], dir)) as { filename: string; files: { path: string }[] }[];
      packed[p] = {
        file: join(tarballs, info!.filename),
        files: info!.files.map((f) => f.path),
        manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Packed['manifest'],
      };
    }
    // A user's project: npm init, then the packages, everything but SSH.
    await npm(['init', '-y'], app);
    const base = APP_PACKAGES.filter((p) => p !== 'transport-ssh').map((p) => packed[p].file);
    await npm([...INSTALL, ...base], app);
  }, 900_000);

  afterAll(async () => {
    // The programs remove their container; this catches one left by a failed run. Plain
    // node:http: importing @dockline/api here would make the test kit depend on it in Nx's
    // graph, and api's tests depend on the test kit (a cycle in `nx build`).
    const filters = encodeURIComponent(JSON.stringify({ label: [`dockline.pack=${runId}`] }));
    const left = JSON.parse(await daemon(engine.socketPath, 'GET', `/containers/json?all=1&filters=${filters}`)) as { Id: string }[];
    for (const c of left) await daemon(engine.socketPath, 'DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('each tarball has ESM, types and source maps for every export, a README, the LICENSE, repository and homepage, and no tests', () => {
    for (const p of PACKAGES) {
      const { files, manifest } = packed[p];
      for (const [subpath, target] of Object.entries(manifest.exports)) {
        if (typeof target === 'string') continue; // ./package.json
        for (const key of ['types', 'default'] as const) {
          const file = target[key]!.replace(/^\.\//, '');
          expect(files, `${manifest.name} ${subpath} ${key}`).toContain(file);
          expect(files, `${manifest.name} ${subpath} ${key} map`).toContain(`${file}.map`);
        }
        // The source condition points at src, which is published (the maps point there too).
        expect(files).toContain(target['@dockline/source']!.replace(/^\.\//, ''));
      }
      expect(files, manifest.name).toContain('README.md');
      expect(files, manifest.name).toContain('LICENSE');
      // Where the source lives, for npm's page and provenance: the canonical repository, this folder.
      expect(manifest.repository, manifest.name).toEqual({ type: 'git', url: 'git+https://github.com/dockline/dockline.git', directory: `packages/${p}` });
      expect(manifest.homepage, manifest.name).toBe(`https://github.com/dockline/dockline/tree/main/packages/${p}#readme`);
      expect(files.filter((f) => /\.test(-d)?\.(ts|js)$|\.int\.ts$|tsbuildinfo/.test(f)), manifest.name).toEqual([]);
    }
  });

  it('publint finds nothing, even with --strict', async () => {
    for (const p of PACKAGES) {
      const r = await run(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), 'run', '--strict', packed[p].file], work);
      expect(r.code, `${p}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('All good');
    }
  }, 120_000);

  it('@arethetypeswrong/cli finds no problem for an ESM-only package (Node 16+ ESM and bundler resolution)', async () => {
    for (const p of PACKAGES) {
      // esm-only: node10 and CommonJS-from-node16 resolutions are out of scope (Node >= 20.19
      // can require() ESM; TypeScript's node16 mode does not model that).
      const r = await run(process.execPath, [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), packed[p].file, '--profile', 'esm-only', '--format', 'json'], work);
      const report = JSON.parse(r.stdout) as { analysis: { problems: { kind: string; resolutionKind?: string; entrypoint?: string }[] } };
      const problems = report.analysis.problems.filter((x) => x.resolutionKind !== 'node10' && x.resolutionKind !== 'node16-cjs');
      expect(problems, p).toEqual([]);
      expect(r.code, p).toBe(0);
    }
  }, 120_000);

  it('declares exactly its dependencies: api pulls core, middleware, unix and tcp-tls transports, the tar and .dockerignore libraries of builds, undici and OpenTelemetry api, never ssh2', async () => {
    expect(packed.core.manifest.dependencies).toEqual({ undici: expect.any(String) });
    expect(Object.keys(packed.api.manifest.dependencies!).sort()).toEqual([
      '@balena/dockerignore',
      '@dockline/core',
      '@dockline/middleware',
      '@dockline/transport-tcp-tls',
      '@dockline/transport-unix',
      'tar-stream',
    ]);
    const tree = readdirSync(join(app, 'node_modules'), { recursive: true }).map(String);
    expect(tree.filter((f) => /(^|\/)(ssh2|ssh-config|cpu-features)$/.test(f))).toEqual([]);
    // `npm ls ssh2` exits non-zero (and lists nothing) when no package in the tree is ssh2.
    const ls = await run('npm', ['ls', 'ssh2', '--all', '--json'], app);
    expect(JSON.parse(ls.stdout).dependencies?.['@dockline/api']?.dependencies?.ssh2).toBeUndefined();
    expect(ls.stdout).not.toContain('"ssh2"');
    expect(existsSync(join(app, 'node_modules/undici/package.json'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/@opentelemetry/api/package.json'))).toBe(true);
  }, 60_000);

  it('a program run from the scratch project pings, lists, creates, starts, reads logs and removes a container', async () => {
    writeFileSync(
      join(app, 'smoke.mjs'),
      `import { Writable } from 'node:stream';
import { createClient, NotFoundError } from '@dockline/api';

const [socketPath, image, runId] = process.argv.slice(2);
const docker = createClient({ host: 'unix://' + socketPath });
const sink = (parts) => new Writable({ write(chunk, _enc, cb) { parts.push(chunk.toString()); cb(); } });
const out = {};
out.ping = await docker.ping();
out.apiVersion = (await docker.version()).ApiVersion;
out.listed = (await docker.listContainers({ all: true })).length >= 0;
const { Id } = await docker.createContainer({
  name: 'dockline-' + runId,
  config: { Image: image, Cmd: ['sh', '-c', 'echo hello from a packed dockline; echo to stderr >&2'], Labels: { 'dockline.pack': runId } },
  hostConfig: { NetworkMode: 'none' },
});
out.createdListed = (await docker.listContainers({ all: true, filters: { label: ['dockline.pack=' + runId] } })).map((c) => c.Id);
out.id = Id;
await docker.startContainer(Id);
const stdout = [], stderr = [];
await docker.logs(Id, { follow: true }, { stdout: sink(stdout), stderr: sink(stderr) });
out.stdout = stdout.join('');
out.stderr = stderr.join('');
await docker.removeContainer(Id, { force: true });
out.removed = await docker.inspectContainer(Id).then(() => false, (err) => err instanceof NotFoundError);
out.transport = docker.transport.kind;
await docker.close();
console.log(JSON.stringify(out));
`,
    );
    const stdout = await ok(process.execPath, ['smoke.mjs', engine.socketPath, engine.image, runId], app, { timeoutMs: 60_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.ping).toMatchObject({ apiVersion: engine.apiVersion, osType: 'linux' });
    expect(out.apiVersion).toBe(engine.apiVersion);
    expect(out.listed).toBe(true);
    expect(out.createdListed).toEqual([out.id]);
    expect(out.stdout).toBe('hello from a packed dockline\n');
    expect(out.stderr).toBe('to stderr\n');
    expect(out.removed).toBe(true);
    expect(out.transport).toBe('unix');
  }, 120_000);

  it('an ssh:// host without @dockline/transport-ssh installed fails with an error naming the package', async () => {
    writeFileSync(
      join(app, 'ssh-missing.mjs'),
      `import { createClient, DockerError } from '@dockline/api';
const docker = createClient({ host: 'ssh://root@127.0.0.1:${engine.ssh.port}' });
const err = await docker.ping().then(() => undefined, (e) => e);
await docker.close();
console.log(JSON.stringify({ name: err?.name, message: err?.message, docker: err instanceof DockerError }));
`,
    );
    const out = JSON.parse(await ok(process.execPath, ['ssh-missing.mjs'], app)) as { name: string; message: string; docker: boolean };
    expect(out.name).toBe('InvalidParameterError');
    expect(out.docker).toBe(true);
    expect(out.message).toContain('npm install @dockline/transport-ssh');
  }, 60_000);

  it('with @dockline/transport-ssh installed, the same client reaches the engine through sshd', async () => {
    await npm([...INSTALL, ...APP_PACKAGES.map((p) => packed[p].file)], app);
    expect(existsSync(join(app, 'node_modules/ssh2/package.json'))).toBe(true);
    writeFileSync(
      join(app, 'ssh.mjs'),
      `import { readFileSync } from 'node:fs';
import { createClient } from '@dockline/api';
const [port, keyPath, knownHosts, socketPath] = process.argv.slice(2);
const docker = createClient({
  host: 'ssh://root@127.0.0.1:' + port,
  ssh: { privateKey: readFileSync(keyPath), knownHosts, socketPath },
});
const version = await docker.version();
const info = await docker.info();
console.log(JSON.stringify({ apiVersion: version.ApiVersion, name: info.Name, transport: docker.transport.kind, endpoint: docker.transport.endpoint }));
await docker.close();
`,
    );
    const stdout = await ok(process.execPath, ['ssh.mjs', String(engine.ssh.port), engine.ssh.privateKeyPath, engine.ssh.knownHostsPath, engine.socketPath], app, {
      timeoutMs: 60_000,
    });
    const out = JSON.parse(stdout) as Record<string, string>;
    expect(out.apiVersion).toBe(engine.apiVersion);
    expect(out.transport).toBe('ssh');
    expect(out.endpoint).toContain(`127.0.0.1:${engine.ssh.port}`);
  }, 300_000);

  it('a TypeScript consumer typechecks against the published types with skipLibCheck off', async () => {
    // Every package in the tree (SSH included, after the previous test): the published
    // .d.ts files must resolve their own imports (undici, ssh2's types, @opentelemetry/api).
    if (!existsSync(join(app, 'node_modules/@dockline/transport-ssh'))) await npm([...INSTALL, ...APP_PACKAGES.map((p) => packed[p].file)], app);
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { createClient, DockerError, NotFoundError, type DockerClient, type PullProgress } from '@dockline/api';
import { createPipeline, StdcopyDemuxer, type Transport } from '@dockline/core';
import { transportConformanceSuite, type TransportConformanceOptions } from '@dockline/core/testing';
import { unixTransport } from '@dockline/transport-unix';
import { tcpTransport, tlsFromCertPath } from '@dockline/transport-tcp-tls';
import { sshTransport } from '@dockline/transport-ssh';
import { defaultMiddleware, tracing } from '@dockline/middleware';
import { retry } from '@dockline/middleware/retry';

const docker: DockerClient = createClient({ host: 'unix:///var/run/docker.sock', timeoutMs: 5000 });
const transport: Transport = unixTransport({ socketPath: '/var/run/docker.sock' });
const pipeline = createPipeline({ transport, middleware: defaultMiddleware({ tracing: { serverAddress: 'localhost' }, retry: retry({ attempts: 2 }) }) });
const progress = (p: PullProgress): number => p.current;
const options: Partial<TransportConformanceOptions> = { name: 'x' };
const err: unknown = new NotFoundError('no such container');
const code: number | undefined = err instanceof DockerError ? err.statusCode : undefined;
const demux = new StdcopyDemuxer(() => undefined);
export const all = [docker, pipeline, progress, options, code, demux, tcpTransport, tlsFromCertPath, sshTransport, tracing, transportConformanceSuite];
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          // @types/node from the workspace: nothing else is borrowed from it.
          typeRoots: [join(root, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const r = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app, { timeoutMs: 120_000 });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 300_000);
  it('a package written for dockerode runs unchanged on @dockline/dockerode-compat through npm overrides', async () => {
    // The fixture (a CommonJS library that require()s dockerode) packed as a user would get it
    // from npm, installed in a project whose overrides point dockerode at the compat tarball
    // (from npm it would be "npm:@dockline/dockerode-compat@0.1.0"). The @dockline packages it
    // needs come from their tarballs too, since they are not on a registry here.
    const fixture = join(root, 'packages/dockerode-compat/test/fixtures/uses-dockerode');
    const [lib] = JSON.parse(await npm(['pack', '--json', '--pack-destination', tarballs], fixture)) as { filename: string }[];
    const project = join(work, 'overrides-app');
    await ok('mkdir', ['-p', project], work);
    const file = (p: Pkg) => `file:${packed[p].file}`;
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'overrides-app',
        private: true,
        dependencies: { 'uses-dockerode': `file:${join(tarballs, lib!.filename)}` },
        overrides: {
          dockerode: file('dockerode-compat'),
          '@dockline/api': file('api'),
          '@dockline/core': file('core'),
          '@dockline/middleware': file('middleware'),
          '@dockline/transport-unix': file('transport-unix'),
          '@dockline/transport-tcp-tls': file('transport-tcp-tls'),
        },
      }),
    );
    await npm(INSTALL, project);
    // dockerode itself (and its docker-modem) never arrived: only the compat package, under the name dockerode.
    expect(JSON.parse(readFileSync(join(project, 'node_modules/dockerode/package.json'), 'utf8')).name).toBe('@dockline/dockerode-compat');
    expect(existsSync(join(project, 'node_modules/docker-modem'))).toBe(false);
    writeFileSync(
      join(project, 'main.cjs'),
      `const { check } = require('uses-dockerode');
check(process.argv[2], process.argv[3], process.argv[4]).then((out) => console.log(JSON.stringify(out)), (err) => { console.error(err); process.exit(1); });
`,
    );
    const out = JSON.parse(await ok(process.execPath, ['main.cjs', engine.socketPath, engine.image, runId], project, { timeoutMs: 60_000 })) as Record<string, unknown>;
    expect(out).toEqual({
      dockerode: '@dockline/dockerode-compat',
      ping: 'OK',
      listed: true,
      byLabel: [true],
      wait: { StatusCode: 3, Error: null },
      stdout: 'from-stdout\n',
      stderr: 'from-stderr\n',
      removed: true,
    });
    // TypeScript in such a project: `dockerode` now names the compat package, whose types
    // refer to dockerode's; the documented `paths` entry sends them to @types/dockerode.
    writeFileSync(
      join(project, 'consumer.ts'),
      `import Docker from 'dockerode';
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
export async function names(): Promise<string[]> {
  const list: Docker.ContainerInfo[] = await docker.listContainers({ all: true });
  const c: Docker.Container = docker.getContainer(list[0]!.Id);
  await c.start();
  return list.flatMap((x) => x.Names);
}
// @ts-expect-error the types are real, not any
export const wrong: number = docker.getContainer('x');
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
          paths: { dockerode: ['./node_modules/@types/dockerode'] },
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project, { timeoutMs: 120_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 300_000);
});
