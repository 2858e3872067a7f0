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
