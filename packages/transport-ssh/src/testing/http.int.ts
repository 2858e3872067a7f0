// Small request helpers for this package's tests (core's testing entry exports only the
// conformance suite).
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { StdcopyDemuxer, type DockerRequest, type DockerResponse, type HttpMethod, type Pipeline, type ResponseKind } from '@dockline/core';

export function call(
  pipeline: Pipeline,
  operation: string,
  method: HttpMethod,
  path: string,
  response: ResponseKind,
  extra: Partial<DockerRequest> = {},
): Promise<DockerResponse> {
  return pipeline.send({
    operation,
    method,
    path,
    route: path,
    response,
    idempotent: method === 'GET' || method === 'HEAD',
    longRunning: response === 'stream' || response === 'hijack',
    ...extra,
  });
}

export async function ping(pipeline: Pipeline): Promise<number> {
  return (await call(pipeline, 'SystemPing', 'GET', '/_ping', 'empty')).statusCode;
}

export async function createContainer(pipeline: Pipeline, image: string, cmd: string[]): Promise<string> {
  const res = await call(pipeline, 'ContainerCreate', 'POST', '/containers/create', 'json', {
    query: { name: `dockline-ssh-${process.pid}-${Math.random().toString(36).slice(2, 8)}` },
    body: { Image: image, Cmd: cmd, Labels: { 'dockline.test': 'transport-ssh' }, HostConfig: { NetworkMode: 'none' } },
  });
  return (res.body as { Id: string }).Id;
}

export async function removeContainer(pipeline: Pipeline, id: string): Promise<void> {
  await call(pipeline, 'ContainerDelete', 'DELETE', `/containers/${id}`, 'empty', { query: { force: true, v: true } }).catch(() => undefined);
}

/** exec `cat` in a running container, send `size` random bytes with a half-close, return [sent, received stdout]. */
export async function catRoundTrip(pipeline: Pipeline, containerId: string, size: number): Promise<[Buffer, Buffer]> {
  const exec = await call(pipeline, 'ContainerExec', 'POST', `/containers/${containerId}/exec`, 'json', {
    body: { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false },
  });
  const execId = (exec.body as { Id: string }).Id;
  const res = await call(pipeline, 'ExecStart', 'POST', `/exec/${execId}/start`, 'hijack', { body: { Detach: false, Tty: false } });
  const socket = res.socket as Duplex;
  const payload = randomBytes(size);
  const out: Buffer[] = [];
  const demux = new StdcopyDemuxer((stream, chunk) => {
    if (stream === 1) out.push(Buffer.from(chunk));
  });
  const done = (async () => {
    for await (const chunk of socket) demux.push(chunk as Buffer);
    demux.end();
  })();
  socket.end(payload);
  await done;
  socket.destroy();
  return [payload, Buffer.concat(out)];
}

export async function readAll(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
