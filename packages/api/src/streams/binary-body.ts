import { Readable } from 'node:stream';
import { InvalidParameterError } from '@dockline/core';
import type { BinaryBody } from '../generated/operation-types.js';

/** What a tar (or other byte) argument may be: streamed as it is read, never buffered whole. */
export type TarInput = Readable | Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Checks a byte body argument and hands it on for core's encoder, which sends a Uint8Array
 * with its length and a Readable or AsyncIterable chunked. Throws InvalidParameterError
 * naming the method and option for anything else (a string, a plain object...).
 */
export function binaryBody(value: unknown, method: string, option: string): BinaryBody {
  if (value instanceof Uint8Array || value instanceof Readable) return value;
  if (value !== null && typeof value === 'object' && typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function') {
    return value as AsyncIterable<Uint8Array>;
  }
  throw new InvalidParameterError(`${method}: ${option} must be a Readable, a Uint8Array or an AsyncIterable<Uint8Array>, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} ${String(value)}`;
}
