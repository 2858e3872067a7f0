import type { Readable } from 'node:stream';
import { AbortError, ConnectionError, DockerError, decodeJsonLines, onAbort } from '@dockline/core';
import type { CallOptions } from '../call-options.js';
import type { ClientContext } from '../context.js';
import type { components } from '../generated/engine-api.js';
import { encodeFilters, type Filters } from './filters.js';
import { unixTime } from './unix-time.js';

export interface EventsOptions {
  /** Replay the events since this time first (the daemon keeps the last 1,000): a Date, or Unix seconds. */
  since?: Date | number | undefined;
  /** Stop at this time: the iteration then ends by itself. A Date, or Unix seconds. Without it the stream is endless. */
  until?: Date | number | undefined;
  /**
   * e.g. `{ type: ['container'], event: ['start', 'die'], label: ['app=web'], container: [id] }`.
   * Keys: config, container, daemon, event, image, label, network, node, plugin, scope,
   * secret, service, type, volume.
   */
  filters?: Filters | undefined;
}

/** One event: `{ Type, Action, Actor: { ID, Attributes }, scope, time, timeNano }`. */
export type EventMessage = components['schemas']['EventMessage'];

/**
 * The events of `events()`, for `for await`. The request is sent at once (not at the first
 * iteration), so events that happen after `ready` resolved are never missed, however late
 * the loop starts. Leaving the loop (break, return, throw) or `close()` closes the
 * connection; aborting the call's signal ends the iteration with an AbortError. Iterate it
 * once; if you never iterate it, close() it.
 */
export interface EventStream extends AsyncIterableIterator<EventMessage>, AsyncDisposable {
  /** Resolves when the daemon accepted the request (its answer's head arrived); rejects like the iteration would. */
  readonly ready: Promise<void>;
  /** Closes the connection; a pending or later `next()` then reports the end. Idempotent. */
  close(): Promise<void>;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * GET /events as an async iterable of typed events. Ends by itself when `until` is reached;
 * a daemon that goes away mid-stream ends it with a ConnectionError (without `until`, the
 * daemon never ends the stream while it runs, so even a clean end of the body is one).
 */
export function events(ctx: ClientContext, options: EventsOptions = {}, call: CallOptions = {}): EventStream {
  const query = {
    since: unixTime(options.since, 'events', 'since'),
    until: unixTime(options.until, 'events', 'until'),
    filters: encodeFilters(options.filters),
  };
  return new Events(ctx, query, options.until !== undefined, call);
}

class Events implements EventStream {
  readonly ready: Promise<void>;
  readonly #response: Promise<Readable>;
  readonly #hasUntil: boolean;
  readonly #signal: AbortSignal | undefined;
  /** Cancels a request whose answer has not arrived when the stream is closed. */
  readonly #cancel = new AbortController();
  #stream: Readable | undefined;
  #iterator: AsyncGenerator<EventMessage, undefined, undefined> | undefined;
  #closed = false;
  /** Stops listening to the caller's signal (core's onAbort: one listener per signal, however many streams share it). */
  #unlisten: () => void = noop;

  constructor(ctx: ClientContext, query: Record<string, unknown>, hasUntil: boolean, call: CallOptions) {
    this.#hasUntil = hasUntil;
    this.#signal = call.signal;
    const signal = call.signal ? AbortSignal.any([call.signal, this.#cancel.signal]) : this.#cancel.signal;
    this.#response = ctx.call('SystemEvents', { query }, { signal, timeoutMs: call.timeoutMs }).then((res) => {
      const stream = res.stream;
      if (!stream) throw new DockerError('SystemEvents: the daemon answered without a stream', { operation: 'SystemEvents' });
      this.#stream = stream;
      if (this.#closed) stream.destroy();
      return stream;
    });
    this.ready = this.#response.then(
      () => undefined,
      (err: unknown) => {
        throw this.#error(err);
      },
    );
    // Nobody may ever await these: an early failure is reported by ready and next(), not as
    // an unhandled rejection.
    this.#response.catch(noop);
    this.ready.catch(noop);
    if (call.signal && !call.signal.aborted) this.#unlisten = onAbort(call.signal, this.#onAbort);
  }

  readonly #onAbort = (): void => {
    this.#stream?.destroy(this.#abortError());
  };

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<EventMessage, undefined>> {
    this.#iterator ??= this.#run();
    return this.#iterator.next();
  }

  /** Called by for-await when the loop is left early. */
  async return(): Promise<IteratorResult<EventMessage, undefined>> {
    await this.close();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<EventMessage, undefined>> {
    await this.close();
    throw err;
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#unlisten();
      this.#cancel.abort();
      this.#stream?.destroy();
    }
    // Let a generator that is not inside a pending next() run its finally.
    if (this.#iterator) await this.#iterator.return(undefined).catch(noop);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async *#run(): AsyncGenerator<EventMessage, undefined, undefined> {
    let stream: Readable;
    try {
      stream = await this.#response;
    } catch (err) {
      if (this.#closed) return;
      throw this.#error(err);
    }
    try {
      for await (const msg of decodeJsonLines<EventMessage>(stream)) {
        if (this.#closed) return;
        yield msg;
      }
    } catch (err) {
      if (this.#closed) return;
      throw this.#error(err);
    } finally {
      stream.destroy();
      this.#unlisten();
    }
    if (this.#closed) return;
    if (this.#signal?.aborted) throw this.#abortError();
    if (!this.#hasUntil) {
      throw new ConnectionError('SystemEvents: the daemon ended the event stream (without `until` it only does so when it goes away)', {
        operation: 'SystemEvents',
      });
    }
  }

  #error(err: unknown): unknown {
    if (this.#signal?.aborted && !(err instanceof AbortError)) return this.#abortError(err);
    return err;
  }

  #abortError(cause?: unknown): AbortError {
    return new AbortError('events: aborted', { operation: 'SystemEvents', cause: cause ?? this.#signal?.reason });
  }
}

function noop(): void {}
