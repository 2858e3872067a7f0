import { abortError, onAbort } from '../abort.js';
import type { DockerRequest, DockerResponse } from '../types.js';
import { errorAnswer, openExchange, type ExchangeTarget } from './exchange.js';

/**
 * Hijack a connection for attach / exec start: send the request with `Connection:
 * Upgrade, Upgrade: tcp`, read the response head and hand the raw socket to the caller.
 * By hand rather than with undici's upgrade(): the Engine API allows a plain 200 answer
 * too (undici rejects that as a bad upgrade), and the socket must come from the same
 * Transport (docs/decisions.md). The deadline covers the response head only: the session
 * lasts as long as its streams; the caller's signal destroys the socket until it closes.
 */
export async function hijack(target: ExchangeTarget, req: DockerRequest): Promise<DockerResponse> {
  const endpoint = target.transport.endpoint;
  const ex = await openExchange(target, req, { Connection: 'Upgrade', Upgrade: 'tcp' }, false);
  const { statusCode, headers } = ex.head;
  if (statusCode !== 101 && statusCode !== 200) throw await errorAnswer(ex, req, endpoint);
  ex.release();
  const { socket } = ex;
  const signal = req.signal;
  if (signal?.aborted) {
    const err = abortError(signal, req.operation, endpoint);
    socket.destroy(err);
    throw err;
  }
  if (signal !== undefined && !socket.destroyed) {
    const unlisten = onAbort(signal, () => socket.destroy(abortError(signal, req.operation, endpoint)));
    socket.once('close', unlisten);
  }
  return { statusCode, headers, socket, request: req };
}
