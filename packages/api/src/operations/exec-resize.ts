import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { checkSize, type ResizeTTYResult } from './container-resize.js';

/**
 * POST /exec/{id}/resize?h=&w= : the size of a TTY exec's terminal. The exec must have been
 * started: call it from `onStarted` (the daemon waits up to 10 s for the process).
 */
export async function resizeExecTTY(ctx: ClientContext, execId: string, height: number, width: number, call?: CallOptions): Promise<ResizeTTYResult> {
  checkSize(height, width);
  await ctx.call('ExecResize', { path: { id: execId }, query: { h: height, w: width } }, call);
  return {};
}
