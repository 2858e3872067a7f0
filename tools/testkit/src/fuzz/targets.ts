/**
 * Fuzz targets: property tests (fast-check) for the parts of dockline that read what a
 * daemon, a network or a user's machine hands it: the stdcopy demuxer, the NDJSON decoder,
 * the HTTP/1.1 response head reader and chunked-body decoder of own-connection exchanges,
 * error bodies, DOCKER_HOST parsing and the docker CLI's context store, and the ways
 * demuxStream reads its source (a Readable's events, any other source's iterator, a streamed
 * response body handing its chunks over directly). Each target is one
 * property; `fuzz.test.ts` runs a few hundred inputs of each in `npm test`, `main.ts` a
 * million across them.
 *
 * The properties: valid input round-trips (split into chunks anywhere); arbitrary input
 * fails only with dockline's typed errors, the same way however it is split; secrets in
 * the input never reach an error message.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  ChunkedDecoder,
  DockerError,
  HeadReader,
  MAX_HEAD_BYTES,
  bodyFraming,
  InvalidParameterError,
  JsonLinesDecoder,
  ProtocolError,
  ServerError,
  StdcopyDemuxer,
  createPipeline,
  demuxStream,
  errorFromStatus,
  type Pipeline,
  type Transport,
} from '@dockline/core';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Duplex, Readable, Writable } from 'node:stream';
import { contextStoreId, listContexts, loadContext, parseDockerHost, readCurrentContext } from '@dockline/api';
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions } from 'node:tls';

export interface FuzzTarget {
  name: string;
  /** Share of a run's inputs this target gets (its cost varies: file I/O is dear). */
  weight: number;
  /** The property; `check` runs it over `numRuns` inputs and throws (fast-check's report) on a counterexample. */
  check(numRuns: number, seed?: number): Promise<void>;
  /** Called once after all runs (temp files). */
  cleanup?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// helpers

/** Splits `buf` at the given positions (taken modulo its length), in order. */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  if (buf.length === 0) return [buf];
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

function frame(stream: number, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

interface DemuxResult {
  /** Emitted bytes per stream id, in order, as [stream, hex] runs merged by stream. */
  runs: Array<[number, string]>;
  error: string | undefined;
}

/**
 * Demuxes `chunks` then ends; typed errors are part of the result, anything else escapes.
 * With `lent`, each chunk is pushed as a loan and overwritten once the push returns; the
 * emitted Buffers are read only at the end, so one that still referred to its chunk shows.
 */
function demux(chunks: Buffer[], batch: boolean, lent = false): DemuxResult {
  const emitted: Array<[number, Buffer]> = [];
  const d = new StdcopyDemuxer((stream, chunk) => emitted.push([stream, chunk]), { batch });
  const result = (error: string | undefined): DemuxResult => {
    const runs: Array<[number, string]> = [];
    for (const [stream, chunk] of emitted) {
      const last = runs[runs.length - 1];
      if (last && last[0] === stream) last[1] += chunk.toString('hex');
      else runs.push([stream, chunk.toString('hex')]);
    }
    return { runs, error };
  };
  try {
    for (const c of chunks) {
      const loan = lent ? Buffer.from(c) : c;
      try {
        d.push(loan, lent);
      } finally {
        if (lent) loan.fill(0xa5);
      }
    }
    d.end();
  } catch (err) {
    if (!(err instanceof ProtocolError) && !(err instanceof ServerError)) throw err;
    return result(`${err.name}: ${err.message}`);
  }
  return result(undefined);
}

interface JsonLinesResult {
  values: unknown[];
  error: string | undefined;
}

function decodeLines(chunks: Buffer[], maxLineBytes?: number): JsonLinesResult {
  const values: unknown[] = [];
  const d = new JsonLinesDecoder((v) => values.push(v), { maxLineBytes });
  try {
    for (const c of chunks) d.push(c);
    d.end();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { values, error: err.message };
  }
  return { values, error: undefined };
}

/** A secret-looking token: long enough and random enough that finding it in a message is no accident. */
const secretArb = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&\'()*+,;=%'), minLength: 10, maxLength: 24 })
  .map((s) => `S3cr${s}`);

function assertNoSecret(text: string, secret: string, where: string): void {
  if (text.includes(secret)) throw new Error(`secret ${JSON.stringify(secret)} leaked into ${where}: ${JSON.stringify(text)}`);
}

// ---------------------------------------------------------------------------------------
// stdcopy

const framesArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.uint8Array({ maxLength: 300 })), { maxLength: 20 });

const stdcopyRoundTrip: FuzzTarget = {
  name: 'stdcopy: valid frames, split anywhere, lent or not, come out whole and in order',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(framesArb, cutsArb, fc.boolean(), fc.boolean(), (frames, cuts, batch, lent) => {
          const wire = Buffer.concat(frames.map(([s, p]) => frame(s, p)));
          const got = demux(split(wire, cuts), batch, lent);
          if (got.error !== undefined) throw new Error(`valid stream failed: ${got.error}`);
          const want: Array<[number, string]> = [];
          for (const [s, p] of frames) {
            if (p.length === 0) continue;
            const last = want[want.length - 1];
            if (last && last[0] === s) last[1] += Buffer.from(p).toString('hex');
            else want.push([s, Buffer.from(p).toString('hex')]);
          }
          if (JSON.stringify(got.runs) !== JSON.stringify(want)) throw new Error('payload changed, lost or reordered');
        }),
        { numRuns, seed },
      ),
    ),
};

const stdcopyArbitrary: FuzzTarget = {
  name: 'stdcopy: arbitrary bytes fail only with ProtocolError/ServerError, the same however split',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(
          // Mostly plausible headers (first byte 0..4) so that frames, not just the first byte, get exercised.
          fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.tuple(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 30 })).map(([s, p]) => frame(s, p))), { maxLength: 10 }),
          cutsArb,
          fc.boolean(),
          (parts, cuts, lent) => {
            const wire = Buffer.concat(parts);
            const whole = demux([wire], false);
            const pieces = demux(split(wire, cuts), true, lent);
            if (JSON.stringify(whole) !== JSON.stringify(pieces)) throw new Error(`chunking changed the result: ${JSON.stringify(whole)} vs ${JSON.stringify(pieces)}`);
            const emitted = whole.runs.reduce((n, [, hex]) => n + hex.length / 2, 0);
            if (emitted > wire.length) throw new Error('emitted more bytes than it was given');
          },
        ),
        { numRuns, seed },
      ),
    ),
};

const stdcopyTruncated: FuzzTarget = {
  name: 'stdcopy: a stream cut inside a frame is a ProtocolError, at a boundary it is not',
  weight: 2,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(framesArb, fc.nat(), (frames, at) => {
          const encoded = frames.map(([s, p]) => frame(s, p));
          const wire = Buffer.concat(encoded);
          const cut = wire.length === 0 ? 0 : at % (wire.length + 1);
          const boundaries = new Set<number>([0]);
          let pos = 0;
          for (const f of encoded) boundaries.add((pos += f.length));
          const got = demux([wire.subarray(0, cut)], true);
          const atBoundary = boundaries.has(cut);
          if (atBoundary && got.error !== undefined) throw new Error(`clean cut failed: ${got.error}`);
          if (!atBoundary && !got.error?.startsWith('ProtocolError')) throw new Error(`cut at ${cut} went unnoticed`);
        }),
        { numRuns, seed },
      ),
    ),
};

// ---------------------------------------------------------------------------------------
// NDJSON

const lineEndArb = fc.constantFrom('\n', '\r\n', ' \n', '\n\n', '\n \n');

const jsonLinesRoundTrip: FuzzTarget = {
  name: 'NDJSON: JSON values, one per line (CRLF, blank lines), split anywhere (inside UTF-8 too), come out equal',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.jsonValue({ maxDepth: 3 }), lineEndArb), { maxLength: 8 }), fc.boolean(), cutsArb, (lines, finalNewline, cuts) => {
          let text = lines.map(([v, end]) => JSON.stringify(v) + end).join('');
          if (!finalNewline) text = text.replace(/[\r\n ]+$/, '');
          const got = decodeLines(split(Buffer.from(text, 'utf8'), cuts));
          if (got.error !== undefined) throw new Error(`valid stream failed: ${got.error}`);
          const want = lines.map(([v]) => JSON.parse(JSON.stringify(v)) as unknown);
          if (JSON.stringify(got.values) !== JSON.stringify(want)) throw new Error('values changed, lost or invented');
        }),
        { numRuns, seed },
      ),
    ),
};

const jsonLinesArbitrary: FuzzTarget = {
  name: 'NDJSON: arbitrary bytes fail only with ProtocolError, the same however split; lines over the cap are refused',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.uint8Array({ maxLength: 40 }),
              fc.constantFrom('\n', '{', '}', '"', '\\', '\r\n', '[1,2]\n', '{"a":1}\n', '\u00e9', '\ud83d\ude00').map((s) => Buffer.from(s)),
              fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(`${JSON.stringify(v)}\n`)),
            ),
            { maxLength: 12 },
          ),
          cutsArb,
          fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
          (parts, cuts, maxLineBytes) => {
            const wire = Buffer.concat(parts);
            const whole = decodeLines([wire], maxLineBytes);
            const pieces = decodeLines(split(wire, cuts), maxLineBytes);
            // The error message may say "at least N bytes" for a line still incomplete: compare its class and the values.
            if (JSON.stringify(whole.values) !== JSON.stringify(pieces.values) || (whole.error === undefined) !== (pieces.error === undefined)) {
              throw new Error(`chunking changed the result: ${JSON.stringify(whole)} vs ${JSON.stringify(pieces)}`);
            }
            if (maxLineBytes !== undefined && whole.error === undefined) {
              for (const line of wire.toString('latin1').split('\n')) {
                if (Buffer.byteLength(line.replace(/\r$/, ''), 'latin1') > maxLineBytes && line.trim() !== '') throw new Error('a line over the cap was accepted');
              }
            }
          },
        ),
        { numRuns, seed },
      ),
    ),
};

// ---------------------------------------------------------------------------------------
// Error bodies from a (hostile) daemon

const errorBodies: FuzzTarget = {
  name: 'error bodies: any status and body give a typed error with a bounded message, URL passwords scrubbed',
  weight: 2,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(
          fc.integer({ min: 300, max: 599 }),
          fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.string({ maxLength: 300 }).map((s) => Buffer.from(s))),
          secretArb,
          fc.constantFrom('json', 'text'),
          (status, noise, secret, shape) => {
            const url = `https://robot:${secret}@registry.example/v2/`;
            const msg = `${noise.toString('utf8')} Get ${url}: unauthorized`;
            const body = shape === 'json' ? Buffer.from(JSON.stringify({ message: msg })) : Buffer.from(msg);
            const err = errorFromStatus(status, body, { operation: 'ImageCreate', endpoint: 'unix:///x.sock' });
            if (!(err instanceof DockerError)) throw new Error('not a DockerError');
            if (err.statusCode !== status && !(status === 400 && err.name === 'ConnectionError')) throw new Error('status lost');
            if (err.message.length > 2000 + 300) throw new Error(`message of ${err.message.length} chars`);
            // The scrubber works on what survives the 2000-character cut of plain-text bodies.
            if (msg.length < 1800) {
              assertNoSecret(err.message, secret, 'the error message');
              assertNoSecret(err.daemonMessage ?? '', secret, 'daemonMessage');
            }
          },
        ),
        { numRuns, seed },
      ),
    ),
};

// ---------------------------------------------------------------------------------------
// DOCKER_HOST

const hostChars = fc.constantFrom(...'abcxyz019.-_:/@[]%?#~ +'.split(''));
const hostArb = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.tuple(fc.constantFrom('unix', 'tcp', 'http', 'https', 'ssh', 'npipe', 'fd', 'UNIX', 'Tcp', 'ftp', ''), fc.constantFrom('://', ':/', '://///', ':'), fc.string({ unit: hostChars, maxLength: 40 })).map(
    ([s, sep, rest]) => s + sep + rest,
  ),
  // user@host forms, with %-escapes good and bad.
  fc
    .tuple(
      fc.constantFrom('ssh', 'tcp', 'https'),
      fc.array(fc.constantFrom('me', '%E0', '%41', '%', '%zz', ':', 'x', '@'), { maxLength: 4 }),
      fc.constantFrom('host', 'host:22', '[::1]:2', 'h/p', ''),
    )
    .map(([s, user, host]) => `${s}://${user.join('')}@${host}`),
);

const dockerHost: FuzzTarget = {
  name: 'DOCKER_HOST: any string parses to a well-formed host or fails with InvalidParameterError',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(hostArb, (value) => {
          let parsed;
          try {
            parsed = parseDockerHost(value);
          } catch (err) {
            if (!(err instanceof InvalidParameterError)) throw new Error(`${JSON.stringify(value)}: ${(err as Error)?.name}: ${(err as Error)?.message}`);
            return;
          }
          if (parsed.kind === 'unix') {
            if (!parsed.socketPath.startsWith('/')) throw new Error(`relative socket path from ${JSON.stringify(value)}`);
          } else if (parsed.kind === 'npipe') {
            if (!/^\\\\[^\\]+\\pipe\\./.test(parsed.pipePath)) throw new Error(`not a pipe path: ${JSON.stringify(parsed.pipePath)} from ${JSON.stringify(value)}`);
          } else {
            if (parsed.host === '') throw new Error(`empty host from ${JSON.stringify(value)}`);
            if (parsed.port !== undefined && !(Number.isInteger(parsed.port) && parsed.port >= 1 && parsed.port <= 65535)) throw new Error(`port ${parsed.port}`);
          }
        }),
        { numRuns, seed },
      ),
    ),
};

const dockerHostSecrets: FuzzTarget = {
  name: 'DOCKER_HOST: a password in the URL never appears in the error',
  weight: 2,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(
          fc.constantFrom('tcp', 'http', 'https', 'ssh'),
          fc.constantFrom('me', 'root', 'a.b', ''),
          secretArb,
          fc.constantFrom('host', 'host:2376', '127.0.0.1:22', '[::1]:22', 'host/var/run/docker.sock', 'host:22/run/docker.sock', 'h:x'),
          (scheme, user, secret, rest) => {
            const value = `${scheme}://${user}:${secret}@${rest}`;
            try {
              const parsed = parseDockerHost(value);
              assertNoSecret(JSON.stringify(parsed), secret, `the parse of ${value}`);
            } catch (err) {
              if (!(err instanceof InvalidParameterError)) throw new Error(`${value}: ${(err as Error)?.name}`);
              assertNoSecret(err.message, secret, 'the error message');
            }
          },
        ),
        { numRuns, seed },
      ),
    ),
};

// ---------------------------------------------------------------------------------------
// The docker CLI's context store

/** Temp dirs live on tmpfs when there is one: this target writes two files per input. */
function scratchRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

const metaArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record(
    {
      Name: fc.oneof(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })),
      Metadata: fc.jsonValue({ maxDepth: 1 }),
      Endpoints: fc.oneof(
        fc.constant(null),
        fc.jsonValue({ maxDepth: 2 }),
        fc.record({ docker: fc.oneof(fc.constant(null), fc.record({ Host: fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })), SkipTLSVerify: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] })) }, { requiredKeys: [] }),
      ),
    },
    { requiredKeys: [] },
  ).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
);

function makeContextStore(): FuzzTarget {
  let root: string | undefined;
  return {
    name: 'context store: any config.json and meta.json read as a context or fail with InvalidParameterError, credentials never echoed',
    weight: 1,
    async check(numRuns, seed) {
      root ??= await mkdtemp(join(scratchRoot(), 'dockline-fuzz-ctx-'));
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom('default', 'remote', 'ctx-1', '../x', '')),
          fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.string({ maxLength: 16 })),
          secretArb,
          fc.boolean(),
          metaArb,
          fc.constantFrom('json', 'broken', 'binary'),
          async (name, current, secret, writeMeta, meta, configShape) => {
            // One folder, reset per input: only the store's files change between inputs.
            const dir = root!;
            await rm(join(dir, 'contexts'), { recursive: true, force: true });
            const config =
              configShape === 'json'
                ? JSON.stringify({ auths: { 'registry.example': { auth: secret } }, currentContext: current })
                : configShape === 'broken'
                  ? `{"auths":{"registry.example":{"auth":"${secret}"}},"currentContext":`
                  : `\u0000${secret}\u00ff`;
            await writeFile(join(dir, 'config.json'), config);
            if (writeMeta) {
              const metaDir = join(dir, 'contexts', 'meta', contextStoreId(name));
              await mkdir(metaDir, { recursive: true });
              await writeFile(join(metaDir, 'meta.json'), meta);
            }
            for (const step of [() => readCurrentContext(dir), () => loadContext(name, { configDir: dir, source: 'DOCKER_CONTEXT' }), () => listContexts(dir)]) {
              try {
                const out = await step();
                if (Array.isArray(out)) for (const c of out) if (typeof c.host !== 'string') throw new Error('host not a string');
              } catch (err) {
                if (!(err instanceof InvalidParameterError)) throw new Error(`${(err as Error)?.name}: ${(err as Error)?.message}`);
                assertNoSecret(err.message, secret, 'the error message');
              }
            }
          },
        ),
        { numRuns, seed },
      );
    },
    async cleanup() {
      if (root) await rm(root, { recursive: true, force: true });
      root = undefined;
    },
  };
}


// ---------------------------------------------------------------------------------------
// HTTP/1.1 on own connections: the response head reader and the chunked-body decoder

/** Encode payload pieces as a chunked body (with optional extensions and a trailer). */
function chunkedWire(pieces: Uint8Array[], ext: boolean, trailer: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const p of pieces) {
    if (p.length === 0) continue;
    parts.push(Buffer.from(`${p.length.toString(16)}${ext ? ';x=1' : ''}\r\n`), Buffer.from(p), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0\r\n${trailer ? 'X-T: 1\r\n' : ''}\r\n`));
  return Buffer.concat(parts);
}

/** Decode `chunks` in order (each a fresh copy: the decoder compacts its input in place). */
function dechunk(chunks: Buffer[]): { payload: string; done: boolean; error: string | undefined } {
  const d = new ChunkedDecoder('fuzz');
  let payload = '';
  try {
    for (const c of chunks) payload += d.decode(Buffer.from(c)).toString('hex');
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { payload, done: d.done, error: err.message };
  }
  return { payload, done: d.done, error: undefined };
}

const chunkedRoundTrip: FuzzTarget = {
  name: 'chunked: valid bodies (extensions, trailers), split anywhere, decode to their payload, then done',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 12 }), fc.boolean(), fc.boolean(), cutsArb, fc.uint8Array({ maxLength: 20 }), (pieces, ext, trailer, cuts, after) => {
          const wire = Buffer.concat([chunkedWire(pieces, ext, trailer), Buffer.from(after)]);
          const got = dechunk(split(wire, cuts));
          if (got.error !== undefined) throw new Error(`valid body failed: ${got.error}`);
          if (!got.done) throw new Error('not done after the last chunk');
          if (got.payload !== Buffer.concat(pieces.map((p) => Buffer.from(p))).toString('hex')) throw new Error('payload changed');
        }),
        { numRuns, seed },
      ),
    ),
};

const chunkedArbitrary: FuzzTarget = {
  name: 'chunked: arbitrary bytes fail only with ProtocolError, the same however split, never more payload than input',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
            // Near-valid: a valid body with bytes flipped.
            fc.tuple(fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 5 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 })).map(([pieces, flips]) => {
              const wire = chunkedWire(pieces, false, false);
              for (const [at, v] of flips) wire[at % wire.length] = v;
              return wire;
            }),
          ),
          cutsArb,
          (wire, cuts) => {
            const whole = dechunk([wire]);
            const pieces = dechunk(split(wire, cuts));
            if ((whole.error === undefined) !== (pieces.error === undefined) || whole.done !== pieces.done) {
              throw new Error(`split changed the outcome: ${JSON.stringify(whole)} vs ${JSON.stringify(pieces)}`);
            }
            if (whole.error === undefined && whole.payload !== pieces.payload) throw new Error('split changed the payload');
            if (whole.payload.length / 2 > wire.length) throw new Error('more payload than input');
          },
        ),
        { numRuns, seed },
      ),
    ),
};

/** Feed a head reader `chunks`: the parsed head and what followed it, or the typed error. */
function readHead(chunks: Buffer[]): { status?: number; headers?: Record<string, string>; rest?: string; error?: string } {
  const r = new HeadReader('fuzz', 'unix:///fuzz.sock');
  const rest: Buffer[] = [];
  let head: { statusCode: number; headers: Record<string, string> } | undefined;
  try {
    for (const c of chunks) {
      if (head) {
        rest.push(c);
        continue;
      }
      const got = r.push(c);
      if (got) {
        head = got.head;
        rest.push(got.rest);
        bodyFraming(got.head, 'GET', 'fuzz');
      }
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    if (err.message.length > 400) throw new Error('error message not bounded');
    return { error: err.message };
  }
  return head ? { status: head.statusCode, headers: head.headers, rest: Buffer.concat(rest).toString('hex') } : {};
}

const headerNameArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const headerValueArb = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);

const httpHeadRoundTrip: FuzzTarget = {
  name: 'HTTP head: valid heads, split anywhere, parse to their status and headers, and the bytes after are kept',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(
          fc.integer({ min: 100, max: 599 }),
          fc.uniqueArray(fc.tuple(headerNameArb, headerValueArb), { maxLength: 12, selector: ([n]) => n.toLowerCase() }),
          fc.uint8Array({ maxLength: 50 }),
          cutsArb,
          (status, headers, after, cuts) => {
            const safe = headers.filter(([n]) => !['content-length', 'transfer-encoding'].includes(n.toLowerCase()));
            const text = `HTTP/1.1 ${status} Reason\r\n${safe.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
            const wire = Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from(after)]);
            const got = readHead(split(wire, cuts));
            if (got.error !== undefined) throw new Error(`valid head failed: ${got.error}`);
            if (got.status !== status) throw new Error(`status ${got.status} != ${status}`);
            for (const [n, v] of safe) if (got.headers![n.toLowerCase()] !== v) throw new Error(`header ${n} lost`);
            if (got.rest !== Buffer.from(after).toString('hex')) throw new Error('bytes after the head changed');
          },
        ),
        { numRuns, seed },
      ),
    ),
};

const httpHeadArbitrary: FuzzTarget = {
  name: 'HTTP head: arbitrary bytes fail only with a bounded ProtocolError, the same however split; oversized heads are refused',
  weight: 3,
  check: (numRuns, seed) =>
    Promise.resolve(
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
            fc.tuple(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 })).map(([a, b]) => Buffer.from(`HTTP/1.1 200 OK\r\n${a}\r\n${b}\r\n\r\n`, 'latin1')),
            fc.nat(4).map((n) => Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES + n)}`)),
          ),
          cutsArb,
          (wire, cuts) => {
            const whole = readHead([wire]);
            const pieces = readHead(split(wire, cuts));
            if (JSON.stringify(whole) !== JSON.stringify(pieces)) throw new Error(`split changed the outcome: ${JSON.stringify(whole).slice(0, 200)} vs ${JSON.stringify(pieces).slice(0, 200)}`);
            if (wire.length > MAX_HEAD_BYTES + 4 && whole.status === undefined && whole.error === undefined) throw new Error('an oversized head was neither parsed nor refused');
          },
        ),
        { numRuns, seed },
      ),
    ),
};

// ---------------------------------------------------------------------------------------
// demuxStream: a Readable is read through its events, any other source through its
// iterator (codecs/pump.ts); both must write the same bytes and fail the same way.

interface PumpResult {
  out: string;
  err: string;
  error: string | undefined;
}

/** A Writable that takes `delay` turns of the event loop per write: buffers fill, 'drain' comes later. */
function slowSink(highWaterMark: number, delay: 0 | 1 | 2, parts: string[]): Writable {
  return new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk.toString('hex'));
      if (delay === 0) cb();
      else if (delay === 1) queueMicrotask(() => cb());
      else setImmediate(cb);
    },
  });
}

async function pumpOnce(chunks: Buffer[], asReadable: boolean, hwm: number, delay: 0 | 1 | 2, end: boolean): Promise<PumpResult> {
  let i = 0;
  const source: AsyncIterable<Buffer> = asReadable
    ? new Readable({
        highWaterMark: 16,
        read() {
          this.push(i < chunks.length ? chunks[i++] : null);
        },
      })
    : (async function* () {
        for (const c of chunks) yield c;
      })();
  return demuxInto(source, hwm, delay, end);
}

/** demuxStream from `source` into two slow sinks; typed errors are part of the result. */
async function demuxInto(source: AsyncIterable<Buffer>, hwm: number, delay: 0 | 1 | 2, end = false): Promise<PumpResult> {
  const out: string[] = [];
  const err: string[] = [];
  const sinks = [slowSink(hwm, delay, out), slowSink(hwm, delay, err)] as const;
  let error: string | undefined;
  try {
    await demuxStream(source, { stdout: sinks[0], stderr: sinks[1] }, { end });
  } catch (e) {
    if (!(e instanceof ProtocolError) && !(e instanceof ServerError)) throw e;
    error = `${e.name}: ${e.message}`;
  }
  // What was written before a failure may still sit in a sink's buffer: compare once it is through.
  while (sinks.some((w) => w.writableLength > 0)) await new Promise((r) => setImmediate(r));
  return { out: out.join(''), err: err.join(''), error };
}

const pumpPaths: FuzzTarget = {
  name: 'demuxStream: a Readable source and an iterated one write the same bytes and fail alike, under any backpressure',
  weight: 1,
  check: (numRuns, seed) =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 200 })).map(([s, p]) => frame(s, p)), fc.uint8Array({ minLength: 1, maxLength: 12 })), { maxLength: 12 }),
        cutsArb,
        fc.integer({ min: 1, max: 512 }),
        fc.constantFrom<0 | 1 | 2>(0, 1, 2),
        fc.boolean(),
        async (pieces, cuts, hwm, delay, end) => {
          const chunks = split(Buffer.concat(pieces), cuts).filter((c) => c.length > 0);
          const viaEvents = await pumpOnce(chunks, true, hwm, delay, end);
          const viaIterator = await pumpOnce(chunks, false, hwm, delay, end);
          if (JSON.stringify(viaEvents) !== JSON.stringify(viaIterator)) {
            throw new Error(`the two paths differ: ${JSON.stringify(viaEvents)} vs ${JSON.stringify(viaIterator)}`);
          }
        },
      ),
      { numRuns, seed },
    ),
};

// ---------------------------------------------------------------------------------------
// A streamed response body read by demuxStream straight off its connection (core's
// direct-read.ts: no 'data' events), over a real unix socket: the bytes come however the
// server's writes were cut, as HTTP chunks of any size, read whole (a plain socket, through
// its 'data' events or through net's onread), in pieces (a transport handing a Duplex of its
// own, as SSH does) or record by record (a TLS socket given onread), sniffed first or not.
// It must write what demuxStream writes from an iterated source of the same payload.

function makeDirectBody(): FuzzTarget {
  let dir: string | undefined;
  let server: Server | undefined;
  let tlsServer: Server | undefined;
  const pipelines: Partial<Record<SocketKind, Pipeline>> = {};
  /** What the server answers to the next request. */
  let wire: Buffer[] = [];

  const start = async (): Promise<{ path: string; tlsPath: string }> => {
    dir = await mkdtemp(join(scratchRoot(), 'dockline-fuzz-direct-'));
    const path = join(dir, 'd.sock');
    const tlsPath = join(dir, 't.sock');
    const answer = (socket: Socket): void => {
      let head = '';
      socket.on('error', () => undefined);
      const onData = (d: Buffer): void => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        const pieces = wire;
        let i = 0;
        // One write per turn of the loop, so that the pieces mostly arrive as separate reads.
        const next = (): void => {
          if (socket.destroyed) return;
          if (i === pieces.length) return void socket.end();
          socket.write(pieces[i++]!, () => setImmediate(next));
        };
        next();
      };
      socket.on('data', onData);
    };
    server = createServer(answer);
    tlsServer = createTlsServer({ ...PSK_TLS, pskCallback: () => PSK }, answer);
    await new Promise<void>((resolve) => server!.listen(path, resolve));
    await new Promise<void>((resolve) => tlsServer!.listen(tlsPath, resolve));
    return { path, tlsPath };
  };

  const transport = (paths: { path: string; tlsPath: string }, kind: SocketKind): Transport => ({
    kind: 'unix',
    endpoint: `unix://${paths.path}`,
    connect: ({ onread }) =>
      new Promise<Duplex>((resolve, reject) => {
        if (kind === 'tls') {
          const t = tlsConnect({ path: paths.tlsPath, ...PSK_TLS, pskCallback: () => ({ psk: PSK, identity: 'fuzz' }), checkServerIdentity: () => undefined, onread } as ConnectionOptions);
          t.once('error', reject);
          t.once('secureConnect', () => resolve(t));
          return;
        }
        const sock = kind === 'onread' && onread ? connect({ path: paths.path, onread }) : connect(paths.path);
        sock.once('error', reject);
        sock.once('connect', () => resolve(kind === 'wrapped' ? wrap(sock) : sock));
      }),
    close: async () => undefined,
  });

  return {
    name: 'demuxStream reading a streamed body directly off its connection (its events or onread) writes what it writes from an iterated source, however the bytes come',
    weight: 1,
    async check(numRuns, seed) {
      if (server === undefined) {
        const paths = await start();
        for (const kind of SOCKET_KINDS) pipelines[kind] = createPipeline({ transport: transport(paths, kind) });
      }
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 200 })).map(([st, p]) => frame(st, p)), fc.uint8Array({ minLength: 1, maxLength: 12 })), { maxLength: 8 }),
          cutsArb,
          cutsArb,
          fc.integer({ min: 1, max: 512 }),
          fc.constantFrom<0 | 1 | 2>(0, 1, 2),
          fc.constantFrom(...SOCKET_KINDS),
          fc.boolean(),
          async (pieces, chunkCuts, wireCuts, hwm, delay, kind, sniff) => {
            const body = Buffer.concat(pieces);
            const chunks = split(body, chunkCuts).filter((c) => c.length > 0);
            const encoded = Buffer.concat([
              Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
              ...chunks.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]),
              Buffer.from('0\r\n\r\n'),
            ]);
            wire = split(encoded, wireCuts).filter((c) => c.length > 0);
            const pipeline = pipelines[kind]!;
            const res = await pipeline.send({ operation: 'ContainerLogs', method: 'GET', path: '/containers/x/logs', route: '/containers/{id}/logs', response: 'stream', idempotent: true, longRunning: true });
            const stream = res.stream!;
            if (sniff) {
              // api's isMultiplexed on an engine that sends no Content-Type: the first byte, put back.
              await new Promise((r) => stream.once('readable', r));
              const first = stream.read(1) as Buffer | null;
              if (first !== null) stream.unshift(first);
            }
            const direct = await demuxInto(stream, hwm, delay);
            const iterated = await pumpOnce(chunks, false, hwm, delay, false);
            if (JSON.stringify(direct) !== JSON.stringify(iterated)) {
              throw new Error(`the direct read differs: ${JSON.stringify(direct)} vs ${JSON.stringify(iterated)}`);
            }
          },
        ),
        { numRuns, seed },
      );
    },
    async cleanup() {
      for (const kind of SOCKET_KINDS) await pipelines[kind]?.close();
      for (const s of [server, tlsServer]) await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * How the body's connection delivers its reads: a net.Socket's 'data' events, a Duplex of
 * the transport's own around one (wrap), a net.Socket given core's onread, or a TLS socket
 * given it (one call per TLS record, even after pause()).
 */
const SOCKET_KINDS = ['plain', 'wrapped', 'onread', 'tls'] as const;
type SocketKind = (typeof SOCKET_KINDS)[number];

/** TLS with a pre-shared key: real TLS records over a unix socket, no certificates to make. */
const PSK = Buffer.from('dockline fuzz key, not a secret');
const PSK_TLS = { ciphers: 'PSK-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' } as const;

/** A Duplex of the transport's own around a socket (as an SSH channel is): one push per read, not a net.Socket. */
function wrap(sock: Socket): Duplex {
  const d = new Duplex({
    read() {
      sock.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      sock.write(chunk, cb);
    },
    destroy(err, cb) {
      sock.destroy();
      cb(err);
    },
  });
  sock.on('data', (c: Buffer) => {
    if (!d.push(c)) sock.pause();
  });
  sock.on('end', () => d.push(null));
  sock.on('error', (e) => d.destroy(e));
  return d;
}

/** Every target, fresh (the context store one holds a temp dir). */
export function fuzzTargets(): FuzzTarget[] {
  return [
    stdcopyRoundTrip,
    stdcopyArbitrary,
    stdcopyTruncated,
    jsonLinesRoundTrip,
    jsonLinesArbitrary,
    chunkedRoundTrip,
    chunkedArbitrary,
    httpHeadRoundTrip,
    httpHeadArbitrary,
    pumpPaths,
    makeDirectBody(),
    errorBodies,
    dockerHost,
    dockerHostSecrets,
    makeContextStore(),
  ];
}
