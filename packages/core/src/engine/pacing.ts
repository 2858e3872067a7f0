/**
 * Read pacing for chatty streams. The daemon writes each log line (or stats sample, or
 * event) as its own small HTTP chunk and flushes it, so a client that reads as soon as
 * data arrives wakes up every few lines: its CPU goes to wakeups and reads, not to the
 * bytes. When a read brought less than PACE_BELOW_BYTES and came within PACE_WINDOW_MS of
 * the previous one, the reader waits PACE_MS before reading on; the kernel gathers the
 * daemon's writes meanwhile, and the next read takes them all at once. A quiet stream (a
 * line now and then) is never delayed. Nor is a bulk one (an archive, an export): its
 * chunks average CHATTY_BELOW_BYTES or more, a small read there only means the reader
 * caught up with the daemon, and a wait would stall the daemon, not gather its writes.
 * See BENCHMARKS.md (logs, archives) and docs/decisions.md.
 */
const PACE_BELOW_BYTES = 16 * 1024;
const PACE_WINDOW_MS = 2;
const PACE_MS = 1;
/** A stream whose HTTP chunks average less than this is chatty (log lines are ~50 bytes, archive chunks 32 KiB). */
const CHATTY_BELOW_BYTES = 4 * 1024;

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

  /**
   * After a read of `bytes`: true when a wait started and the reader should pause now.
   * @param averageChunk the stream's average HTTP chunk size so far, when it is chunked
   */
  afterRead(bytes: number, averageChunk?: number): boolean {
    const now = this.#now();
    const pace =
      bytes < PACE_BELOW_BYTES &&
      now - this.#last < PACE_WINDOW_MS &&
      this.#timer === undefined &&
      (averageChunk === undefined || averageChunk < CHATTY_BELOW_BYTES);
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
