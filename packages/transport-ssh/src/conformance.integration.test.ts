// Core's transport conformance suite over the real sshd of tools/engine, in every mode, plus
// what the suite does not cover: logs of a started container, large and concurrent
// hijacked streams (SSH window flow control, many channels on one session).
import { createPipeline, StdcopyDemuxer, type Pipeline } from '@dockline/core';
import { transportConformanceSuite } from '@dockline/core/testing';
import { describeWithEngine } from '@dockline/tool-testkit';
import type { EngineInfo } from '@dockline/tool-engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshTransport, type SshMode, type SshTransport } from './index.js';
import { freePort } from '../test/sshd.js';
import { call, catRoundTrip, createContainer, readAll, removeContainer } from '../test/http.js';

function options(engine: EngineInfo, mode: SshMode) {
  return {
    host: engine.ssh.host,
    port: engine.ssh.port,
    username: engine.ssh.username,
    privateKey: engine.ssh.privateKeyPath,
    knownHosts: engine.ssh.knownHostsPath,
    agent: false as const,
    configFile: false as const,
    mode,
    // streamlocal needs the private daemon's socket (not /var/run/docker.sock); dial-stdio
    // finds it through sshd's SetEnv DOCKER_HOST; auto tries /var/run/docker.sock (absent
    // here) and falls back to dial-stdio.
    ...(mode === 'streamlocal' ? { socketPath: engine.socketPath } : {}),
  };
}

describeWithEngine('ssh transport conformance', (engine) => {
  for (const mode of ['streamlocal', 'dial-stdio', 'auto'] as const) {
    transportConformanceSuite({
      name: `ssh ${mode}`,
      image: engine.image,
      createTransport: () => sshTransport(options(engine, mode)),
      // nothing listens on a fresh free port: connection refused
      createDeadTransport: async () => sshTransport({ ...options(engine, mode), port: await freePort() }),
    });
  }

  for (const mode of ['streamlocal', 'dial-stdio'] as const) {
    describe(`ssh ${mode}: containers and streams`, { timeout: 60_000 }, () => {
      let transport: SshTransport;
      let pipeline: Pipeline;
      const containers: string[] = [];
      beforeAll(() => {
        transport = sshTransport(options(engine, mode));
        pipeline = createPipeline({ transport, connections: 8 });
      });
      afterAll(async () => {
        for (const id of containers) await removeContainer(pipeline, id);
        await pipeline.close();
      });

      it('creates, starts, and reads the logs of a container', async () => {
        const id = await createContainer(pipeline, engine.image, ['sh', '-c', 'echo out-line; echo err-line >&2']);
        containers.push(id);
        await call(pipeline, 'ContainerStart', 'POST', `/containers/${id}/start`, 'empty');
        const wait = await call(pipeline, 'ContainerWait', 'POST', `/containers/${id}/wait`, 'json');
        expect((wait.body as { StatusCode: number }).StatusCode).toBe(0);
        const logs = await call(pipeline, 'ContainerLogs', 'GET', `/containers/${id}/logs`, 'stream', { query: { stdout: true, stderr: true } });
        const out: Record<number, string> = { 1: '', 2: '' };
        const demux = new StdcopyDemuxer((stream, chunk) => {
          out[stream] += Buffer.from(chunk).toString();
        });
        demux.push(await readAll(logs.stream!));
        demux.end();
        expect(out).toEqual({ 1: 'out-line\n', 2: 'err-line\n' });
      });

      it('pushes 8 MiB through exec cat byte-exact (SSH flow control both ways)', async () => {
        const id = await createContainer(pipeline, engine.image, ['sleep', '120']);
        containers.push(id);
        await call(pipeline, 'ContainerStart', 'POST', `/containers/${id}/start`, 'empty');
        const [sent, got] = await catRoundTrip(pipeline, id, 8 * 1024 * 1024);
        expect(got.length).toBe(sent.length);
        expect(got.equals(sent)).toBe(true);
      });

      it('runs 8 hijacked cat streams at once on the one SSH session', async () => {
        const id = await createContainer(pipeline, engine.image, ['sleep', '120']);
        containers.push(id);
        await call(pipeline, 'ContainerStart', 'POST', `/containers/${id}/start`, 'empty');
        const before = transport.stats();
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => catRoundTrip(pipeline, id, 64 * 1024 + i)));
        for (const [sent, got] of results) expect(got.equals(sent)).toBe(true);
        const after = transport.stats();
        expect(after.handshakes).toBe(before.handshakes); // no new SSH connection
        expect(after.channelsOpened - before.channelsOpened).toBeGreaterThanOrEqual(8); // a channel per hijack
      });
    });
  }
});
