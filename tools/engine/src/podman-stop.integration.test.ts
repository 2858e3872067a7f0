// stopPodman (what `npm run engine -- stop` runs for Podman) leaves nothing behind: not the
// service, not the conmon of a running container, not the container's processes. On a
// Podman of its own in a temporary state dir, never the shared engine's. Needs root; outside
// CI a non-root run skips, with CI=true it fails like any integration test without its engine.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ensurePodman, stopPodman } from './podman.ts';

const canStart = process.getuid?.() === 0 || process.env.CI === 'true';

function call(socketPath: string, method: string, path: string, body?: object): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/** Live processes whose command line mentions `marker`, plus every descendant of them. */
async function processesOf(marker: string): Promise<Array<{ pid: number; cmd: string }>> {
  const all: Array<{ pid: number; ppid: number; cmd: string }> = [];
  for (const e of await readdir('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!stat || after[0] === 'Z') continue;
    all.push({ pid, ppid: Number(after[1]), cmd });
  }
  const found = new Map(all.filter((p) => p.cmd.includes(marker)).map((p) => [p.pid, p]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!found.has(p.pid) && found.has(p.ppid)) (found.set(p.pid, p), (grew = true));
  }
  return [...found.values()].map(({ pid, cmd }) => ({ pid, cmd }));
}

describe.skipIf(!canStart)('stopPodman', () => {
  it('stops the service, the conmon of a running container and the container itself', async () => {
    const dir = await mkdtemp('/tmp/dl-pstop-');
    try {
      const podman = await ensurePodman({ stateDir: dir });
      const created = await call(podman.socketPath, 'POST', '/v1.41/containers/create', {
        Image: podman.image,
        Cmd: ['sleep', '600'],
        Labels: { 'dockline.test': 'engine' },
        HostConfig: { NetworkMode: 'none' },
      });
      expect(created.status).toBe(201);
      const id = (JSON.parse(created.body) as { Id: string }).Id;
      expect((await call(podman.socketPath, 'POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
      const before = await processesOf(dir);
      expect(before.some((p) => p.cmd.startsWith('/usr/bin/podman') || p.cmd.startsWith('podman'))).toBe(true);
      expect(before.some((p) => p.cmd.includes('conmon'))).toBe(true);
      expect(before.some((p) => p.cmd.startsWith('sleep 600'))).toBe(true);

      await stopPodman({ stateDir: dir });
      expect(await processesOf(dir)).toEqual([]);
      // The container's own pid (a child of conmon, not naming the dir) is gone too.
      const pids = before.map((p) => p.pid);
      const alive = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/stat`, 'utf8').then((s) => !/\) Z /.test(s), () => false)));
      expect(pids.filter((_, i) => alive[i])).toEqual([]);
    } finally {
      await stopPodman({ stateDir: dir });
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
