// run()'s order of calls, through a recording ClientContext (no daemon): the start is sent
// only once the wait's response head has arrived, and a failed start still removes the
// container. The real daemon's side is in test/lifecycle.integration.test.ts (200 instant exits).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ServerError, type DockerRequest, type DockerResponse } from '@dockline/core';
import type { ClientContext } from '../context.js';
import type { OperationId } from '../generated/operations.js';
import type { RawParams } from '../request.js';
import { run } from './container-run.js';

function recordingContext(opts: { apiVersion?: string; failStart?: boolean } = {}) {
  const log: string[] = [];
  let waitBody: PassThrough | undefined;
  let exited = false;
  const answer = () => setImmediate(() => waitBody?.end('{"StatusCode":7,"Error":null}\n'));
  const ctx: ClientContext = {
    apiVersion: opts.apiVersion,
    async call(operation: OperationId, params?: RawParams, _call?: unknown, overrides?: Partial<DockerRequest>): Promise<DockerResponse> {
      const request = { operation, response: overrides?.response ?? 'json' } as DockerRequest;
      switch (operation) {
        case 'ContainerCreate':
          log.push('create');
          return { statusCode: 201, headers: {}, body: { Id: 'c1', Warnings: [] }, request };
        case 'ContainerWait': {
          log.push(`wait sent (${String(params?.query?.condition)}, ${request.response})`);
          // The head arrives a little later: start must not be sent before it.
          await new Promise((r) => setTimeout(r, 20));
          log.push('wait head');
          waitBody = new PassThrough();
          if (exited) answer();
          return { statusCode: 200, headers: {}, stream: waitBody, request };
        }
        case 'ContainerStart':
          log.push('start');
          if (opts.failStart) throw new ServerError('exec: "/nope": no such file', { operation, statusCode: 400 });
          // The container exits at once.
          exited = true;
          answer();
          return { statusCode: 204, headers: {}, request };
        case 'ContainerDelete':
          log.push(`remove force=${String(params?.query?.force)}`);
          return { statusCode: 204, headers: {}, request };
        default:
          throw new Error(`unexpected ${operation}`);
      }
    },
  };
  return { ctx, log };
}

describe('run() order', () => {
  it('create, wait (next-exit, as a stream), its head, then start; the exit code from the body; then remove', async () => {
    const { ctx, log } = recordingContext({ apiVersion: '1.41' });
    expect(await run(ctx, { config: { Image: 'busybox' }, remove: true })).toEqual({ id: 'c1', exitCode: 7 });
    expect(log).toEqual(['create', 'wait sent (next-exit, stream)', 'wait head', 'start', 'remove force=true']);
  });

  it('a failed start rejects with its error and still removes the container', async () => {
    const { ctx, log } = recordingContext({ apiVersion: '1.41', failStart: true });
    await expect(run(ctx, { config: { Image: 'busybox' }, remove: true })).rejects.toBeInstanceOf(ServerError);
    expect(log.at(-1)).toBe('remove force=true');
  });

  it('API < 1.30 (no next-exit): start first, then the legacy wait', async () => {
    const { ctx, log } = recordingContext({ apiVersion: '1.29' });
    // The legacy wait answers at once for an exited container.
    const p = run(ctx, { config: { Image: 'busybox' } });
    await expect(p).resolves.toEqual({ id: 'c1', exitCode: 7 });
    expect(log).toEqual(['create', 'start', 'wait sent (undefined, stream)', 'wait head']);
  });
});
