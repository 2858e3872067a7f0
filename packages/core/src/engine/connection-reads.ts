import type { OnReadOpts } from 'node:net';

/**
 * One buffer for the reads of every connection: a read is copied out, or used and done with,
 * before its callback returns, and callbacks never overlap (they all run on the one JS thread).
 */
const SHARED = Buffer.allocUnsafe(64 * 1024);

/**
 * Takes one read of the connection. `lent`: the bytes are the shared read buffer's, valid
 * only until the call returns (the taker copies what it keeps); otherwise a Buffer of its own.
 */
export type ReadTaker = (chunk: Buffer, lent: boolean) => void;

/**
 * The `onread` that core offers a transport for a connection it reads by hand (a stream,
 * see ConnectOptions in transport.ts). A Node socket given it reads into one shared
 * buffer and calls `callback` (a TLS socket once per record), instead of allocating a
 * Buffer, pushing the bytes through its Readable state and emitting 'data': that machinery
 * is most of what a followed log line costs (docs/decisions.md). Each read is handed to
 * whoever reads the connection now: the head reader, then the response body (`takeBy`):
 * copied out, or lent (the shared buffer itself) to a taker that asked for loans and copies
 * only what it keeps. The socket's end, errors and close still come as its events, and its
 * pause()/resume() still stop and start the reads (a TLS socket still hands on the rest
 * of a read's records). A transport that ignores `onread` delivers 'data' events instead,
 * and nothing ever reaches this.
 */
export class ConnectionReads implements OnReadOpts {
  readonly buffer: Uint8Array = SHARED;
  #taker: ReadTaker | undefined;
  #lend = false;
  /** Reads that came while nobody took them (before the head reader, between head and body). */
  readonly #kept: Buffer[] = [];

  readonly callback = (bytes: number, buffer: Uint8Array): boolean => {
    const taker = this.#taker;
    if (taker !== undefined && this.#lend) taker(Buffer.from(buffer.buffer, buffer.byteOffset, bytes), true);
    else if (taker !== undefined) taker(Buffer.from(buffer.subarray(0, bytes)), false);
    else this.#kept.push(Buffer.from(buffer.subarray(0, bytes)));
    return true;
  };

  /**
   * Reads go to `taker` from now on (undefined: they are kept), reads kept so far first.
   * With `lend`, reads that come from now on are lent to it, not copied (see ReadTaker).
   */
  takeBy(taker: ReadTaker | undefined, lend = false): void {
    this.#taker = taker;
    this.#lend = lend;
    // The taker may hand over to the next one while it is fed (the head ends in a read).
    while (taker !== undefined && this.#taker === taker && this.#kept.length > 0) taker(this.#kept.shift()!, false);
  }

  /** Bytes a taker read but leaves to the next (what came after the response head): they go first. */
  giveBack(chunk: Buffer): void {
    if (chunk.length > 0) this.#kept.unshift(chunk);
  }
}
