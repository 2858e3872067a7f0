import { TimeoutError } from './errors.js';

/**
 * When a call must be done by, carried on `DockerRequest.deadline`. The timeout middleware
 * sets it; core's terminal handler aborts the HTTP request when it passes (one timer, no
 * AbortController per call); retry and version negotiation never wait past it.
 *
 * Times are on `performance.now()`'s clock: monotonic, so a wall-clock jump neither fires
 * nor postpones a deadline.
 */
export class Deadline {
  /** `performance.now()` at which the call times out. */
  readonly at: number;
  #error: TimeoutError | undefined;

  /**
   * @param ms the limit, for the message ("ContainerInspect timed out after 500 ms")
   * @param operation the call it bounds
   */
  constructor(
    readonly ms: number,
    readonly operation: string,
  ) {
    this.at = performance.now() + ms;
  }

  /**
   * Whole milliseconds left, rounded up (0 once passed). Whole: Node keeps one timer list
   * per distinct duration, so concurrent calls with the same limit share one.
   */
  remaining(): number {
    const left = this.at - performance.now();
    return left > 0 ? Math.ceil(left) : 0;
  }

  /** The deadline passed, or a timer set for it fired (Node timers may fire up to 1 ms early). */
  get expired(): boolean {
    return this.#error !== undefined || performance.now() >= this.at;
  }

  /**
   * The TimeoutError the call fails with; call it only once the deadline passed (it marks
   * the deadline expired). One instance per deadline, so every layer that notices the
   * deadline (core, retry, version negotiation) rejects with the same error.
   */
  error(): TimeoutError {
    this.#error ??= new TimeoutError(`${this.operation} timed out after ${this.ms} ms`, { operation: this.operation, timeoutMs: this.ms });
    return this.#error;
  }

  /** The earlier of two deadlines (either may be missing). */
  static earliest(a: Deadline | undefined, b: Deadline | undefined): Deadline | undefined {
    if (!a) return b;
    if (!b) return a;
    return b.at < a.at ? b : a;
  }
}
