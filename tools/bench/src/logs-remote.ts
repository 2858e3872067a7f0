// Logs of 37-byte lines over mutual TLS and over SSH (issue #17): the logs workload's
// fixture, read by dockline and dockerode through the engine's TLS port and its sshd.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Readable } from 'node:stream';
import Dockerode from 'dockerode';
import { createClient, type DockerClient } from '@dockline/api';
import { sshTransport } from '@dockline/transport-ssh';
import { tcpTransport, tlsFromCertPath } from '@dockline/transport-tcp-tls';
import { modemDemux } from './demux.ts';
import { RAW_API_VERSION } from './clients.ts';
import { ensureLogsContainer } from './fixtures.ts';
import { logsTable } from './logs.ts';
import { check, compare, formatBytes, formatRatio, medianOf, MiB, ratio, type Samples, type Subject } from './measure.ts';
import { CountingSink } from './sinks.ts';
import type { BenchContext, Workload, WorkloadReport } from './workload.ts';

const DOCKLINE = 'dockline logs()';
const DOCKERODE = 'dockerode + demuxStream';
const TLS_FLOOR = 'bare TLS socket paced 1 ms, read only (floor)';

interface TlsFiles {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * The floor over TLS: not a client, a bare TLS socket (the same certificates) that sends the
 * GET, reads into one reused buffer (onread, as dockline's TLS transport does), counts the
 * bytes without parsing HTTP or demultiplexing, and paces as dockline does: per burst (the
 * records of one socket read, which end when the event loop turns: Node runs microtasks
 * after each record), a burst under 16 KiB that came within 2 ms of the previous one pauses
 * the socket for 1 ms. The daemon writes each line as its own TLS record, so what this
 * costs is mostly the records' decryption and Node's callback per record, which any client
 * pays.
 */
function pacedTlsRead(t: TlsFiles, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let burst = 0;
    let queued = false;
    let last = -Infinity;
    const flush = (): void => {
      queued = false;
      const now = performance.now();
      if (burst < 16 * 1024 && now - last < 2) {
        s.pause();
        setTimeout(() => s.resume(), 1);
      }
      last = now;
      burst = 0;
    };
    const s = tlsConnect({
      host: t.host,
      port: t.port,
      ca: t.ca,
      cert: t.cert,
      key: t.key,
      // net.Socket's option, which tls.connect hands on (not in its typings).
      onread: {
        buffer: Buffer.allocUnsafe(64 * 1024),
        callback: (n: number) => {
          bytes += n;
          burst += n;
          if (!queued) {
            queued = true;
            setImmediate(flush);
          }
          return true;
        },
      },
    } as ConnectionOptions);
    s.once('secureConnect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: ${t.host}\r\nConnection: close\r\n\r\n`));
    s.on('error', reject);
    s.on('end', () => resolve(bytes));
  });
}

function subjects(id: string, payloadBytes: number, dl: DockerClient, dr: Dockerode, tlsFloor?: TlsFiles): Subject[] {
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
    ...(tlsFloor === undefined
      ? []
      : [
          {
            name: TLS_FLOOR,
            batch: async () => {
              const n = await pacedTlsRead(tlsFloor, `/${RAW_API_VERSION}/containers/${id}/logs?follow=1&stdout=1&stderr=1`);
              if (n < payloadBytes) throw new Error(`read ${n} bytes, expected more than ${payloadBytes}`);
              return { ops: 1, bytes: payloadBytes };
            },
          },
        ]),
  ];
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
    const [ca, cert, key] = (await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((f) => readFile(join(tls.certDir, f))))) as [Buffer, Buffer, Buffer];
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
      const overTls = await compare(subjects(id, bytes, dlTls, drTls, { host: tls.host, port: tls.port, ca, cert, key }), { runs, log: ctx.log });
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
          `Client CPU is process.cpuUsage() around one whole read (the CPU of ssh2's and TLS's work in this process included). ` +
          `"${TLS_FLOOR}" is not a client but the floor of one that paces as dockline does: a bare TLS socket that reads into ` +
          `one reused buffer (onread, as dockline's TLS transport does) and counts bytes without parsing HTTP or ` +
          `demultiplexing, waiting 1 ms after a small burst of records.`,
        tables: [logsTable(overTls, `mutual TLS, ${formatBytes(bytes)}`), logsTable(overSsh, `SSH, ${formatBytes(bytes)}`)],
        checks: [
          check('logs 37-byte lines over TLS: client CPU <= 0.40x dockerode', cpuRatio(overTls), '<=', 0.4),
          {
            target: 'logs 37-byte lines over TLS: floor (bare TLS socket, paced) CPU vs dockerode (report)',
            measured: formatRatio(ratio(medianOf(overTls.get(TLS_FLOOR)!, (x) => x.cpuMs), medianOf(overTls.get(DOCKERODE)!, (x) => x.cpuMs))),
            met: null,
          },
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
