// `{ unref: true }` on a streaming call: a child process that only follows the logs of a
// container that runs forever exits on its own; without it, it stays alive (killed here).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DockerClient } from '../src/client.js';
import { describeEachEngine } from './engines.js';
import { LABEL, removeAll, uniqueName } from './helpers.js';

const child = fileURLToPath(new URL('./unref-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the child; resolves with its exit code and output, or 'alive' when it is still running after `ms`. */
function runChild(host: string, id: string, unref: boolean, ms: number): Promise<{ code: number | null | 'alive'; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--conditions=@dockline/source', '--import', 'tsx', child, host, id], {
      cwd: root,
      env: { ...process.env, DOCKLINE_UNREF: unref ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      resolve({ code: 'alive', out });
    }, ms);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describeEachEngine('streams given { unref: true }', (engine) => {
  let docker: DockerClient;
  let id: string;
  beforeAll(async () => {
    docker = engine.client();
    ({ Id: id } = await docker.createContainer({
      name: uniqueName('unref'),
      config: { Image: engine.image, Cmd: ['sh', '-c', 'while :; do echo tick; sleep 0.2; done'], Labels: LABEL },
      hostConfig: { NetworkMode: 'none' },
    }));
    await docker.startContainer(id);
  });
  afterAll(async () => {
    await removeAll(docker, [id]);
    await docker.close();
  });

  it('a process that only follows logs with unref exits on its own, after lines arrived', async () => {
    const r = await runChild(`unix://${engine.socketPath}`, id, true, 20_000);
    expect(r.code).toBe(0);
    expect(r.out).toContain('got-line');
    expect(r.out).not.toContain('error');
  }, 30_000);

  it('without unref the same process stays alive while the container runs', async () => {
    const r = await runChild(`unix://${engine.socketPath}`, id, false, 6_000);
    expect(r.code).toBe('alive');
    expect(r.out).toContain('got-line');
  }, 30_000);
});
