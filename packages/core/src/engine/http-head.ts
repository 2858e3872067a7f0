import { ProtocolError } from '../errors.js';

/** A response head larger than this is not a Docker daemon's (undici is given the same limit). */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface ResponseHead {
  statusCode: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

/** How the body after a head is delimited (RFC 9112 §6.3). */
export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'eof' };

const CRLFCRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Reads an HTTP/1.1 response head off a connection, incrementally: `push` each chunk as it
 * arrives; once the blank line came it returns the parsed head and the bytes after it.
 * Bounded: past MAX_HEAD_BYTES without a blank line it throws a ProtocolError.
 */
export class HeadReader {
  #buf: Buffer = Buffer.alloc(0);
  readonly #operation: string;
  readonly #endpoint: string;

  constructor(operation: string, endpoint: string) {
    this.#operation = operation;
    this.#endpoint = endpoint;
  }

  /** @returns the head and the bytes that followed it, or undefined while it is incomplete. */
  push(chunk: Buffer): { head: ResponseHead; rest: Buffer } | undefined {
    const from = Math.max(0, this.#buf.length - 3);
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const end = this.#buf.indexOf(CRLFCRLF, from);
    if (end === -1) {
      if (this.#buf.length > MAX_HEAD_BYTES) throw this.#error(`response head exceeds ${MAX_HEAD_BYTES} bytes`);
      return undefined;
    }
    if (end > MAX_HEAD_BYTES) throw this.#error(`response head exceeds ${MAX_HEAD_BYTES} bytes`);
    const head = parseResponseHead(this.#buf.subarray(0, end).toString('latin1'), this.#operation, this.#endpoint);
    const rest = this.#buf.subarray(end + 4);
    this.#buf = Buffer.alloc(0);
    return { head, rest };
  }

  #error(why: string): ProtocolError {
    return new ProtocolError(`${this.#operation}: ${why} (${this.#endpoint})`, { operation: this.#operation, endpoint: this.#endpoint });
  }
}

/**
 * Parse a response head (without its final blank line). Strict: a status line that is not
 * HTTP/1.x, a header line without a token name and a colon, obsolete line folding, or
 * conflicting Content-Length values are ProtocolErrors.
 */
export function parseResponseHead(text: string, operation: string, endpoint = ''): ResponseHead {
  const fail = (why: string): ProtocolError =>
    new ProtocolError(`${operation}: ${why}${endpoint ? ` (${endpoint})` : ''}`, { operation, endpoint: endpoint || undefined });
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) throw fail(`not an HTTP/1.1 response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw fail(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(value)) throw fail(`header ${name} holds a control character`);
    const prior = headers[key];
    if (prior !== undefined && key === 'content-length' && prior !== value) throw fail('conflicting Content-Length headers');
    headers[key] = prior === undefined || key === 'content-length' ? value : `${prior}, ${value}`;
  }
  return { statusCode: Number(status[1]), headers };
}

/** How the body of `head` is delimited; `method` HEAD and statuses 1xx/204/304 have none. */
export function bodyFraming(head: ResponseHead, method: string, operation: string): BodyFraming {
  const { statusCode, headers } = head;
  if (method === 'HEAD' || statusCode < 200 || statusCode === 204 || statusCode === 304) return { kind: 'none' };
  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    if (/(?:^|,)\s*chunked\s*$/i.test(te)) return { kind: 'chunked' };
    return { kind: 'eof' };
  }
  const cl = headers['content-length'];
  if (cl !== undefined) {
    if (!/^\d{1,15}$/.test(cl)) {
      throw new ProtocolError(`${operation}: invalid Content-Length ${JSON.stringify(cl.slice(0, 40))}`, { operation });
    }
    const length = Number(cl);
    return length === 0 ? { kind: 'none' } : { kind: 'length', length };
  }
  return { kind: 'eof' };
}
