// Logs of 37-byte lines over mutual TLS and over SSH (issue #17): the logs workload's
// fixture, read by dockline and dockerode through the engine's TLS port and its sshd.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { createClient, type DockerClient } from '@dockline/api';
import { sshTransport } from '@dockline/transport-ssh';
import { tcpTransport, tlsFromCertPath } from '@dockline/transport-tcp-tls';
import { modemDemux } from './demux.ts';
import { ensureLogsContainer } from './fixtures.ts';
import { check, compare, cpuSecondsPerGiB, fmt, formatBytes, formatRatio, medianOf, mibPerSecond, MiB, ratio, type Samples, type Subject } from './measure.ts';
import { CountingSink } from './sinks.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';

const DOCKLINE = 'dockline logs()';
const DOCKERODE = 'dockerode + demuxStream';

function subjects(id: string, payloadBytes: number, dl: DockerClient, dr: Dockerode): Subject[] {
  const done = (sink: CountingSink) => {
    // A client that dropped lines would look cheap: check every byte arrived.
    if (sink.bytes !== payloadBytes) throw new Error(`logs delivered ${sink.bytes} payload bytes, expected ${payloadBytes}`);
    return { ops: 1, bytes: payloadBytes };
  };
  return [
    {
      name: DOCKLINE,
      // The first call negotiates the version and opens the transport (SSH handshake): not timed.
      warmup: async () => void (await dl.ping()),
      batch: async () => {
        const sink = new CountingSink();
        await dl.logs(id, { follow: true, stdout: true, stderr: true }, { stdout: sink, stderr: sink });
        return done(sink);
      },
    },
    {
      name: DOCKERODE,
      warmup: async () => void (await dr.ping()),
      batch: async () => {
        const sink = new CountingSink();
        const stream = (await dr.getContainer(id).logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
        await modemDemux(dr.modem, stream, sink, sink);
        return done(sink);
      },
    },
  ];
}

function table(samples: Samples, caption: string): ReportTable {
  const drCpu = medianOf(samples.get(DOCKERODE)!, (s) => s.cpuMs);
  return {
    caption,
    headers: ['client', 'client CPU s', 'CPU vs dockerode', 'CPU s/GiB', 'wall s', 'MiB/s'],
    rows: [...samples].map(([name, s]) => {
      const cpu = medianOf(s, (x) => x.cpuMs);
      return [name, fmt(cpu / 1000, 2), formatRatio(ratio(cpu, drCpu)), fmt(medianOf(s, cpuSecondsPerGiB), 2), fmt(medianOf(s, (x) => x.wallMs) / 1000, 1), fmt(medianOf(s, mibPerSecond), 1)];
    }),
  };
}

const cpuRatio = (s: Samples): number => ratio(medianOf(s.get(DOCKLINE)!, (x) => x.cpuMs), medianOf(s.get(DOCKERODE)!, (x) => x.cpuMs));

export const logsRemoteWorkload: Workload = {
  id: 'logs-remote',
  title: 'Logs of 37-byte lines over TLS and SSH',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const { tls, ssh } = ctx.engine;
    const bytes = (ctx.quick ? 4 : 64) * MiB;
    const runs = ctx.quick ? ctx.runs : Math.min(ctx.runs, 3);
    const id = await ensureLogsContainer(ctx, '37b', bytes);

    const dlTls = createClient({ transport: tcpTransport({ host: tls.host, port: tls.port, tls: tlsFromCertPath(tls.certDir) }) });
    const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((f) => readFile(join(tls.certDir, f))));
    const drTls = new Dockerode({ protocol: 'https', host: tls.host, port: tls.port, ca, cert, key });

    const privateKey = await readFile(ssh.privateKeyPath);
    const dlSsh = createClient({
      transport: sshTransport({
        host: ssh.host,
        port: ssh.port,
        username: ssh.username,
        privateKey,
        knownHosts: ssh.knownHostsPath,
        socketPath: ctx.engine.socketPath,
        mode: 'streamlocal',
        configFile: false,
        agent: false,
      }),
    });
    const drSsh = new Dockerode({ protocol: 'ssh', host: ssh.host, port: ssh.port, username: ssh.username, sshOptions: { privateKey } });
    try {
      ctx.log(`logs-remote: TLS, ${formatBytes(bytes)} of 37-byte lines, ${runs} runs`);
      const overTls = await compare(subjects(id, bytes, dlTls, drTls), { runs, log: ctx.log });
      ctx.log(`logs-remote: SSH, ${formatBytes(bytes)} of 37-byte lines, ${runs} runs`);
      const overSsh = await compare(subjects(id, bytes, dlSsh, drSsh), { runs, log: ctx.log });
      return {
        id: 'logs-remote',
        title: 'Logs of 37-byte lines over TLS and SSH',
        setup:
          `The logs workload's exited container that wrote ${formatBytes(bytes)} of 37-byte lines, read with follow=1 and ` +
          `demultiplexed into a Writable that discards (every payload byte checked), over the engine's mutual-TLS port ` +
          `(127.0.0.1, client certificate) and through its sshd. dockline: createClient({ transport: tcpTransport({ tls: ` +
          `tlsFromCertPath(dir) }) }) and sshTransport({ mode: 'streamlocal' }) (one SSH connection, a channel per HTTP ` +
          `connection), default middleware. dockerode: { protocol: 'https', ca, cert, key } and { protocol: 'ssh' } (a new ` +
          `SSH connection running \`docker system dial-stdio\` per request), container.logs() and modem.demuxStream(). ` +
          `Client CPU is process.cpuUsage() around one whole read (the CPU of ssh2's and TLS's work in this process included).`,
        tables: [table(overTls, `mutual TLS, ${formatBytes(bytes)}`), table(overSsh, `SSH, ${formatBytes(bytes)}`)],
        checks: [
          check('logs 37-byte lines over TLS: client CPU <= 0.40x dockerode', cpuRatio(overTls), '<=', 0.4),
          check('logs 37-byte lines over SSH: client CPU <= 0.40x dockerode', cpuRatio(overSsh), '<=', 0.4),
        ],
        notes: runs < ctx.runs ? [`${runs} runs, not ${ctx.runs}: each read takes a while at the daemon's pace.`] : [],
        runs,
      };
    } finally {
      await Promise.all([dlTls.close(), dlSsh.close()]);
    }
  },
};
