// buildImage against the real private dockerd, with both builders (legacy and BuildKit), and
// against Podman, which builds with Buildah whatever the builder asked for: it ignores
// version=2 and streams Buildah's "STEP n/m: ..." lines, never BuildKit's trace messages.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AbortError, InvalidParameterError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { BuildError } from '../src/build/build-error.js';
import type { BuildProgressEvent } from '../src/operations/image-build.js';
import type { BuildVertexEvent } from '../src/build/buildkit-status.js';
import { LABEL, removeAll, uniqueName } from './helpers.js';
import { describeEachEngine } from './engines.js';
import { readTar, tarOf } from './tar-helpers.js';

const BUILDERS = ['legacy', 'buildkit'] as const;

describeEachEngine('builds', (engine) => {
  let docker: DockerClient;
  let dir: string;
  const images = new Set<string>();
  const containers = new Set<string>();
  /** Whether BuildKit really runs this builder's builds (Podman ignores version=2: Buildah builds). */
  const ranBuildKit = (builder: (typeof BUILDERS)[number]): boolean => builder === 'buildkit' && engine.name === 'dockerd';
  /** Every build of these tests: no network (the root daemon has no bridge), failed steps' containers removed. */
  const base = { networkMode: 'none', forceRemove: true, labels: { ...LABEL } };

  beforeAll(() => {
    docker = engine.client();
    dir = mkdtempSync(path.join(tmpdir(), 'dockline-build-'));
  });

  afterAll(async () => {
    await removeAll(docker, containers);
    for (const ref of images) await docker.removeImage(ref, { force: true }).catch(() => undefined);
    await docker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh context directory with these files (path -> content). */
  function context(files: Record<string, string>): string {
    const ctx = mkdtempSync(path.join(dir, 'ctx-'));
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(ctx, rel)), { recursive: true });
      writeFileSync(path.join(ctx, rel), content);
    }
    return ctx;
  }

  function tag(what: string): string {
    const t = `${uniqueName(what)}:test`;
    images.add(t);
    return t;
  }

  /** The files under `dir` in an image, read from a created (never started) container of it. */
  async function filesIn(image: string, dirInImage: string): Promise<string[]> {
    const { Id } = await docker.createContainer({ config: { Image: image, Cmd: ['true'], Labels: { ...LABEL } }, hostConfig: { NetworkMode: 'none' } });
    containers.add(Id);
    const { stream } = await docker.getArchive(Id, dirInImage);
    return [...(await readTar(stream)).keys()].sort();
  }

  /** A directory as the engine's archive names it: Podman's tar names directories without the trailing slash. */
  const dirEntry = (name: string): string => (engine.name === 'podman' ? name.replace(/\/$/, '') : name);

  for (const builder of BUILDERS) {
    it(`${builder}: a directory context honours .dockerignore (checked in the image's files); Dockerfile and .dockerignore always sent`, async () => {
      const ctx = context({
        Dockerfile: 'FROM busybox:local\nCOPY . /ctx\n',
        '.dockerignore': '*.log\nnode_modules\nsecret/\n!secret/public.txt\nDockerfile\n.dockerignore\n',
        'app.js': 'app',
        'debug.log': 'log',
        'node_modules/dep/index.js': 'dep',
        'secret/key.pem': 'key',
        'secret/public.txt': 'pub',
        'src/lib/util.js': 'util',
      });
      symlinkSync('app.js', path.join(ctx, 'link.js'));
      const t = tag(`ignore-${builder}`);
      const events: BuildProgressEvent[] = [];
      const { id } = await docker.buildImage(ctx, { ...base, tags: [t], builder }, { onProgress: (e) => events.push(e) });
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect((await docker.inspectImageByRef(t)).Id).toBe(id);
      const files = await filesIn(t, '/ctx');
      // The legacy builder (and Buildah) applies the sent .dockerignore itself too (so Dockerfile
      // and .dockerignore, ignored by it, are not COPYed); BuildKit copies what it was sent.
      const common = ['ctx/', 'ctx/app.js', 'ctx/link.js', 'ctx/secret/', 'ctx/secret/public.txt', 'ctx/src/', 'ctx/src/lib/', 'ctx/src/lib/util.js'].map(dirEntry);
      expect(files.filter((f) => !f.endsWith('Dockerfile') && !f.endsWith('.dockerignore'))).toEqual(common);
      // Both are listed in the .dockerignore, yet sent: the build found its Dockerfile, and
      // BuildKit (which does not apply the sent .dockerignore itself) copied both.
      if (ranBuildKit(builder)) expect(files).toEqual(expect.arrayContaining(['ctx/Dockerfile', 'ctx/.dockerignore']));
      else expect(files).toEqual(common);
      expect(files.some((f) => f.includes('debug.log') || f.includes('node_modules') || f.includes('key.pem'))).toBe(false);
      if (engine.name === 'podman') {
        // Buildah's step lines, for either builder; no BuildKit event at all.
        expect(events.some((e) => e.kind === 'stream' && /^STEP 2\/\d: COPY \. \/ctx/.test(e.text))).toBe(true);
        expect(events.every((e) => e.kind === 'stream' || e.kind === 'status')).toBe(true);
      } else if (builder === 'legacy') expect(events.some((e) => e.kind === 'stream' && /^Step 2\/\d : COPY \. \/ctx/.test(e.text))).toBe(true);
      else expect(events.some((e) => e.kind === 'vertex' && e.name.includes('COPY . /ctx') && e.completed)).toBe(true);
    });

    it(`${builder}: a failing RUN rejects with BuildError carrying the daemon's message and the step`, async () => {
      const ctx = context({ Dockerfile: 'FROM busybox:local\nRUN echo about to fail && exit 3\n' });
      const err = await docker.buildImage(ctx, { ...base, tags: [tag(`fail-run-${builder}`)], builder }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BuildError);
      const b = err as BuildError;
      if (engine.name === 'podman') {
        // Buildah's words, and its step line (no vertex digest; the count includes the LABEL
        // step Buildah appends for `labels`); `builder` is the one asked for.
        expect(b.daemonMessage).toMatch(/^building at STEP "RUN echo about to fail && exit 3": while running runtime: exit status 3/);
        expect(b.step).toEqual({ name: 'STEP 2/3: RUN echo about to fail && exit 3' });
      } else {
        expect(b.daemonMessage).toMatch(/exit code: 3|returned a non-zero code: 3/);
        expect(b.step?.name).toMatch(builder === 'legacy' ? /^Step 2\/\d : RUN echo about to fail/ : /\[2\/2\] RUN echo about to fail/);
        if (builder === 'buildkit') expect(b.step?.digest).toMatch(/^sha256:/);
      }
      expect(b.builder).toBe(builder);
    });

    it(`${builder}: a COPY of a missing file rejects with BuildError`, async () => {
      const ctx = context({ Dockerfile: 'FROM busybox:local\nCOPY missing.txt /\n' });
      const err = await docker.buildImage(ctx, { ...base, tags: [tag(`fail-copy-${builder}`)], builder }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BuildError);
      expect((err as BuildError).daemonMessage).toMatch(engine.name === 'podman' ? /^building at STEP "COPY missing\.txt \/": .*"\/missing\.txt": no such file or directory/ : /missing\.txt/);
      expect((err as BuildError).step?.name).toMatch(engine.name === 'podman' ? /^STEP 2\/3: COPY missing\.txt \/$/ : /COPY missing\.txt/);
    });

    it(`${builder}: a tar stream context, a Dockerfile under another name, build args, labels and target`, async () => {
      const tar = tarOf([
        { name: 'build/app.Dockerfile', body: Buffer.from('FROM busybox:local AS one\nARG WHO\nRUN echo "hi $WHO" > /who\nFROM one AS two\nRUN false\n') },
        { name: 'data.txt', body: Buffer.from('d') },
      ]);
      const t = tag(`tar-${builder}`);
      const { id } = await docker.buildImage(tar, { ...base, tags: [t], builder, dockerfile: 'build/app.Dockerfile', buildArgs: { WHO: 'there' }, labels: { ...LABEL, extra: 'yes' }, target: 'one' });
      const image = await docker.inspectImageByID(id);
      expect(image.Config?.Labels).toMatchObject({ extra: 'yes' });
      const { Id } = await docker.createContainer({ config: { Image: t, Labels: { ...LABEL } }, hostConfig: { NetworkMode: 'none' } });
      containers.add(Id);
      const who = (await readTar((await docker.getArchive(Id, '/who')).stream)).get('who');
      expect(who?.body.toString()).toBe('hi there\n');
    });
  }

  it('buildkit: vertexes complete with logs; a rebuild reports the RUN step cached (Podman: Buildah\'s stream lines, "Using cache")', async () => {
    // Content unique to this run, so that the first build cannot hit an earlier run's cache.
    const token = randomBytes(8).toString('hex');
    const ctx = context({ Dockerfile: 'FROM busybox:local\nCOPY a.txt /a.txt\nRUN cat /a.txt && echo from-run\n', 'a.txt': `content-${token}\n` });
    const t = tag('cache');
    const first: BuildProgressEvent[] = [];
    const one = await docker.buildImage(ctx, { ...base, tags: [t], builder: 'buildkit' }, { onProgress: (e) => first.push(e) });
    if (engine.name === 'podman') {
      // No BuildKit on Podman: the same build by Buildah, its progress as `stream` events
      // (the RUN step's output among them), its cache hits as "--> Using cache <id>" lines.
      const texts = (events: BuildProgressEvent[]): string[] => events.map((e) => (e.kind === 'stream' ? e.text : `<${e.kind}>`));
      const runStep = (events: BuildProgressEvent[]): number => texts(events).findIndex((x) => /^STEP 3\/\d: RUN cat \/a\.txt/.test(x));
      expect(texts(first).every((x) => !x.startsWith('<'))).toBe(true);
      expect(runStep(first)).toBeGreaterThan(0);
      // The step's output (in as many lines as Buildah read it), up to its "--> <id>" line.
      const after = texts(first).slice(runStep(first) + 1);
      expect(after.slice(0, after.findIndex((x) => x.startsWith('--> '))).join('')).toBe(`content-${token}\nfrom-run\n`);
      const second: BuildProgressEvent[] = [];
      const two = await docker.buildImage(ctx, { ...base, tags: [t], builder: 'buildkit' }, { onProgress: (e) => second.push(e) });
      expect(two.id).toBe(one.id);
      expect(texts(second)[runStep(second) + 1]).toMatch(/^--> Using cache [0-9a-f]{64}\n$/);
      expect(texts(second).join('')).not.toContain(`content-${token}\n`); // the step did not run again
      return;
    }
    const runVertex = (events: BuildProgressEvent[]): BuildVertexEvent[] =>
      events.filter((e): e is BuildVertexEvent => e.kind === 'vertex' && e.name.includes('RUN cat /a.txt'));
    expect(runVertex(first).some((v) => v.completed instanceof Date && !v.cached)).toBe(true);
    const digest = runVertex(first)[0]!.digest;
    const logs = first.filter((e) => e.kind === 'log' && e.vertex === digest).map((e) => (e.kind === 'log' ? e.data.toString() : ''));
    expect(logs.join('')).toContain(`content-${token}\nfrom-run\n`);

    const second: BuildProgressEvent[] = [];
    const two = await docker.buildImage(ctx, { ...base, tags: [t], builder: 'buildkit' }, { onProgress: (e) => second.push(e) });
    expect(two.id).toBe(one.id);
    expect(runVertex(second).some((v) => v.cached === true && v.completed instanceof Date)).toBe(true);
  });

  for (const builder of BUILDERS) {
    it(`${builder}: a Dockerfile outside the context directory is sent under a random name`, async () => {
      const ctx = context({ 'a.txt': 'a' });
      const outside = path.join(dir, `outside-${builder}.Dockerfile`);
      writeFileSync(outside, 'FROM busybox:local\nCOPY . /ctx\n');
      const t = tag(`outside-${builder}`);
      await docker.buildImage(ctx, { ...base, tags: [t], dockerfile: outside, builder });
      const files = await filesIn(t, '/ctx');
      expect(files).toContain('ctx/a.txt');
      // The legacy builder applies the sent .dockerignore, which lists the random name (as
      // the CLI's does), and so does Podman's Buildah; BuildKit given a tar without a session
      // does not (docs/files-and-builds.md).
      const copied = files.filter((f) => /^ctx\/\.dockerfile\.[0-9a-f]{20}$/.test(f));
      expect(copied).toHaveLength(ranBuildKit(builder) ? 1 : 0);
    });
  }

  it('aborting a build mid-way rejects with AbortError', async () => {
    const ctx = context({ Dockerfile: 'FROM busybox:local\nRUN sleep 20\n', 'big.bin': 'x'.repeat(4 * 1024 * 1024) });
    const controller = new AbortController();
    const err = await docker
      .buildImage(ctx, { ...base, tags: [tag('abort')], builder: 'buildkit' }, { signal: controller.signal, onProgress: () => controller.abort() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
  });

  it('bad input: a missing context directory, a missing Dockerfile, bad options are InvalidParameterErrors', async () => {
    await expect(docker.buildImage(path.join(dir, 'no-such-dir'))).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(docker.buildImage(path.join(dir, 'no-such-dir'))).rejects.toThrow(/context directory/);
    const ctx = context({ 'a.txt': 'a' });
    await expect(docker.buildImage(ctx, { ...base })).rejects.toThrow(/Dockerfile "Dockerfile" does not exist/);
    await expect(docker.buildImage(ctx, { ...base, dockerfile: 'Nope.Dockerfile' })).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(docker.buildImage(ctx, { builder: 'kaniko' as 'legacy' })).rejects.toThrow(/buildImage: invalid builder: "kaniko"/);
    await expect(docker.buildImage(42 as unknown as string)).rejects.toBeInstanceOf(InvalidParameterError);
  });
});
