/**
 * A minimal protobuf wire-format reader: varints, length-delimited fields, and skipping of
 * fixed-width fields. Enough to decode BuildKit's StatusResponse without generated code
 * (see docs/decisions.md). Throws ProtobufError on truncated or malformed input.
 */

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export class ProtoReader {
  readonly #buf: Uint8Array;
  #pos: number;
  readonly #end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  /** The next field's tag: its number and wire type. */
  tag(): { field: number; wire: number } {
    const t = this.varint();
    const field = Math.floor(t / 8);
    if (field < 1) throw new ProtobufError(`invalid field number 0 at byte ${this.#pos}`);
    return { field, wire: t % 8 };
  }

  /**
   * An unsigned varint as a number. Values above 2^53 lose precision (none of the fields
   * read here get near it: sizes, counts and seconds since 1970).
   */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.#end) throw new ProtobufError('truncated varint');
      const b = this.#buf[this.#pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  /** An int64/int32 varint: negative values are sent as 10-byte two's complement. */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  /** The bytes of a length-delimited field (a view, not a copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    const start = this.#pos;
    const end = start + len;
    if (end > this.#end) throw new ProtobufError(`length-delimited field of ${len} bytes runs past the end`);
    this.#pos = end;
    return this.#buf.subarray(start, end);
  }

  string(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }

  /** Skips a field of the given wire type (unknown fields are ignored, as protobuf requires). */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.#advance(8);
        return;
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_I32:
        this.#advance(4);
        return;
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }

  #advance(n: number): void {
    if (this.#pos + n > this.#end) throw new ProtobufError('truncated fixed-width field');
    this.#pos += n;
  }
}

/** Reads every field of a message, calling `onField`; the callback must consume the field or return false to have it skipped. */
export function readMessage(buf: Uint8Array, onField: (r: ProtoReader, field: number, wire: number) => boolean): void {
  const r = new ProtoReader(buf);
  while (!r.done) {
    const { field, wire } = r.tag();
    if (!onField(r, field, wire)) r.skip(wire);
  }
}

/** google.protobuf.Timestamp { int64 seconds = 1; int32 nanos = 2; } as a Date (ms precision). */
export function readTimestamp(buf: Uint8Array): Date {
  let seconds = 0;
  let nanos = 0;
  readMessage(buf, (r, field, wire) => {
    if (wire !== WIRE_VARINT) return false;
    if (field === 1) seconds = r.int64();
    else if (field === 2) nanos = r.int64();
    else return false;
    return true;
  });
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
}
