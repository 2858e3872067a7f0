import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ConnectionError, createPipeline } from '@dockline/core';
import { transportConformanceSuite } from '@dockline/core/testing';
import { describeWithEngine } from '@dockline/tool-testkit';
import { commandTransport } from './command-transport.js';

// The docker CLI's own relay: `docker system dial-stdio` connects to DOCKER_HOST and copies
// bytes between it and its stdin/stdout (the docker CLI runs it over ssh for ssh:// hosts).
const dialStdio = (socketPath: string, extraEnv: NodeJS.ProcessEnv = {}) =>
  commandTransport({
    command: 'docker',
    args: ['system', 'dial-stdio'],
    env: { ...process.env, DOCKER_HOST: `unix://${socketPath}`, DOCKER_CONTEXT: '', ...extraEnv },
  });

const ping = (pipeline: ReturnType<typeof createPipeline>) =>
  pipeline.send({ operation: 'SystemPing', method: 'GET', path: '/_ping', route: '/_ping', response: 'empty', idempotent: true, longRunning: false });

/** Pids of live processes whose environment holds `marker` (Linux /proc). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describeWithEngine('command transport (docker system dial-stdio) against the real dockerd', (engine) => {
  transportConformanceSuite({
    name: 'command: docker system dial-stdio',
    createTransport: () => dialStdio(engine.socketPath),
    // The command starts fine, but cannot reach a daemon: it exits 1 without a byte of output.
    createDeadTransport: () => dialStdio('/tmp/dockline-example-no-daemon-here.sock'),
    image: engine.image,
  });

  it('a relay that cannot reach the daemon fails with its own stderr in the message', async () => {
    const pipeline = createPipeline({ transport: dialStdio('/tmp/dockline-example-no-daemon-here.sock') });
    try {
      const err = await ping(pipeline).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect((err as Error).message).toMatch(/exited with 1: .*dockline-example-no-daemon-here\.sock/s);
    } finally {
      await pipeline.close();
    }
  });

  it('close() stops every command it started (pooled idle connections included)', async () => {
    const marker = `DOCKLINE_EXAMPLE_MARK=${randomUUID()}`;
    const [key, value] = marker.split('=') as [string, string];
    const pipeline = createPipeline({ transport: dialStdio(engine.socketPath, { [key]: value }), connections: 4 });
    await Promise.all([ping(pipeline), ping(pipeline), ping(pipeline), ping(pipeline)]);
    expect(processesWith(marker).length).toBeGreaterThan(0); // kept alive by the pool
    await pipeline.close();
    await expect.poll(() => processesWith(marker), { timeout: 5000 }).toEqual([]);
  });
});

