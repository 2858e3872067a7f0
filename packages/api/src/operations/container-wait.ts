import type { Readable } from 'node:stream';
import { InvalidParameterError, ProtocolError, requestError } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { endpointOf } from '../streams/hijacked-session.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitContainerOptions {
  /**
   * What to wait for. Default `not-running` (returns at once for a container that is not
   * running, with its last exit code). `next-exit`: the next exit from now on, the race-free
   * way to wait before a start. `removed`: until the container is removed.
   */
  condition?: WaitCondition | undefined;
}

/** `{ StatusCode, Error? }`: the exit code, and the daemon's message when waiting failed. */
export type WaitContainerResult = components['schemas']['ContainerWaitResponse'];

/** The largest wait answer we read (it is one small JSON object). */
const MAX_WAIT_BODY_BYTES = 64 * 1024;
const CONDITIONS: readonly string[] = ['not-running', 'next-exit', 'removed'];

/**
 * POST /containers/{id}/wait: settles when the container reached `condition`. Long-running:
 * no deadline unless the call gives `timeoutMs` (then a TimeoutError), or abort it.
 */
export async function waitContainer(
  ctx: ClientContext,
  id: string,
  options: WaitContainerOptions = {},
  call: CallOptions = {},
): Promise<WaitContainerResult> {
  const condition = checkCondition(options.condition, 'waitContainer');
  // A JSON answer (not beginWait's stream): a `timeoutMs` then bounds the whole wait, not
  // just the response head.
  const res = await ctx.call('ContainerWait', { path: { id }, query: { condition } }, call);
  return waitResult(res.body, JSON.stringify(res.body ?? null), endpointOf(ctx));
}

function checkCondition(condition: WaitCondition | undefined, method: string): WaitCondition | undefined {
  if (condition !== undefined && !CONDITIONS.includes(condition)) {
    throw new InvalidParameterError(`dockline: ${method} condition must be one of ${CONDITIONS.join(', ')}, got ${JSON.stringify(condition)}`);
  }
  return condition;
}

/**
 * Sends the wait and resolves once the daemon's response head arrived, which it sends
 * only after registering the waiter (moby's postContainersWait): from then on no exit can
 * be missed. `result` settles with the body, at the exit. The head comes first because the
 * response is taken as a stream; the JSON body is read from it here.
 */
export async function beginWait(
  ctx: ClientContext,
  id: string,
  options: WaitContainerOptions,
  call: CallOptions,
  method: string,
): Promise<{ result: Promise<WaitContainerResult> }> {
  const condition = checkCondition(options.condition, method);
  const res = await ctx.call('ContainerWait', { path: { id }, query: { condition } }, call, { response: 'stream' });
  const result = readWaitBody(res.stream!, { operation: 'ContainerWait', endpoint: endpointOf(ctx), signal: call.signal });
  // The caller may not await it before something else fails (run); it is still observed there.
  result.catch(() => undefined);
  return { result };
}

async function readWaitBody(
  stream: Readable,
  ctx: { operation: string; endpoint: string; signal?: AbortSignal | undefined },
): Promise<WaitContainerResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > MAX_WAIT_BODY_BYTES) {
        throw new ProtocolError(`${ctx.operation}: the wait answer from ${ctx.endpoint} exceeds ${MAX_WAIT_BODY_BYTES} bytes`, {
          operation: ctx.operation,
          endpoint: ctx.endpoint,
        });
      }
      chunks.push(buf);
    }
  } catch (err) {
    throw requestError(err, ctx);
  } finally {
    stream.destroy();
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(`${ctx.operation}: the wait answer from ${ctx.endpoint} is not JSON: ${JSON.stringify(text.slice(0, 200))}`, {
      operation: ctx.operation,
      endpoint: ctx.endpoint,
      cause: err,
    });
  }
  return waitResult(parsed, text, ctx.endpoint);
}

/** The daemon's answer as the spec types it: "Error": null (sent on success) left out. */
function waitResult(parsed: unknown, text: string, endpoint: string): WaitContainerResult {
  const body = parsed as { StatusCode?: unknown; Error?: { Message?: string } | null } | null;
  if (!body || typeof body.StatusCode !== 'number') {
    throw new ProtocolError(`ContainerWait: the wait answer from ${endpoint} has no StatusCode: ${JSON.stringify(text.slice(0, 200))}`, {
      operation: 'ContainerWait',
      endpoint,
    });
  }
  return body.Error ? { StatusCode: body.StatusCode, Error: body.Error } : { StatusCode: body.StatusCode };
}
