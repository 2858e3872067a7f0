import { describe, expect, it } from 'vitest';
import { ConnectionError, createPipeline } from '@dockline/core';
import { commandTransport } from './command-transport.js';

const ping = (pipeline: ReturnType<typeof createPipeline>) =>
  pipeline.send({ operation: 'SystemPing', method: 'GET', path: '/_ping', route: '/_ping', response: 'empty', idempotent: true, longRunning: false });

describe('command transport without a daemon', () => {
  it('a program that does not exist is a ConnectionError naming it', async () => {
    const pipeline = createPipeline({ transport: commandTransport({ command: 'dockline-no-such-relay', args: ['--stdio'] }) });
    try {
      const err = await ping(pipeline).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect((err as Error).message).toContain('command://dockline-no-such-relay --stdio');
      expect((err as Error).message).toContain('`dockline-no-such-relay` was not found on the PATH');
    } finally {
      await pipeline.close();
    }
  });

  it('a relay that closes its stdin and then fails is reported by its exit, not as a broken pipe', async () => {
    // The request is written after the relay closed its stdin (EPIPE), as a relay that could
    // not reach the daemon may do: the error must still say it never got there, and why.
    const relay = commandTransport({ command: 'sh', args: ['-c', 'exec 0<&-; echo no daemon here >&2; sleep 0.3; exit 1'], endpoint: 'relay' });
    const pipeline = createPipeline({ transport: relay });
    try {
      const err = await ping(pipeline).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as ConnectionError).connectFailed).toBe(true);
      expect((err as Error).message).toContain('exited with 1: no daemon here');
    } finally {
      await pipeline.close();
    }
  });

  it('describes itself and refuses an empty command', () => {
    const t = commandTransport({ command: 'socat', args: ['-', 'UNIX-CONNECT:/var/run/docker.sock'] });
    expect(t.kind).toBe('command');
    expect(t.endpoint).toBe('command://socat - UNIX-CONNECT:/var/run/docker.sock');
    expect(commandTransport({ command: 'x', endpoint: 'my-relay' }).endpoint).toBe('my-relay');
    expect(() => commandTransport({ command: '' })).toThrow(TypeError);
  });
});
