import { compose } from './compose.js';
import { createTransportHandler, type TransportHandlerOptions } from './engine/transport-handler.js';
import { normalizeRequest } from './request.js';
import type { Transport } from './transport.js';
import type { DockerRequest, DockerResponse, Middleware } from './types.js';

export interface PipelineOptions extends TransportHandlerOptions {
  transport: Transport;
  /** Ordered, first outermost. */
  middleware?: readonly Middleware[];
}

export interface Pipeline {
  readonly transport: Transport;
  send(req: DockerRequest): Promise<DockerResponse>;
  /** Close pooled connections and the transport. Idempotent. */
  close(): Promise<void>;
}

/** A transport plugged into undici, wrapped in middleware: what DockerClient sends through. */
export function createPipeline(options: PipelineOptions): Pipeline {
  const terminal = createTransportHandler(options.transport, options);
  const handler = compose(options.middleware ?? [], terminal.handler);
  return {
    transport: options.transport,
    send: (req) => handler(normalizeRequest(req)),
    close: () => terminal.close(),
  };
}
