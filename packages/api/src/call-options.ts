/** Accepted last by every DockerClient method. */
export interface CallOptions {
  /** Abort the call (and its stream). The promise rejects with AbortError. */
  signal?: AbortSignal | undefined;
  /**
   * Deadline for this call in ms, its answer included (a stream's whole body, a hijacked
   * session's head); wins over the client's default (120 s for short operations; none for
   * long-running ones such as follow streams, pulls, attach). 0: none.
   */
  timeoutMs?: number | undefined;
  /** For streams: fail with a TimeoutError when no byte arrived for this long (a follow stream's silence limit). */
  idleTimeoutMs?: number | undefined;
  /** Cap on a buffered JSON answer in bytes (default: the client's, 64 MiB). */
  maxResponseBytes?: number | undefined;
  /** For streams: the connection does not keep the process alive (as socket.unref()). */
  unref?: boolean | undefined;
}
