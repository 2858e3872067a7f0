import type { Readable } from 'node:stream';

/**
 * Direct reads: a streamed response body (engine/response-body.ts) can hand its chunks
 * straight to the one consumer that reads it to its end (demuxStream, copyStream:
 * codecs/pump.ts) instead of pushing them through its Readable buffer. A followed log line
 * then costs one call, not a push, a 'data' event and the nextTick a push schedules: most
 * of what a line cost dockline above reading the socket (BENCHMARKS.md, follow;
 * docs/decisions.md). A read of a plain socket can even be lent, not copied: the consumer
 * copies the payload out, and nothing else is allocated for it. The end, errors, close and
 * destroy still go through the Readable.
 */

/** What a Readable implements to be read directly (see readDirect). */
export const readDirectly = Symbol('dockline.readDirectly');

/**
 * Takes one chunk; returns false when the consumer's outputs are full: deliveries stop
 * until the consumer calls `resume()`. A `lent` chunk is the connection's shared read
 * buffer, valid only until the call returns: the consumer copies out every byte it keeps
 * or passes on (a demuxer copies each read's payload into one buffer of its own).
 */
export type DirectConsumer = (chunk: Buffer, lent: boolean) => boolean;

export interface DirectReader {
  /** Deliveries go on (the consumer's outputs drained). */
  resume(): void;
}

/** A Readable that can be read directly. */
export interface DirectReadable {
  [readDirectly](consumer: DirectConsumer): DirectReader | undefined;
}

/**
 * Read `source` directly when it supports it and nobody reads it otherwise yet: bytes it
 * already buffered are handed over at once, the rest as it comes; its 'end' still ends the
 * read. Undefined when `source` must be read through its events.
 */
export function readDirect(source: Readable, consumer: DirectConsumer): DirectReader | undefined {
  const s = source as Readable & Partial<DirectReadable>;
  return typeof s[readDirectly] === 'function' ? s[readDirectly](consumer) : undefined;
}
