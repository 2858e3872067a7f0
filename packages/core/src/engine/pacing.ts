/**
 * Read pacing for chatty streams. The daemon writes each log line (or stats sample, or
 * event) as its own small HTTP chunk and flushes it, so a client that reads as soon as
 * data arrives wakes up every few lines: its CPU goes to wakeups and reads, not to the
 * bytes. When a read brought less than PACE_BELOW_BYTES and came within PACE_WINDOW_MS of
 * the previous one, the reader waits PACE_MS before reading on; the kernel gathers the
 * daemon's writes meanwhile, and the next read takes them all at once. A quiet stream (a
 * line now and then) is never delayed. See BENCHMARKS.md (logs) and docs/decisions.md.
 */
const PACE_BELOW_BYTES = 16 * 1024;
const PACE_WINDOW_MS = 2;
const PACE_MS = 1;

/** Decides, read by read, when a stream's reader waits; one per streamed body. */
export class ReadPacer {
  #last = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  readonly #onTimer: () => void;
  readonly #now: () => number;

  /**
   * @param resume called when a wait ends (the reader resumes unless it is held back otherwise)
   * @param now the clock (tests pass their own, so that "within 2 ms" does not depend on the machine's load)
   */
  constructor(resume: () => void, now: () => number = () => performance.now()) {
    this.#now = now;
    this.#onTimer = () => {
      this.#timer = undefined;
      resume();
    };
  }

  /** A wait is running: the reader stays paused until `resume` is called. */
  get waiting(): boolean {
    return this.#timer !== undefined;
  }

  /** After a read of `bytes`: true when a wait started and the reader should pause now. */
  afterRead(bytes: number): boolean {
    const now = this.#now();
    const pace = bytes < PACE_BELOW_BYTES && now - this.#last < PACE_WINDOW_MS && this.#timer === undefined;
    this.#last = now;
    if (pace) this.#timer = setTimeout(this.#onTimer, PACE_MS);
    return pace;
  }

  /** The stream is over: no wait may fire after it. */
  stop(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
