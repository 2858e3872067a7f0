import type { DockerRequest, DockerResponse } from '@dockline/core';
import type { CallOptions } from './call-options.js';
import type { OperationId } from './generated/operations.js';
import type { RawParams } from './request.js';

/** What operation modules get: one way to send a spec operation through the pipeline. */
export interface ClientContext {
  call(operation: OperationId, params?: RawParams, options?: CallOptions, overrides?: Partial<DockerRequest>): Promise<DockerResponse>;
  /** The API version in use once negotiated (run() picks its wait order by it). */
  readonly apiVersion?: string | undefined;
}
