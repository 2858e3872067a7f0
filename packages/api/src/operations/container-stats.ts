import { ProtocolError, decodeJsonLines } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';

export type ContainerStatsResult = components['schemas']['ContainerStatsResponse'];

/**
 * GET /containers/{id}/stats?stream=false: one sample (with precpu_stats, so CPU usage can
 * be computed), as the kubelet's GetContainerStats. The daemon takes about a second to
 * collect it for a running container. Unlike the streaming form, it is a short call: the
 * client's default deadline applies.
 */
export async function getContainerStats(ctx: ClientContext, id: string, call?: CallOptions): Promise<ContainerStatsResult> {
  const res = await ctx.call('ContainerStats', { path: { id }, query: { stream: false } }, call, { longRunning: false });
  if (!res.stream) throw new ProtocolError('ContainerStats: the daemon answered without a body', { operation: 'ContainerStats' });
  // One JSON document; leaving the loop closes the connection.
  for await (const doc of decodeJsonLines<ContainerStatsResult>(res.stream, { maxLineBytes: 4 * 1024 * 1024 })) {
    return doc;
  }
  throw new ProtocolError('ContainerStats: the daemon sent no statistics', { operation: 'ContainerStats' });
}
