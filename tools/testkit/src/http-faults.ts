/**
 * HTTP-aware faults for the fault proxy (fault-proxy.ts): a relay that parses the requests
 * and the daemon's responses on a connection (heads, Content-Length, chunked and
 * read-to-close bodies, 101 upgrades) and applies an action to the exchanges whose request
 * matches, relaying every other exchange untouched (re-chunked as it came).
 */
import type { Socket } from 'node:net';
import { parseHeaderLines, unversionedPath, type CustomFault, type ProxyConnection, type AppliedFault, type SniffedRequest } from './fault-proxy.js';

/**
 * Where in a response body (its payload, after de-chunking) a fault strikes.
 *
 * - 'half': half-way into the first piece of payload (for a Content-Length body: half of it).
 * - `{ kind: 'mid-frame', skip?, afterMs? }`: inside the payload of a stdcopy frame (header
 *   plus half of its payload), after `skip` whole frames and at least `afterMs` ms of
 *   streaming: the cut lands inside a frame, so a demuxer must notice.
 * - `{ kind: 'mid-line', skip? }`: one byte into a newline-delimited JSON line (after `skip`
 *   whole lines): the partial line is not JSON.
 * - `{ kind: 'at', offset }`: after `offset` payload bytes.
 *
 * When the body ends before the cut point, the fault strikes at its end, before the
 * framing says so (the chunked terminator, the last Content-Length byte, the daemon's close).
 */
export type Cut =
  | 'half'
  | 'mid-frame'
  | 'mid-line'
  | { kind: 'mid-frame'; skip?: number; afterMs?: number }
  | { kind: 'mid-line'; skip?: number }
  | { kind: 'at'; offset: number };

/**
 * What an HTTP-aware fault does to a matching exchange.
 *
 * - reset-before-response: the request reaches the daemon; when its answer starts, both
 *   connections are dropped (a TCP RST toward a TCP client).
 * - reset-mid-body: the head and the body up to `cut` are relayed, then both connections are
 *   dropped. Use a `cut` with `skip`/`afterMs` for "mid-stream".
 * - delay-headers: the head is held for `ms`, then everything is relayed.
 * - delay-chunks: the body is relayed in pieces of at most `pieceBytes` (default 16 KiB),
 *   each `ms` late; nothing is lost.
 * - truncate: the body is cut at `cut` behind a well-formed end (the chunked terminator, a
 *   rewritten Content-Length, a clean close of a raw stream) with `Connection: close`: the
 *   HTTP layer sees nothing wrong, only the payload's own format can tell.
 * - garbage: `bytes` (default 0xff 0xfe "garbage" 0x00 "\n") in place of the head
 *   (`where: 'head'`) or at the start of the payload (`where: 'body'`, the default; the
 *   framing stays valid).
 * - error-body: the daemon's answer is replaced by `status` (500) with a JSON-looking body of
 *   `bytes` (10 MiB), sent with backpressure until the client stops reading.
 * - half-close: the head and the body up to `cut` are relayed, then the proxy ends its write
 *   side toward the client (FIN) without completing the body, and keeps reading.
 */
export type HttpFaultAction =
  | { kind: 'reset-before-response' }
  | { kind: 'reset-mid-body'; cut?: Cut }
  | { kind: 'delay-headers'; ms: number }
  | { kind: 'delay-chunks'; ms: number; pieceBytes?: number }
  | { kind: 'truncate'; cut?: Cut }
  | { kind: 'garbage'; where?: 'head' | 'body'; bytes?: Buffer }
  | { kind: 'error-body'; status?: number; bytes?: number }
  | { kind: 'half-close'; cut?: Cut };

export interface HttpFaultSpec {
  action: HttpFaultAction;
  /** Which requests: their unversioned path (string: equal; RegExp: test), or a predicate. Default: every request. */
  match?: string | RegExp | ((req: SniffedRequest) => boolean);
  /** Only requests with this method. */
  method?: string;
  /**
   * How many matching exchanges to fault, counted across every connection this fault
   * instance serves. Default: all of them.
   */
  times?: number;
}

export const DEFAULT_GARBAGE = Buffer.from([0xff, 0xfe, ...Buffer.from('garbage'), 0x00, 0x0a]);
const DEFAULT_ERROR_BODY_BYTES = 10 * 1024 * 1024;
const MAX_RESPONSE_HEAD = 64 * 1024;
/** Content-Length bodies up to this size are read whole before a cut is placed. */
const MAX_BUFFERED_BODY = 4 * 1024 * 1024;

/** How many more exchanges each spec may fault (`times`), shared by every connection using it. */
const faultsLeft = new WeakMap<HttpFaultSpec, number>();

/**
 * An HTTP-aware fault (see {@link HttpFaultAction}) for `proxy.plan`. Given a function, it
 * asks it for the spec at each exchange (undefined: relay untouched), so a test can arm and
 * disarm a fault on connections that are already open (a client's pooled ones).
 */
export function httpFault(specOrGetter: HttpFaultSpec | (() => HttpFaultSpec | undefined)): CustomFault {
  const current = typeof specOrGetter === 'function' ? specOrGetter : () => specOrGetter;
  const fault: CustomFault = (conn) => {
    conn.relayRequests();
    conn.detachUpstream();
    const up = conn.upstream();
    void pumpResponses(conn as ProxyConnection & { proxy: { recordFault(f: AppliedFault): void } }, up, (req) => {
      const spec = current();
      if (!spec || !matchesSpec(spec, req)) return undefined;
      const left = faultsLeft.get(spec) ?? spec.times ?? Infinity;
      if (left <= 0) return undefined;
      faultsLeft.set(spec, left - 1);
      return spec.action;
    }).catch(() => conn.destroy());
  };
  Object.defineProperty(fault, 'name', { value: typeof specOrGetter === 'function' ? 'http:switchable' : `http:${specOrGetter.action.kind}` });
  return fault;
}

function matchesSpec(spec: HttpFaultSpec, req: SniffedRequest): boolean {
  if (spec.method !== undefined && req.method !== spec.method) return false;
  const m = spec.match;
  if (m === undefined) return true;
  if (typeof m === 'function') return m(req);
  const p = unversionedPath(req.url);
  return typeof m === 'string' ? p === m : m.test(p);
}

type Framing = 'none' | 'length' | 'chunked' | 'eof' | 'raw';

interface ResponseHead {
  raw: Buffer;
  status: number;
  statusLine: string;
  headerLines: string[];
  headers: Record<string, string>;
}

/** Pull-style reader over a socket, with backpressure (the socket is paused while we hold data). */
class SocketReader {
  #bufs: Buffer[] = [];
  #len = 0;
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #socket: Socket;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (b: Buffer) => {
      this.#bufs.push(b);
      this.#len += b.length;
      if (this.#len > 256 * 1024) socket.pause();
      this.#notify();
    });
    const end = () => {
      this.#ended = true;
      this.#notify();
    };
    socket.once('end', end);
    socket.once('close', end);
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async #more(): Promise<boolean> {
    if (this.#ended) return false;
    this.#socket.resume();
    await new Promise<void>((resolve) => (this.#wake = resolve));
    return true;
  }

  #take(n: number): Buffer {
    const all = this.#bufs.length === 1 ? this.#bufs[0]! : Buffer.concat(this.#bufs, this.#len);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#bufs = rest.length ? [rest] : [];
    this.#len = rest.length;
    if (this.#len < 64 * 1024) this.#socket.resume();
    return out;
  }

  /** Up to and including `delim`; null at EOF (whatever was pending is dropped); throws past `max`. */
  async until(delim: string, max: number): Promise<Buffer | null> {
    for (;;) {
      if (this.#len > 0) {
        const all = this.#bufs.length === 1 ? this.#bufs[0]! : Buffer.concat(this.#bufs, this.#len);
        this.#bufs = [all];
        const i = all.indexOf(delim);
        if (i !== -1) return this.#take(i + delim.length);
        if (this.#len > max) throw new Error('response head too large');
      }
      if (!(await this.#more()) && this.#len === 0) return null;
      if (this.#ended && this.#len > 0 && !this.#bufs.some((b) => b.includes(delim))) {
        // EOF with a partial line pending.
        return null;
      }
    }
  }

  /** 1..max bytes; null at EOF. */
  async some(max: number): Promise<Buffer | null> {
    while (this.#len === 0) {
      if (!(await this.#more())) return null;
    }
    return this.#take(Math.min(max, this.#len));
  }

  /** Exactly n bytes, or null at EOF. */
  async exactly(n: number): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const b = await this.some(n - got);
      if (b === null) return null;
      parts.push(b);
      got += b.length;
    }
    return Buffer.concat(parts, n);
  }
}

function parseResponseHead(raw: Buffer): ResponseHead {
  const lines = raw.subarray(0, raw.length - 4).toString('latin1').split('\r\n');
  const statusLine = lines[0] ?? '';
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  return { raw, status: m ? Number(m[1]) : 0, statusLine, headerLines: lines.slice(1), headers: parseHeaderLines(lines.slice(1)) };
}

function framingOf(req: SniffedRequest | undefined, head: ResponseHead): Framing {
  if (head.status === 101) return 'raw';
  if (req?.method === 'HEAD' || head.status === 204 || head.status === 304) return 'none';
  if (/chunked/i.test(head.headers['transfer-encoding'] ?? '')) return 'chunked';
  if (head.headers['content-length'] !== undefined) return 'length';
  return 'eof';
}

/** The head with some headers replaced (null removes), in the daemon's order, others appended. */
function rewriteHead(head: ResponseHead, changes: Record<string, string | null>): Buffer {
  const keys = new Set(Object.keys(changes).map((k) => k.toLowerCase()));
  const lines = head.headerLines.filter((l) => !keys.has(l.slice(0, Math.max(0, l.indexOf(':'))).trim().toLowerCase()));
  for (const [k, v] of Object.entries(changes)) if (v !== null) lines.push(`${k}: ${v}`);
  return Buffer.from(`${head.statusLine}\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** Finds the cut offset in a payload fed piece by piece. */
class CutFinder {
  readonly #cut: Exclude<Cut, string>;
  #offset = 0;
  #started: number | undefined;
  // mid-frame state
  #hdr = Buffer.alloc(8);
  #hdrLen = 0;
  #remaining = 0;
  #frames = 0;
  // mid-line state
  #lines = 0;
  #lineStart = true;

  constructor(cut: Cut | undefined) {
    const c = cut ?? 'half';
    this.#cut = c === 'half' ? { kind: 'at', offset: -1 } : c === 'mid-frame' ? { kind: 'mid-frame' } : c === 'mid-line' ? { kind: 'mid-line' } : c;
  }

  /** The index in `piece` to cut at, or undefined to relay all of it. */
  feed(piece: Buffer): number | undefined {
    const start = this.#offset;
    this.#offset += piece.length;
    const c = this.#cut;
    if (c.kind === 'at') {
      const at = c.offset === -1 ? Math.floor(piece.length / 2) : c.offset;
      if (c.offset === -1) return at;
      return at < this.#offset ? Math.max(0, at - start) : undefined;
    }
    if (c.kind === 'mid-line') {
      for (let i = 0; i < piece.length; i++) {
        const b = piece[i]!;
        if (b === 0x0a) {
          this.#lines++;
          this.#lineStart = true;
          continue;
        }
        if (this.#lineStart && b !== 0x0d && b !== 0x20) {
          this.#lineStart = false;
          if (this.#lines >= (c.skip ?? 0)) return i + 1;
        }
      }
      return undefined;
    }
    // mid-frame
    this.#started ??= Date.now();
    const ready = () => this.#frames >= (c.skip ?? 0) && Date.now() - this.#started! >= (c.afterMs ?? 0);
    let i = 0;
    while (i < piece.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, piece.length - i);
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#frames++;
        continue;
      }
      this.#hdr[this.#hdrLen++] = piece[i++]!;
      if (this.#hdrLen < 8) continue;
      this.#hdrLen = 0;
      const size = this.#hdr.readUInt32BE(4);
      if (size >= 2 && ready()) return i + Math.floor(size / 2) <= piece.length ? i + Math.floor(size / 2) : piece.length;
      this.#remaining = size;
      if (size === 0) this.#frames++;
    }
    return undefined;
  }
}

type Emit = (buf: Buffer) => Promise<void>;

async function pumpResponses(
  conn: ProxyConnection & { proxy: { recordFault(f: AppliedFault): void } },
  up: Socket,
  decide: (req: SniffedRequest) => HttpFaultAction | undefined,
): Promise<void> {
  const { client } = conn;
  const reader = new SocketReader(up);
  const emit: Emit = async (buf) => {
    if (client.destroyed || client.writableEnded || buf.length === 0) return;
    if (!client.write(buf)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          client.off('drain', done);
          client.off('close', done);
          resolve();
        };
        client.on('drain', done);
        client.on('close', done);
      });
    }
  };
  const endClient = () => {
    if (!client.destroyed && !client.writableEnded) client.end();
  };

  for (;;) {
    const raw = await reader.until('\r\n\r\n', MAX_RESPONSE_HEAD);
    if (raw === null) {
      endClient();
      return;
    }
    const head = parseResponseHead(raw);
    const req = conn.pending.shift();
    if (head.status >= 100 && head.status < 200 && head.status !== 101) {
      // Interim answer (100 Continue): the real one follows for the same request.
      if (req) conn.pending.unshift(req);
      await emit(raw);
      continue;
    }
    const framing = framingOf(req, head);
    const action = req ? decide(req) : undefined;
    if (!action) {
      await emit(raw);
      const ok = await relayBody(reader, head, framing, emit, endClient);
      if (!ok || framing === 'eof' || framing === 'raw') return;
      continue;
    }
    const record = (payloadBytes?: number): void =>
      conn.proxy.recordFault({ connection: conn.index, request: req!, action: action.kind, status: head.status, payloadBytes });
    const keepGoing = await applyFault(action, { conn, reader, head, framing, emit, endClient, record });
    if (!keepGoing) return;
  }
}

/** Relays one body untouched (re-chunked as it came). False when the connection ended. */
async function relayBody(reader: SocketReader, head: ResponseHead, framing: Framing, emit: Emit, endClient: () => void): Promise<boolean> {
  for await (const piece of payload(reader, head, framing)) {
    if (piece === null) {
      // The daemon closed mid-body: so does the client's connection.
      endClient();
      return false;
    }
    if (piece.length > 0) await emit(framing === 'chunked' ? chunk(piece) : piece);
  }
  if (framing === 'chunked') await emit(LAST_CHUNK);
  if (framing === 'eof' || framing === 'raw') endClient();
  return true;
}

const LAST_CHUNK = Buffer.from('0\r\n\r\n');

function chunk(piece: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
}

/** The payload pieces of one body; yields null when the daemon closed before the body's end. */
async function* payload(reader: SocketReader, head: ResponseHead, framing: Framing): AsyncGenerator<Buffer | null> {
  if (framing === 'none') return;
  if (framing === 'length') {
    let left = Number(head.headers['content-length']);
    while (left > 0) {
      const b = await reader.some(Math.min(left, 64 * 1024));
      if (b === null) {
        yield null;
        return;
      }
      left -= b.length;
      yield b;
    }
    return;
  }
  if (framing === 'chunked') {
    for (;;) {
      const line = await reader.until('\r\n', 4096);
      if (line === null) {
        yield null;
        return;
      }
      const size = parseInt(line.toString('latin1'), 16);
      if (!(size > 0)) {
        // Trailer section: lines up to an empty one.
        for (;;) {
          const t = await reader.until('\r\n', 64 * 1024);
          if (t === null || t.length === 2) return;
        }
      }
      let left = size;
      while (left > 0) {
        const b = await reader.some(left);
        if (b === null) {
          yield null;
          return;
        }
        left -= b.length;
        yield b;
      }
      if ((await reader.exactly(2)) === null) {
        yield null;
        return;
      }
    }
  }
  // eof / raw: to the daemon's close.
  for (;;) {
    const b = await reader.some(64 * 1024);
    if (b === null) return;
    yield b;
  }
}

interface FaultContext {
  conn: ProxyConnection;
  reader: SocketReader;
  head: ResponseHead;
  framing: Framing;
  emit: Emit;
  endClient: () => void;
  record: (payloadBytes?: number) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Applies one action to one exchange; true when the connection goes on serving. */
async function applyFault(action: HttpFaultAction, ctx: FaultContext): Promise<boolean> {
  const { conn, reader, head, framing, emit, endClient, record } = ctx;
  // An empty chunk would read as the chunked terminator.
  const encode = (piece: Buffer) => (piece.length === 0 ? piece : framing === 'chunked' ? chunk(piece) : piece);
  const discardRest = () => {
    // Nothing more of this daemon connection reaches the client.
    void (async () => {
      while ((await reader.some(64 * 1024)) !== null);
    })();
  };

  switch (action.kind) {
    case 'reset-before-response':
      record(0);
      conn.destroy();
      return false;

    case 'delay-headers':
      record(0);
      await sleep(action.ms);
      await emit(head.raw);
      return relayBody(reader, head, framing, emit, endClient).then((ok) => ok && framing !== 'eof' && framing !== 'raw');

    case 'delay-chunks': {
      record(0);
      await emit(head.raw);
      const size = action.pieceBytes ?? 16 * 1024;
      for await (const piece of payload(reader, head, framing)) {
        if (piece === null) {
          endClient();
          return false;
        }
        for (let i = 0; i < piece.length; i += size) {
          await sleep(action.ms);
          if (conn.client.destroyed) return false;
          await emit(encode(piece.subarray(i, i + size)));
        }
      }
      if (framing === 'chunked') await emit(LAST_CHUNK);
      if (framing === 'eof' || framing === 'raw') {
        endClient();
        return false;
      }
      return true;
    }

    case 'garbage': {
      const bytes = action.bytes ?? DEFAULT_GARBAGE;
      if (action.where === 'head') {
        record(0);
        await emit(bytes);
        await emit(head.raw);
        return relayBody(reader, head, framing, emit, endClient).then((ok) => ok && framing !== 'eof' && framing !== 'raw');
      }
      record(0);
      await emit(framing === 'length' ? rewriteHead(head, { 'Content-Length': String(Number(head.headers['content-length']) + bytes.length) }) : head.raw);
      await emit(encode(bytes));
      return relayBody(reader, head, framing, emit, endClient).then((ok) => ok && framing !== 'eof' && framing !== 'raw');
    }

    case 'error-body': {
      const total = action.bytes ?? DEFAULT_ERROR_BODY_BYTES;
      const status = action.status ?? 500;
      record(0);
      discardRest();
      await emit(
        Buffer.from(
          `HTTP/1.1 ${status} Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\nConnection: close\r\n\r\n`,
          'latin1',
        ),
      );
      // {"message":"xxxx...x"}: JSON until it is cut, so a reader that keeps it all would parse it.
      const prefix = Buffer.from('{"message":"');
      const suffix = Buffer.from('"}');
      const unit = Buffer.alloc(64 * 1024, 'x');
      const pieces = function* (): Generator<Buffer> {
        yield prefix;
        for (let left = total - prefix.length - suffix.length; left > 0; left -= unit.length) yield unit.subarray(0, Math.min(unit.length, left));
        yield suffix;
      };
      for (const piece of pieces()) {
        if (conn.client.destroyed) break;
        await emit(piece);
      }
      endClient();
      return false;
    }

    case 'reset-mid-body':
    case 'half-close':
    case 'truncate': {
      const finder = new CutFinder(action.cut);
      const strike = async (relayed: number): Promise<boolean> => {
        record(relayed);
        if (action.kind === 'reset-mid-body') {
          conn.destroy();
          return false;
        }
        discardRest();
        if (action.kind === 'half-close') {
          // FIN toward the client, body incomplete; we keep reading what it sends.
          endClient();
          return false;
        }
        if (framing === 'chunked') await emit(LAST_CHUNK);
        endClient();
        return false;
      };

      if (framing === 'none') {
        await emit(head.raw);
        return strike(0);
      }
      if (framing === 'length' && Number(head.headers['content-length']) <= MAX_BUFFERED_BODY) {
        // Read the whole (small) body first so that a truncation can rewrite Content-Length.
        const body = await reader.exactly(Number(head.headers['content-length']));
        if (body === null) {
          endClient();
          return false;
        }
        let cut = finder.feed(body);
        if (cut === undefined) cut = action.kind === 'truncate' ? Math.floor(body.length / 2) : Math.max(0, body.length - 1);
        await emit(action.kind === 'truncate' ? rewriteHead(head, { 'Content-Length': String(cut), Connection: 'close' }) : head.raw);
        await emit(body.subarray(0, cut));
        return strike(cut);
      }
      await emit(action.kind === 'truncate' && framing !== 'raw' ? rewriteHead(head, { Connection: 'close' }) : head.raw);
      let relayed = 0;
      for await (const piece of payload(reader, head, framing)) {
        if (piece === null) {
          endClient();
          return false;
        }
        const cut = finder.feed(piece);
        if (cut !== undefined) {
          await emit(encode(piece.subarray(0, cut)));
          return strike(relayed + cut);
        }
        await emit(encode(piece));
        relayed += piece.length;
      }
      // The body ended before the cut point: strike before its end is told.
      return strike(relayed);
    }
  }
}
