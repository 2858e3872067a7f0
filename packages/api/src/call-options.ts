/** Accepted last by every DockerClient method. */
export interface CallOptions {
  /** Abort the call (and its stream). The promise rejects with AbortError. */
  signal?: AbortSignal | undefined;
  /** Deadline for this call in ms; wins over the client's default (120 s for short operations). */
  timeoutMs?: number | undefined;
}
