import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import { endpointOf, runHijackedSession } from '../streams/hijacked-session.js';
import type { StreamOptions } from '../streams/stream-options.js';
import { inspectExec } from './exec-inspect.js';

export interface StartExecOptions {
  /** Start and return at once, without attaching (the output is discarded). */
  detach?: boolean | undefined;
  /**
   * Whether the daemon sends the output raw (true) or multiplexed (false): on exec start,
   * the start request's Tty decides the framing. Absent: `streams.rawTerminal`, else the
   * exec's own `ProcessConfig.tty` (one inspect), so framing and decoding always agree.
   */
  tty?: boolean | undefined;
}

export interface StartExecResult {
  /** Whether the output was treated as raw terminal output. */
  tty: boolean;
}

/**
 * POST /exec/{id}/start. Attached (the default), the connection is hijacked: stdin is piped
 * in (its end half-closes the write side), `onStarted` fires once the daemon answered (the
 * moment to resizeExecTTY), and the call settles when the output ended (the process exited)
 * and was written. The exit code is in inspectExec afterwards.
 */
export async function startExec(
  ctx: ClientContext,
  execId: string,
  options: StartExecOptions = {},
  streams: StreamOptions = {},
  call: CallOptions = {},
): Promise<StartExecResult> {
  const startTty = options.tty ?? streams.rawTerminal ?? (await inspectExec(ctx, execId, call)).ProcessConfig?.tty === true;
  if (options.detach) {
    await ctx.call('ExecStart', { path: { id: execId }, body: { Detach: true, Tty: startTty } }, call, { response: 'empty', longRunning: false });
    return { tty: startTty };
  }
  const res = await ctx.call('ExecStart', { path: { id: execId }, body: { Detach: false, Tty: startTty } }, call);
  const tty = streams.rawTerminal === true || startTty;
  await runHijackedSession({ socket: res.socket!, tty, streams, signal: call.signal, operation: 'ExecStart', endpoint: endpointOf(ctx) });
  return { tty };
}
