export type { Transport } from './transport.js';
export { assertTransport } from './transport.js';
export type { DockerRequest, DockerResponse, Handler, HttpMethod, Middleware, QueryValue, ResponseKind } from './types.js';
export { compose, markSequential } from './compose.js';
export { Deadline } from './deadline.js';
export { createPipeline, type Pipeline, type PipelineOptions } from './pipeline.js';
export { createTransportHandler, type TransportHandler, type TransportHandlerOptions } from './engine/undici.js';
export { encodeQuery } from './engine/encode.js';
export {
  AbortError,
  ConflictError,
  ConnectionError,
  DockerError,
  type DockerErrorOptions,
  ForbiddenError,
  InvalidParameterError,
  NotFoundError,
  NotImplementedError,
  ProtocolError,
  ServerError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
} from './errors.js';
export { errorClassForStatus, errorFromStatus, daemonMessageFrom, MAX_ERROR_BODY_BYTES } from './status-to-error.js';
export { connectError, requestError } from './connection-errors.js';
export * from './codecs/index.js';
export { redactText, redactUrl, redactHeaders } from './redact.js';
