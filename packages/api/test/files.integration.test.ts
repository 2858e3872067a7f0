// Container archives (statPath, getArchive, putArchive) against the real private dockerd and
// Podman (one body per case; Podman's differing answers are asserted as they are and listed in
// docs/configuration.md, "Podman").
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DockerError, InvalidParameterError, NotFoundError, ServerError } from '@dockline/core';
import type { DockerClient } from '../src/client.js';
import { FILE_MODE_DIR, FILE_MODE_SYMLINK } from '../src/operations/container-archive.js';
import { LABEL, removeAll, uniqueName } from './helpers.js';
import { describeEachEngine } from './engines.js';
import { readTar, tarBuffer, tarOf } from './tar-helpers.js';

const run = promisify(execFile);
const rssScript = fileURLToPath(new URL('./archive-rss-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

describeEachEngine('files (container archives)', (engine) => {
  let docker: DockerClient;
  let id: string;
  const created = new Set<string>();

  beforeAll(async () => {
    docker = engine.client();
    const res = await docker.createContainer({
      name: uniqueName('files'),
      config: { Image: engine.image, Cmd: ['sleep', '600'], Labels: { ...LABEL } },
      hostConfig: { NetworkMode: 'none' },
    });
    id = res.Id;
    created.add(id);
    await docker.startContainer(id);
  });

  afterAll(async () => {
    await removeAll(docker, created);
    await docker.close();
  });

  it('a 1 MiB file and a 0-byte file put in are read back byte-exact, with their stat', async () => {
    const big = randomBytes(1024 * 1024);
    await docker.putArchive(id, '/tmp', tarOf([{ name: 'big.bin', body: big, mode: 0o640 }, { name: 'empty' }]));

    const bigStat = await docker.statPath(id, '/tmp/big.bin');
    // Podman fills linkTarget with the resolved path of any file, not only of a symlink.
    expect(bigStat).toMatchObject({ name: 'big.bin', size: big.length, linkTarget: engine.name === 'podman' ? '/tmp/big.bin' : '' });
    expect(bigStat.mode & 0o777).toBe(0o640);
    expect(bigStat.mtime).toBeInstanceOf(Date);

    const got = await docker.getArchive(id, '/tmp/big.bin');
    expect(got.stat.size).toBe(big.length);
    const entries = await readTar(got.stream);
    expect([...entries.keys()]).toEqual(['big.bin']);
    expect(entries.get('big.bin')!.body.equals(big)).toBe(true);

    const empty = await docker.getArchive(id, '/tmp/empty');
    expect(empty.stat.size).toBe(0);
    const e = (await readTar(empty.stream)).get('empty');
    expect(e?.type).toBe('file');
    expect(e?.body.length).toBe(0);
  });

  it('a nested directory round-trips; its stat says directory', async () => {
    const a = randomBytes(1000);
    const b = randomBytes(70_000);
    // A Uint8Array body this time.
    const tar = await tarBuffer([
      { name: 'nest/', type: 'directory' },
      { name: 'nest/a/', type: 'directory' },
      { name: 'nest/a/b/', type: 'directory' },
      { name: 'nest/a/one', body: a },
      { name: 'nest/a/b/two', body: b },
    ]);
    await docker.putArchive(id, '/tmp', new Uint8Array(tar));
    const stat = await docker.statPath(id, '/tmp/nest');
    expect(stat.name).toBe('nest');
    expect((stat.mode & FILE_MODE_DIR) >>> 0).toBe(FILE_MODE_DIR);
    const got = await readTar((await docker.getArchive(id, '/tmp/nest')).stream);
    // Podman's tar names directories without the trailing slash dockerd writes.
    const dirs = engine.name === 'podman' ? ['nest', 'nest/a', 'nest/a/b'] : ['nest/', 'nest/a/', 'nest/a/b/'];
    expect([...got.keys()].sort()).toEqual([...dirs, 'nest/a/b/two', 'nest/a/one'].sort());
    for (const d of dirs) expect(got.get(d)?.type).toBe('directory');
    expect(got.get('nest/a/one')!.body.equals(a)).toBe(true);
    expect(got.get('nest/a/b/two')!.body.equals(b)).toBe(true);
  });

  it("a symlink's PathStat carries linkTarget and the symlink mode bit", async () => {
    // An AsyncIterable body this time.
    async function* body(): AsyncGenerator<Uint8Array> {
      yield* tarOf([{ name: 'target.txt', body: Buffer.from('t') }, { name: 'link', type: 'symlink', linkname: '/tmp/target.txt' }]);
    }
    await docker.putArchive(id, '/tmp', body());
    const stat = await docker.statPath(id, '/tmp/link');
    // Podman names the link's target in `name` (the size and mode stay the link's).
    expect(stat.name).toBe(engine.name === 'podman' ? 'target.txt' : 'link');
    expect(stat.size).toBe('/tmp/target.txt'.length);
    expect(stat.linkTarget).toBe('/tmp/target.txt');
    expect(stat.mode & FILE_MODE_SYMLINK).toBe(FILE_MODE_SYMLINK);
    const entry = (await readTar((await docker.getArchive(id, '/tmp/link')).stream)).get('link');
    if (engine.name === 'podman') {
      // Podman follows the link: the archive holds the target's content under the link's name.
      expect(entry).toMatchObject({ type: 'file', linkname: null });
      expect(entry?.body.toString()).toBe('t');
    } else {
      expect(entry).toMatchObject({ type: 'symlink', linkname: '/tmp/target.txt' });
    }
  });

  it('noOverwriteDirNonDir refuses to replace a directory by a file', async () => {
    await docker.putArchive(id, '/tmp', tarOf([{ name: 'isdir/', type: 'directory' }]));
    const err = await docker.putArchive(id, '/tmp', tarOf([{ name: 'isdir', body: Buffer.from('x') }]), { noOverwriteDirNonDir: true }).catch((e: unknown) => e);
    // A 500 from both, in other words; a ServerError on both (dockerd words it "Error processing
    // tar file(...): cannot overwrite directory", but the tar was fine: not a parameter error).
    expect(err).toBeInstanceOf(ServerError);
    expect((err as DockerError).daemonMessage).toMatch(
      engine.name === 'podman' ? /error creating file at "\/tmp\/isdir": .*file exists/ : /cannot overwrite directory/,
    );
    expect((err as DockerError).statusCode).toBe(500);
    expect(((await docker.statPath(id, '/tmp/isdir')).mode & FILE_MODE_DIR) >>> 0).toBe(FILE_MODE_DIR);
  });

  it('a path that does not exist is a NotFoundError for statPath, getArchive and putArchive (Podman: putArchive creates the folder)', async () => {
    await expect(docker.statPath(id, '/no/such/path')).rejects.toBeInstanceOf(NotFoundError);
    await expect(docker.statPath(id, '/no/such/path')).rejects.toThrow(/\/no\/such\/path/);
    await expect(docker.getArchive(id, '/no/such/path')).rejects.toBeInstanceOf(NotFoundError);
    const put = docker.putArchive(id, '/no/such/dir', tarOf([{ name: 'x', body: Buffer.from('x') }]));
    if (engine.name === 'podman') {
      // Podman creates the missing folders and extracts there.
      await put;
      expect((await docker.statPath(id, '/no/such/dir/x')).size).toBe(1);
    } else {
      await expect(put).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('a body that is not a tar (or bad options) is an InvalidParameterError, whatever its form', async () => {
    // The daemon itself answers 200 to this one and extracts nothing.
    await expect(docker.putArchive(id, '/tmp', Buffer.from('not a tar\n'))).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(docker.putArchive(id, '/tmp', tarOfJunk())).rejects.toThrow(/not a tar archive/);
    await expect(docker.putArchive(id, '/tmp', Readable.from([Buffer.alloc(2048, 0x41)]))).rejects.toThrow(/not a tar archive/);
    await expect(docker.putArchive(id, '/tmp', 'text' as unknown as Uint8Array)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(docker.putArchive(id, '', Buffer.alloc(1024))).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(docker.putArchive(id, '/tmp', Buffer.alloc(1024), { copyUIDGID: 'yes' as unknown as boolean })).rejects.toThrow(/putArchive: copyUIDGID must be a boolean, got "yes"/);
  });

  it('200 MiB streams in and out with the client RSS growing by less than 64 MiB (child process)', async () => {
    const { stdout } = await run(process.execPath, ['--conditions=@dockline/source', '--import', 'tsx', rssScript], {
      cwd: root,
      env: { ...process.env, DOCKLINE_RSS_SOCKET: engine.socketPath, DOCKLINE_RSS_IMAGE: engine.image, DOCKLINE_RSS_MIB: '200' },
      maxBuffer: 1024 * 1024,
      timeout: 170_000,
    });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { bytesIn: number; bytesOut: number; shaIn: string; shaOut: string; baseline: number; peak: number };
    expect(r.bytesIn).toBe(200 * 1024 * 1024);
    expect(r.bytesOut).toBe(r.bytesIn);
    expect(r.shaOut).toBe(r.shaIn);
    expect(r.peak - r.baseline).toBeLessThan(64 * 1024 * 1024);
  }, 180_000);
});

function tarOfJunk(): AsyncIterable<Uint8Array> {
  return (async function* () {
    yield Buffer.alloc(400, 0x3b);
    yield Buffer.alloc(400, 0x3b);
  })();
}
