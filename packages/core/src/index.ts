export type { ConnectOptions, Transport } from './transport.js';
export { assertTransport } from './transport.js';
export type { CompleteRequest, DockerRequest, DockerResponse, Handler, HttpMethod, Middleware, QueryValue, ResponseKind } from './types.js';
export { abortError, callEnded, onAbort, raceCall, sleepWithin, watchCall, type CallLimits } from './abort.js';
export { compose, markSequential } from './compose.js';
export { Deadline } from './deadline.js';
export { createPipeline, type Pipeline, type PipelineOptions } from './pipeline.js';
export { createTransportHandler, type TransportHandler, type TransportHandlerOptions } from './engine/transport-handler.js';
export { encodeQuery } from './engine/encode.js';
export { DEFAULT_MAX_RESPONSE_BYTES } from './engine/pooled.js';
// The HTTP/1.1 head and chunked-body parsers of own-connection exchanges (fuzzed; useful to transport authors' tests).
export { HeadReader, MAX_HEAD_BYTES, bodyFraming, parseResponseHead, type BodyFraming, type ResponseHead } from './engine/http-head.js';
export { ChunkedDecoder } from './engine/chunked.js';
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
export { redactText, redactUrl, redactHeaders, redactForRequest, requestSecrets, scrubSecrets } from './redact.js';
