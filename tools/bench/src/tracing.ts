// What tracing with a real OpenTelemetry SDK adds to a call, against what OpenTelemetry's own
// undici instrumentation adds to raw undici on the same /_ping calls (issue #21). Overhead is
// (traced - untraced) per call for each; the check is the ratio of the two overheads.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { createClient, type DockerClient } from '@dockline/api';
import type { TracingOptions } from '@dockline/middleware';
import type { Pool } from 'undici';
import { RAW_API_VERSION, undiciPool } from './clients.ts';
import { check, compare, cpuUsPerOp, fmt, formatRatio, medianOf, ratio, wallUsPerOp, type Check, type Samples, type Subject } from './measure.ts';
import { createOtelSdk, type OtelSdk } from './otel.ts';
import { runConcurrent } from './ping.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';

const RAW = 'undici (raw)';
const DL = 'dockline';
const RAW_CTX = 'undici (raw), context manager only';
const DL_CTX = 'dockline, context manager only';

/** One SDK setup: traces only, or traces and the duration metric. */
interface Setup {
  key: 'trace' | 'trace+metrics';
  sdk: OtelSdk;
  undici: string;
  folded: string;
  twoLevel: string;
}

interface Traced {
  name: string;
  op: () => Promise<unknown>;
  enter: () => void;
  leave: () => Promise<void>;
  /** Spans exported while this subject ran, and calls made (warm-up included). */
  spans: number;
  calls: number;
}

export const tracingWorkload: Workload = {
  id: 'tracing',
  title: 'Tracing cost with a real OTel SDK vs the undici instrumentation',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const socketPath = ctx.engine.socketPath;
    const host = `unix://${socketPath}`;
    const pool: Pool = undiciPool(socketPath);
    const rawPath = `/${RAW_API_VERSION}/_ping`;
    const rawPing = async (): Promise<void> => {
      const res = await pool.request({ method: 'GET', path: rawPath });
      await res.body.dump();
    };
    const clients: DockerClient[] = [];
    const client = (tracing?: TracingOptions): DockerClient => {
      const c = createClient({ host, tracing });
      clients.push(c);
      return c;
    };
    const plain = client();
    const setups: Setup[] = (['trace', 'trace+metrics'] as const).map((key) => ({
      key,
      sdk: createOtelSdk({ meter: key === 'trace+metrics' }),
      undici: `undici + instrumentation-undici (${key})`,
      folded: `dockline, default spans (${key})`,
      twoLevel: `dockline, spans: 'two-level' (${key})`,
    }));
    const instrumentations: UndiciInstrumentation[] = [];
    const traced: Traced[] = [];
    for (const s of setups) {
      // It subscribes to undici's diagnostics channels, which dockline's own undici publishes
      // to as well: enabled only while its subject runs. (Constructed enabled, then turned
      // off: built with `enabled: false` it would ignore every request even once enabled.)
      const instr = new UndiciInstrumentation();
      instr.disable();
      instr.setTracerProvider(s.sdk.tracerProvider);
      if (s.sdk.meterProvider) instr.setMeterProvider(s.sdk.meterProvider);
      instrumentations.push(instr);
      // The SDK's providers are given explicitly (as the instrumentation's are): a tracer taken
      // from the global proxy keeps delegating to the first SDK registered after trace.disable().
      const providers = { tracerProvider: s.sdk.tracerProvider, meterProvider: s.sdk.meterProvider };
      const folded = client(providers);
      const twoLevel = client({ ...providers, spans: 'two-level' });
      const mk = (name: string, op: () => Promise<unknown>, on?: () => void, off?: () => void): Traced => {
        const t: Traced = {
          name,
          op: () => {
            t.calls++;
            return op();
          },
          spans: 0,
          calls: 0,
          enter: () => {
            s.sdk.enable();
            on?.();
            spansAtEnter = s.sdk.spansExported;
          },
          leave: async () => {
            off?.();
            await s.sdk.disable();
            t.spans += s.sdk.spansExported - spansAtEnter;
          },
        };
        let spansAtEnter = 0;
        return t;
      };
      traced.push(
        mk(s.undici, rawPing, () => instr.enable(), () => instr.disable()),
        mk(s.folded, () => folded.ping()),
        mk(s.twoLevel, () => twoLevel.ping()),
      );
    }
    // The async-context tax alone: an AsyncLocalStorageContextManager registered (what every
    // SDK setup does), no tracer, meter or propagator. It is paid per promise, so it weighs on
    // a promise-heavy call path whatever the tracing code does.
    const ctxManager = new AsyncLocalStorageContextManager();
    const ctxOnly = {
      enter: () => void context.setGlobalContextManager(ctxManager.enable()),
      leave: async () => {
        context.disable();
      },
    };
    const subjects = (n: number, width: number): Subject[] => {
      const plainSubjects = [
        { name: RAW, op: rawPing },
        { name: DL, op: () => plain.ping() },
        { name: RAW_CTX, op: rawPing, ...ctxOnly },
        { name: DL_CTX, op: () => plain.ping(), ...ctxOnly },
      ];
      return [...plainSubjects, ...traced].map((c) => ({
        name: c.name,
        enter: 'enter' in c ? c.enter : undefined,
        leave: 'leave' in c ? c.leave : undefined,
        warmup: () => runConcurrent(c.op, Math.min(n, 300), width),
        batch: async () => {
          await runConcurrent(c.op, n, width);
          return { ops: n };
        },
      }));
    };
    const seqN = ctx.quick ? 600 : 3000;
    const parN = ctx.quick ? 1200 : 6000;
    try {
      ctx.log(`tracing: sequential, ${seqN} per batch`);
      const seq = await compare(subjects(seqN, 1), { runs: ctx.runs, log: ctx.log });
      ctx.log(`tracing: 16 in parallel, ${parN} per batch`);
      const par = await compare(subjects(parN, 16), { runs: ctx.runs, log: ctx.log });
      const spansPerCall = traced.map((t) => `${t.name}: ${fmt(t.spans / t.calls, 2)}`).join('; ');
      return {
        id: 'tracing',
        title: 'Tracing cost with a real OTel SDK vs the undici instrumentation',
        setup:
          `GET /_ping over the engine's unix socket, ${seqN} sequential per batch then ${parN} with 16 in flight. ` +
          `The SDK is a BasicTracerProvider with a BatchSpanProcessor, AsyncLocalStorageContextManager and W3C propagator ` +
          `(plus, in the "trace+metrics" rows, a MeterProvider with a periodic reader), all exporters dropping everything. ` +
          `"undici + instrumentation-undici" is a raw undici Pool (the untraced anchor: "${RAW}") with ` +
          `@opentelemetry/instrumentation-undici enabled: one CLIENT span per request, traceparent injected, and the ` +
          `http.client.request.duration histogram when a MeterProvider is set. dockline is createClient() with the default ` +
          `middleware (anchor: "${DL}", no SDK registered); the "context manager only" rows register just the SDK's ` +
          `AsyncLocalStorageContextManager, whose cost is paid per promise on the whole call path; "default spans" is tracing() as shipped (one span per call when ` +
          `the call sent one request), "two-level" is tracing({ spans: 'two-level' }) (an operation span and a CLIENT span ` +
          `per request). Overhead = traced - untraced per call (CPU from process.cpuUsage, and wall), each against its own ` +
          `anchor in the same run; the ratio is dockline's overhead over the undici instrumentation's.`,
        tables: [table(seq, setups, 'sequential'), table(par, setups, '16 in parallel')],
        checks: [...checks(seq, setups, 'sequential'), ...checks(par, setups, '16-way')],
        notes: [`Spans exported per call: ${spansPerCall}.`],
      };
    } finally {
      for (const i of instrumentations) i.disable();
      for (const s of setups) await s.sdk.shutdown();
      await Promise.all([pool.close(), ...clients.map((c) => c.close())]);
    }
  },
};

type Stat = (s: import('./measure.ts').Sample) => number;

function overhead(samples: Samples, traced: string, anchor: string, stat: Stat): number {
  return medianOf(samples.get(traced)!, stat) - medianOf(samples.get(anchor)!, stat);
}

function table(samples: Samples, setups: Setup[], caption: string): ReportTable {
  const rows: string[][] = [];
  for (const name of [RAW, DL]) {
    rows.push([name, fmt(medianOf(samples.get(name)!, cpuUsPerOp), 1), fmt(medianOf(samples.get(name)!, wallUsPerOp), 1), '', '', '']);
  }
  for (const [name, anchor] of [
    [RAW_CTX, RAW],
    [DL_CTX, DL],
  ] as const) {
    rows.push([
      name,
      fmt(medianOf(samples.get(name)!, cpuUsPerOp), 1),
      fmt(medianOf(samples.get(name)!, wallUsPerOp), 1),
      fmt(overhead(samples, name, anchor, cpuUsPerOp), 1),
      fmt(overhead(samples, name, anchor, wallUsPerOp), 1),
      '',
    ]);
  }
  for (const s of setups) {
    const undiciCpu = overhead(samples, s.undici, RAW, cpuUsPerOp);
    for (const [name, anchor] of [
      [s.undici, RAW],
      [s.folded, DL],
      [s.twoLevel, DL],
    ] as const) {
      const cpuOver = overhead(samples, name, anchor, cpuUsPerOp);
      rows.push([
        name,
        fmt(medianOf(samples.get(name)!, cpuUsPerOp), 1),
        fmt(medianOf(samples.get(name)!, wallUsPerOp), 1),
        fmt(cpuOver, 1),
        fmt(overhead(samples, name, anchor, wallUsPerOp), 1),
        name === s.undici ? '1x' : formatRatio(ratio(cpuOver, undiciCpu)),
      ]);
    }
  }
  return {
    caption: `${caption}: per call, overhead = traced - its untraced anchor`,
    headers: ['subject', 'CPU µs/call', 'wall µs/call', 'CPU overhead µs', 'wall overhead µs', 'CPU overhead vs undici instr.'],
    rows,
  };
}

function checks(samples: Samples, setups: Setup[], label: string): Check[] {
  return setups.flatMap((s) => {
    const undiciCpu = overhead(samples, s.undici, RAW, cpuUsPerOp);
    const undiciWall = overhead(samples, s.undici, RAW, wallUsPerOp);
    const folded = ratio(overhead(samples, s.folded, DL, cpuUsPerOp), undiciCpu);
    return [
      check(`tracing ${label} (${s.key}): dockline CPU overhead <= 1.0x instrumentation-undici's`, folded, '<=', 1.0),
      {
        target: `tracing ${label} (${s.key}): wall overhead vs instrumentation-undici (report)`,
        measured: formatRatio(ratio(overhead(samples, s.folded, DL, wallUsPerOp), undiciWall)),
        met: null,
      },
      {
        target: `tracing ${label} (${s.key}): two-level CPU overhead vs instrumentation-undici (report)`,
        measured: formatRatio(ratio(overhead(samples, s.twoLevel, DL, cpuUsPerOp), undiciCpu)),
        met: null,
      },
    ];
  });
}
