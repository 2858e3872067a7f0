import { Readable } from 'node:stream';
import type { DockerRequest, QueryValue } from '../types.js';

/**
 * Booleans as 1/0 (what the Go client sends), arrays as repeated keys (the daemon reads
 * `changes`, `platforms`, `names`... that way), other objects as JSON (filters), nullish
 * left out.
 */
export function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'boolean') params.append(key, value ? '1' : '0');
    else if (Array.isArray(value)) for (const item of value) params.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
    else if (typeof value === 'object') params.append(key, JSON.stringify(value));
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

export interface EncodedBody {
  body: string | Buffer | Uint8Array | Readable | undefined;
  contentType: string | undefined;
  length: number | undefined;
}

export function encodeBody(req: DockerRequest): EncodedBody {
  const b = req.body;
  if (b === undefined || b === null) return { body: undefined, contentType: undefined, length: undefined };
  if (typeof b === 'string') return { body: b, contentType: 'text/plain', length: Buffer.byteLength(b) };
  if (Buffer.isBuffer(b) || b instanceof Uint8Array) {
    return { body: b, contentType: 'application/octet-stream', length: b.byteLength };
  }
  if (b instanceof Readable) return { body: b, contentType: 'application/octet-stream', length: undefined };
  if (typeof (b as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return { body: Readable.from(b as AsyncIterable<Uint8Array>, { objectMode: false }), contentType: 'application/octet-stream', length: undefined };
  }
  const json = JSON.stringify(b);
  return { body: json, contentType: 'application/json', length: Buffer.byteLength(json) };
}

/**
 * Caller headers win over the defaults; header names are case-insensitive. Either object
 * may be returned as it is (nothing to merge): the result is read, never changed.
 */
export function mergeHeaders(base: Record<string, string>, extra: Record<string, string> | undefined): Record<string, string> {
  if (!extra) return base;
  // A GET of the pooled path has no defaults of its own: the caller's headers go as they are.
  let baseEmpty = true;
  for (const _ in base) {
    baseEmpty = false;
    break;
  }
  if (baseEmpty) return extra;
  const out: Record<string, string> = { ...base };
  for (const k in extra) {
    const lower = k.toLowerCase();
    for (const existing in out) if (existing.toLowerCase() === lower) delete out[existing];
    out[k] = extra[k]!;
  }
  return out;
}
