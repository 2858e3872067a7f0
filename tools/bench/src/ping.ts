// GET /_ping over the unix socket, sequential and 16 in parallel: what the client adds to
// the cheapest request the daemon serves.
import { DockerClient, MAX_API_VERSION } from '@dockline/api';
import { compose, createPipeline, type DockerRequest, type DockerResponse, type Middleware } from '@dockline/core';
import { defaultMiddleware, retry, timeout, tracing, versionNegotiation } from '@dockline/middleware';
import { unixTransport } from '@dockline/transport-unix';
import type Dockerode from 'dockerode';
import type { Pool } from 'undici';
import { docklineBare, docklineDefault, dockerode, RAW_API_VERSION, undiciPool } from './clients.ts';
import {
  check,
  compare,
  cpuUsPerOp,
  fmt,
  formatRatio,
  medianOf,
  perSecond,
  ratio,
  type Check,
  type Samples,
  type Subject,
} from './measure.ts';
import { createOtelSdk } from './otel.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';

type Op = () => Promise<unknown>;

interface Contender {
  name: string;
  op: Op;
  enter?: () => void;
  leave?: () => Promise<void>;
}

export const RAW = 'undici (raw)';
export const DOCKLINE = 'dockline';
export const BARE = 'dockline, no middleware';
export const OTEL = 'dockline + OTel SDK';
export const DOCKERODE = 'dockerode';
export const RAW_SIGNAL = 'undici (raw) + AbortSignal';
export const RAW_DISPATCH = 'undici dispatch (raw)';

/** GET path with undici's lowest-level API: a handler that drops the body (what dockline's core uses). */
function dispatchPing(pool: Pool, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    pool.dispatch(
      { method: 'GET', path },
      {
        onRequestStart() {},
        onResponseData() {},
        onResponseEnd: () => resolve(),
        onResponseError: (_controller: unknown, err: Error) => reject(err),
      } as unknown as Parameters<Pool['dispatch']>[1],
    );
  });
}

/** n calls of op, `width` at a time (1: sequential). */
export async function runConcurrent(op: Op, n: number, width: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await op();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}

function subjects(contenders: Contender[], n: number, width: number): Subject[] {
  return contenders.map((c) => ({
    name: c.name,
    enter: c.enter,
    leave: c.leave,
    warmup: () => runConcurrent(c.op, Math.min(n, 300), width),
    batch: async () => {
      await runConcurrent(c.op, n, width);
      return { ops: n };
    },
  }));
}

function table(samples: Samples, caption: string): ReportTable {
  const raw = samples.get(RAW)!;
  const rawRate = medianOf(raw, perSecond);
  const rawCpu = medianOf(raw, cpuUsPerOp);
  return {
    caption,
    headers: ['client', 'pings/s', 'vs raw', 'CPU µs/ping', 'CPU vs raw'],
    rows: [...samples].map(([name, s]) => {
      const rate = medianOf(s, perSecond);
      const cpu = medianOf(s, cpuUsPerOp);
      return [name, fmt(rate, 0), formatRatio(ratio(rate, rawRate)), fmt(cpu, 1), formatRatio(ratio(cpu, rawCpu))];
    }),
  };
}

function checks(samples: Samples, label: string): Check[] {
  const raw = samples.get(RAW)!;
  const dl = samples.get(DOCKLINE)!;
  return [
    check(`ping ${label}: throughput >= 0.95x raw undici`, ratio(medianOf(dl, perSecond), medianOf(raw, perSecond)), '>=', 0.95),
    check(`ping ${label}: client CPU/request <= 1.15x raw undici`, ratio(medianOf(dl, cpuUsPerOp), medianOf(raw, cpuUsPerOp)), '<=', 1.15),
  ];
}

/**
 * Each default middleware alone, in process, around a terminal handler that answers at once:
 * CPU per call without any I/O (where dockline's overhead over raw undici comes from).
 */
async function middlewareBreakdown(runs: number, calls: number): Promise<ReportTable> {
  const terminal = async (req: DockerRequest): Promise<DockerResponse> => ({ statusCode: 200, headers: { 'api-version': '1.41' }, request: req });
  const req: DockerRequest = { operation: 'SystemPing', method: 'GET', path: '/_ping', route: '/_ping', response: 'empty', idempotent: true, longRunning: false };
  const t = tracing();
  const noop: Middleware = (r, next) => next(r);
  const variants: [string, Middleware[]][] = [
    ['none', []],
    ['5 pass-through layers (compose alone)', [noop, noop, noop, noop, noop]],
    ['versionNegotiation', [versionNegotiation({ maxVersion: MAX_API_VERSION })]],
    ['retry', [retry()]],
    ['timeout', [timeout()]],
    ['tracing + tracing.attempt (no SDK)', [t, t.attempt]],
    ['defaultMiddleware (all of them)', defaultMiddleware({ versionNegotiation: versionNegotiation({ maxVersion: MAX_API_VERSION }) })],
  ];
  const subjects: Subject[] = variants.map(([name, mw]) => {
    const h = compose(mw, terminal);
    const loop = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await h(req);
    };
    return { name, warmup: () => loop(20_000), batch: async () => (await loop(calls), { ops: calls }) };
  });
  const samples = await compare(subjects, { runs });
  return {
    caption: 'where the default middleware costs: each layer alone, in process, around a handler that answers at once (no I/O)',
    headers: ['middleware', 'CPU µs/call'],
    rows: [...samples].map(([name, x]) => [name, fmt(medianOf(x, cpuUsPerOp), 2)]),
  };
}

/**
 * The same, over the socket: sequential pings through a pipeline holding one default
 * middleware at a time. Objects that live across the I/O wait cost more than in process.
 */
async function layersOverSocket(ctx: BenchContext, n: number): Promise<ReportTable> {
  const socketPath = ctx.engine.socketPath;
  const client = (mw: Middleware[]): DockerClient => new DockerClient({ pipeline: createPipeline({ transport: unixTransport({ socketPath }), middleware: mw }) });
  const t = tracing();
  const variants: [string, DockerClient][] = [
    ['none (dockline, no middleware)', client([])],
    ['versionNegotiation', client([versionNegotiation({ maxVersion: MAX_API_VERSION })])],
    ['retry', client([retry()])],
    ['timeout', client([timeout()])],
    ['tracing + tracing.attempt (no SDK)', client([t, t.attempt])],
    ['defaultMiddleware (all of them)', client(defaultMiddleware({ versionNegotiation: versionNegotiation({ maxVersion: MAX_API_VERSION }) }))],
    ['createClient() (the same, as users get it)', docklineDefault(socketPath)],
  ];
  try {
    const samples = await compare(subjects(variants.map(([name, c]) => ({ name, op: () => c.ping() })), n, 1), { runs: ctx.runs, log: ctx.log });
    const base = medianOf(samples.get(variants[0]![0])!, cpuUsPerOp);
    return {
      caption: 'where the default middleware costs over the socket: sequential pings through one middleware at a time',
      headers: ['middleware', 'CPU µs/ping', 'added µs/ping'],
      rows: [...samples].map(([name, x]) => {
        const cpu = medianOf(x, cpuUsPerOp);
        return [name, fmt(cpu, 1), name === variants[0]![0] ? '' : fmt(cpu - base, 1)];
      }),
    };
  } finally {
    await Promise.all(variants.map(([, c]) => c.close()));
  }
}

export const pingWorkload: Workload = {
  id: 'ping',
  title: '/_ping over unix',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const socketPath = ctx.engine.socketPath;
    const pool: Pool = undiciPool(socketPath);
    const dl: DockerClient = docklineDefault(socketPath);
    const bare: DockerClient = docklineBare(socketPath);
    const withOtel: DockerClient = docklineDefault(socketPath);
    const dr: Dockerode = dockerode(socketPath);
    const sdk = createOtelSdk();
    let otelCalls = 0;
    const rawPath = `/${RAW_API_VERSION}/_ping`;
    const contenders: Contender[] = [
      {
        name: RAW,
        op: async () => {
          const res = await pool.request({ method: 'GET', path: rawPath });
          await res.body.dump();
        },
      },
      {
        // What one AbortController per request (the timeout middleware's) costs undici alone.
        name: RAW_SIGNAL,
        op: async () => {
          const res = await pool.request({ method: 'GET', path: rawPath, signal: new AbortController().signal });
          await res.body.dump();
        },
      },
      {
        // undici's lowest-level API, which dockline's core is built on: the floor below raw request().
        name: RAW_DISPATCH,
        op: () => dispatchPing(pool, rawPath),
      },
      { name: DOCKLINE, op: () => dl.ping() },
      { name: BARE, op: () => bare.ping() },
      {
        name: OTEL,
        op: () => {
          otelCalls++;
          return withOtel.ping();
        },
        enter: () => sdk.enable(),
        leave: () => sdk.disable(),
      },
      { name: DOCKERODE, op: () => dr.ping() },
    ];
    const seqN = ctx.quick ? 600 : 3000;
    const parN = ctx.quick ? 1200 : 6000;
    try {
      ctx.log(`ping: sequential, ${seqN} per batch`);
      const seq = await compare(subjects(contenders, seqN, 1), { runs: ctx.runs, log: ctx.log });
      ctx.log(`ping: 16 in parallel, ${parN} per batch`);
      const par = await compare(subjects(contenders, parN, 16), { runs: ctx.runs, log: ctx.log });
      ctx.log('ping: middleware layers alone (no I/O)');
      const breakdown = await middlewareBreakdown(ctx.runs, ctx.quick ? 20_000 : 200_000);
      ctx.log(`ping: middleware layers over the socket, ${seqN} per batch`);
      const overSocket = await layersOverSocket(ctx, seqN);
      const otelCost = (s: Samples): string => {
        const d = medianOf(s.get(DOCKLINE)!, cpuUsPerOp);
        const o = medianOf(s.get(OTEL)!, cpuUsPerOp);
        return `${fmt(o - d, 1)} µs/ping (${formatRatio(ratio(o, d))} of dockline without an SDK)`;
      };
      return {
        id: 'ping',
        title: '/_ping over unix',
        setup:
          `GET /_ping over the engine's unix socket: ${seqN} sequential requests per batch, then ${parN} with 16 in flight. ` +
          `Raw undici is a Pool over the socket with nothing on top (GET /${RAW_API_VERSION}/_ping, body dumped). ` +
          `dockline is createClient() with the default middleware (tracing with no SDK, timeout, retry, version negotiation); ` +
          `"no middleware" is a pipeline with an empty middleware array; "+ OTel SDK" registers a tracer provider ` +
          `(batch span processor), meter provider, W3C propagator and async context whose exporters drop everything. ` +
          `"undici (raw) + AbortSignal" is raw undici given a fresh AbortController's signal per request (what a deadline ` +
          `per call costs when done with a signal). "undici dispatch (raw)" is undici's lowest-level API with a handler ` +
          `that drops the body: what dockline's core is built on, and a floor below raw request().`,
        tables: [table(seq, 'sequential'), table(par, '16 in parallel'), overSocket, breakdown],
        checks: [
          ...checks(seq, 'sequential'),
          ...checks(par, '16-way'),
          { target: 'ping sequential: cost of a registered OTel SDK (report)', measured: otelCost(seq), met: null },
          { target: 'ping 16-way: cost of a registered OTel SDK (report)', measured: otelCost(par), met: null },
        ],
        notes: [
          `The OTel exporter received ${sdk.spansExported} spans for ${otelCalls} calls ` +
            `(the default folded layout: one span per call, plus the version ping's on the first call).`,
        ],
      };
    } finally {
      await sdk.shutdown();
      await Promise.all([pool.close(), dl.close(), bare.close(), withOtel.close()]);
    }
  },
};
