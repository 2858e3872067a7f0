import { randomBytes } from 'node:crypto';
import { StdcopyDemuxer } from '../codecs/stdcopy.js';
import type { Pipeline } from '../pipeline.js';
import type { DockerRequest, DockerResponse, HttpMethod, ResponseKind } from '../types.js';

/** A tiny request helper for the conformance suite: core has no API package to lean on. */
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

export async function createContainer(pipeline: Pipeline, image: string, cmd: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call(pipeline, 'ContainerCreate', 'POST', '/containers/create', 'json', {
    query: { name: `dockline-conf-${process.pid}-${Math.random().toString(36).slice(2, 8)}` },
    body: { Image: image, Cmd: cmd, Labels: { 'dockline.test': 'conformance' }, HostConfig: { NetworkMode: 'none' }, ...extra },
  });
  return (res.body as { Id: string }).Id;
}

export async function removeContainer(pipeline: Pipeline, id: string): Promise<void> {
  await call(pipeline, 'ContainerDelete', 'DELETE', `/containers/${id}`, 'empty', { query: { force: true, v: true } }).catch(() => undefined);
}

export async function readAll(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/**
 * Exec `cat` in a running container over a hijacked connection, send `size` random bytes and
 * half-close: what comes back on stdout must be the same bytes.
 */
export async function catRoundTrip(pipeline: Pipeline, containerId: string, size: number): Promise<{ sent: Buffer; received: Buffer; execId: string }> {
  const exec = await call(pipeline, 'ContainerExec', 'POST', `/containers/${containerId}/exec`, 'json', {
    body: { Cmd: ['cat'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false },
  });
  const execId = (exec.body as { Id: string }).Id;
  const res = await call(pipeline, 'ExecStart', 'POST', `/exec/${execId}/start`, 'hijack', { body: { Detach: false, Tty: false } });
  if (res.statusCode !== 101 && res.statusCode !== 200) throw new Error(`ExecStart answered ${res.statusCode}, expected 101 or 200`);
  const socket = res.socket!;
  const sent = randomBytes(size);
  const out: Buffer[] = [];
  const demux = new StdcopyDemuxer((stream, chunk) => {
    if (stream === 1) out.push(Buffer.from(chunk));
  });
  const done = (async () => {
    for await (const chunk of socket) demux.push(chunk as Buffer);
    demux.end();
  })();
  socket.end(sent); // half-close: cat sees EOF, exits, the daemon ends the stream
  try {
    await done;
  } finally {
    socket.destroy();
  }
  return { sent, received: Buffer.concat(out), execId };
}
