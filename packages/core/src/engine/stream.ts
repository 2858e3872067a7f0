import type { DockerRequest, DockerResponse } from '../types.js';
import { errorAnswer, openExchange, responseBody, type ExchangeTarget } from './exchange.js';

/**
 * A streamed answer (logs, stats, events, pull progress, build output, export...) on a
 * connection of its own: the body is decoded in place, one push per socket read (undici
 * calls back once per HTTP chunk, and the daemon sends every log line as its own chunk),
 * then the connection is closed. The call's deadline, when it has one, covers the whole
 * body; its signal stays linked until the body is over. See docs/decisions.md.
 */
export async function sendStream(target: ExchangeTarget, req: DockerRequest): Promise<DockerResponse> {
  const endpoint = target.transport.endpoint;
  const ex = await openExchange(target, req, { Connection: 'close' }, true);
  const { statusCode, headers } = ex.head;
  if (statusCode >= 300 && statusCode !== 304) throw await errorAnswer(ex, req, endpoint);
  return { statusCode, headers, stream: responseBody(ex, req, endpoint), request: req };
}
