// buildImage's handling of the progress stream, with a scripted ClientContext (the daemon's
// lines recorded from dockerd 20.10); the real daemon is in test/builds.integration.test.ts.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DockerResponse } from '@dockline/core';
import type { ClientContext } from '../context.js';
import type { RawParams } from '../request.js';
import { BuildError } from '../build/build-error.js';
import { buildImage, type BuildProgressEvent } from './image-build.js';

interface Call {
  operation: string;
  params: RawParams | undefined;
}

function fakeContext(lines: unknown[], inspectId?: string): { ctx: ClientContext; calls: Call[] } {
  const calls: Call[] = [];
  const ctx: ClientContext = {
    call(operation, params) {
      calls.push({ operation, params });
      if (operation === 'ImageInspect') return Promise.resolve({ statusCode: 200, headers: {}, body: { Id: inspectId } } as unknown as DockerResponse);
      const body = lines.map((l) => `${JSON.stringify(l)}\r\n`).join('');
      return Promise.resolve({ statusCode: 200, headers: {}, stream: Readable.from([Buffer.from(body)]) } as unknown as DockerResponse);
    },
  };
  return { ctx, calls };
}

const ID = 'sha256:59dbae41768fe5cd819ef678fd96ca134fa418d723cd5602e9430ef09cbe1431';
// A StatusResponse with one vertex: digest sha256:aa, name "[2/2] RUN false", error "exit code: 1".
const FAILED_VERTEX = Buffer.from([
  0x0a, 0x2a, 0x0a, 0x09, ...Buffer.from('sha256:aa'), 0x1a, 0x0f, ...Buffer.from('[2/2] RUN false'), 0x3a, 0x0c, ...Buffer.from('exit code: 1'),
]).toString('base64');

describe('buildImage (scripted daemon)', () => {
  it('legacy: stream lines become events, aux.ID the result; options go into the query and headers', async () => {
    const { ctx, calls } = fakeContext([{ stream: 'Step 1/1 : FROM busybox:local' }, { stream: '\n' }, { aux: { ID } }, { stream: 'Successfully built 59dbae41768f\n' }]);
    const events: BuildProgressEvent[] = [];
    const res = await buildImage(
      ctx,
      Readable.from([Buffer.alloc(1024)]),
      { tags: ['a:1', 'b:2'], buildArgs: { X: '1' }, noCache: true, builder: 'legacy', registryConfig: { 'reg:5000': { username: 'u', password: 'p' } } },
      { onProgress: (e) => events.push(e) },
    );
    expect(res).toEqual({ id: ID });
    expect(events[0]).toEqual({ kind: 'stream', text: 'Step 1/1 : FROM busybox:local' });
    expect(events).toHaveLength(3);
    const { query, headers } = calls[0]!.params!;
    expect(query).toMatchObject({ t: ['a:1', 'b:2'], buildargs: { X: '1' }, nocache: true, version: '1' });
    expect(headers?.['Content-Type']).toBe('application/x-tar');
    const config = JSON.parse(Buffer.from(headers!['X-Registry-Config']!, 'base64url').toString()) as unknown;
    expect(config).toEqual({ 'reg:5000': { username: 'u', password: 'p' } });
  });

  it('buildkit: without a moby.image.id line, the first tag is inspected for the id', async () => {
    const { ctx, calls } = fakeContext([{ stream: 'Successfully tagged a:1\n' }], 'sha256:from-inspect');
    const res = await buildImage(ctx, Readable.from([Buffer.alloc(1024)]), { tags: ['a:1'], builder: 'buildkit' });
    expect(res.id).toBe('sha256:from-inspect');
    expect(calls.map((c) => c.operation)).toEqual(['ImageBuild', 'ImageInspect']);
    expect(calls[0]!.params!.query).toMatchObject({ version: '2' });
  });

  it('buildkit: an error line rejects with BuildError naming the vertex that failed', async () => {
    const msg = 'executor failed running [/bin/sh -c false]: exit code: 1';
    const { ctx } = fakeContext([{ id: 'moby.buildkit.trace', aux: FAILED_VERTEX }, { errorDetail: { message: msg }, error: msg }]);
    const events: BuildProgressEvent[] = [];
    const err = await buildImage(ctx, Readable.from([Buffer.alloc(1024)]), { builder: 'buildkit' }, { onProgress: (e) => events.push(e) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect(err).toMatchObject({ daemonMessage: msg, step: { digest: 'sha256:aa', name: '[2/2] RUN false' }, builder: 'buildkit', code: 'DOCKLINE_ERR_BUILD' });
    expect(events).toEqual([{ kind: 'vertex', digest: 'sha256:aa', name: '[2/2] RUN false', inputs: [], error: 'exit code: 1' }]);
  });

  it('Podman (Buildah): its "STEP n/m:" line names the failed step, whatever builder was asked', async () => {
    const msg = 'building at STEP "RUN exit 3": while running runtime: exit status 3\n';
    const { ctx } = fakeContext([{ stream: 'STEP 1/2: FROM busybox:local\n' }, { stream: 'STEP 2/2: RUN exit 3\n' }, { errorDetail: { message: msg }, error: msg }]);
    const err = await buildImage(ctx, Readable.from([Buffer.alloc(1024)]), { builder: 'buildkit' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect(err).toMatchObject({ daemonMessage: msg, step: { name: 'STEP 2/2: RUN exit 3' }, builder: 'buildkit' });
  });

  it('a throwing onProgress rejects with its error', async () => {
    const { ctx } = fakeContext([{ stream: 'Step 1/1 : FROM x' }, { aux: { ID } }]);
    const boom = new Error('boom');
    await expect(
      buildImage(ctx, Readable.from([Buffer.alloc(1024)]), {}, {
        onProgress: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
  });

  it('bad options are InvalidParameterErrors naming the option and value', async () => {
    const { ctx } = fakeContext([]);
    await expect(buildImage(ctx, Readable.from([]), { tags: 'a:1' as unknown as string[] })).rejects.toThrow('buildImage: invalid tags: "a:1"');
    await expect(buildImage(ctx, Readable.from([]), { buildArgs: { X: 1 as unknown as string } })).rejects.toThrow(/invalid buildArgs/);
    await expect(buildImage(ctx, Readable.from([]), { noCache: 'yes' as unknown as boolean })).rejects.toMatchObject({ name: 'InvalidParameterError' });
  });
});
