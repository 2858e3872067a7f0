import { InvalidParameterError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';

/** Nothing yet: a type so fields can be added without breaking callers. */
export interface ResizeTTYResult {}

export function checkSize(height: number, width: number): void {
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 65535) {
      throw new InvalidParameterError(`dockline: TTY ${name} must be a whole number of characters (0-65535), got ${String(v)}`);
    }
  }
}

/** POST /containers/{id}/resize?h=&w= : the size of a TTY container's terminal, in characters. */
export async function resizeContainerTTY(ctx: ClientContext, id: string, height: number, width: number, call?: CallOptions): Promise<ResizeTTYResult> {
  checkSize(height, width);
  await ctx.call('ContainerResize', { path: { id }, query: { h: height, w: width } }, call);
  return {};
}
