// Request helpers for this package's tests: core's testing entry, plus a label of our own.
import type { Pipeline } from '@dockline/core';
import { call, catRoundTrip as coreCatRoundTrip, createContainer as coreCreateContainer } from '@dockline/core/testing';

export { call, readAll, removeContainer } from '@dockline/core/testing';

export async function ping(pipeline: Pipeline): Promise<number> {
  return (await call(pipeline, 'SystemPing', 'GET', '/_ping', 'empty')).statusCode;
}

export function createContainer(pipeline: Pipeline, image: string, cmd: string[]): Promise<string> {
  return coreCreateContainer(pipeline, image, cmd, { Labels: { 'dockline.test': 'transport-ssh' } });
}

/** exec `cat`, send `size` random bytes with a half-close, return [sent, received stdout]. */
export async function catRoundTrip(pipeline: Pipeline, containerId: string, size: number): Promise<[Buffer, Buffer]> {
  const { sent, received } = await coreCatRoundTrip(pipeline, containerId, size);
  return [sent, received];
}
