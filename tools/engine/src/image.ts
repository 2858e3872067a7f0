// The test image: no public registry is reachable, so build one from Debian's static
// busybox and import it the way `docker import` does (POST /images/create?fromSrc=-).
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tools } from './apt.ts';
import { expectStatus, ndjsonError, request, type Target } from './http.ts';
import { run } from './proc.ts';
import { TEST_IMAGE, type Layout } from './state.ts';

export async function imageExists(target: Target, name: string): Promise<boolean> {
  const res = await request(target, { path: `/images/${name}/json` });
  if (res.status === 404) return false;
  expectStatus(res, [200], `inspect ${name}`);
  return true;
}

/** Imports busybox:local unless the daemon already has it. Returns true when it imported. */
export async function ensureTestImage(tools: Tools, l: Pick<Layout, 'imageBuildDir'>, target: Target, log: (line: string) => void): Promise<boolean> {
  if (await imageExists(target, TEST_IMAGE)) return false;
  log(`building ${TEST_IMAGE} from ${tools.busybox}`);
  const root = l.imageBuildDir;
  const tarPath = `${root}.tar`;
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'etc'));
  await mkdir(join(root, 'tmp'), { mode: 0o1777 });
  await copyFile(tools.busybox, join(root, 'bin', 'busybox'));
  const { stdout } = await run(tools.busybox, ['--list']);
  const applets = stdout.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'busybox' && !s.includes('/'));
  await Promise.all(applets.map((a) => symlink('busybox', join(root, 'bin', a))));
  // Enough of /etc for `--user nobody` and `id` to resolve names.
  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeFile(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  await run(tools.tar, ['-C', root, '--owner=0', '--group=0', '--numeric-owner', '-cf', tarPath, '.']);

  const size = (await stat(tarPath)).size;
  // CMD sh: so a container created without Cmd still has something to run.
  const changes = encodeURIComponent('CMD ["sh"]');
  const res = await request(target, {
    method: 'POST',
    path: `/images/create?fromSrc=-&repo=busybox&tag=local&changes=${changes}`,
    headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(size) },
    body: createReadStream(tarPath),
    timeoutMs: 120_000,
  });
  expectStatus(res, [200], `import ${TEST_IMAGE}`);
  const err = ndjsonError(res.body);
  if (err) throw new Error(`import ${TEST_IMAGE} failed: ${err}`);
  await rm(root, { recursive: true, force: true });
  await rm(tarPath, { force: true });
  if (!(await imageExists(target, TEST_IMAGE))) throw new Error(`import ${TEST_IMAGE} reported success but the image is missing`);
  return true;
}
