// Sequential /_ping over SSH: dockline's transport (one SSH connection, a streamlocal channel
// per pooled HTTP connection), dockerode (a new SSH connection and `docker system dial-stdio`
// per request), and raw ssh2 + undici over one connection (the limit).
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import Dockerode from 'dockerode';
import { Client as SshClient } from 'ssh2';
import { Pool } from 'undici';
import { createClient } from '@dockline/api';
import { sshTransport } from '@dockline/transport-ssh';
import { RAW_API_VERSION } from './clients.ts';
import { check, compare, cpuUsPerOp, fmt, formatRatio, medianOf, perSecond, ratio, type Samples, type Subject } from './measure.ts';
import { runConcurrent } from './ping.ts';
import type { BenchContext, ReportTable, Workload, WorkloadReport } from './workload.ts';

const DOCKLINE = 'dockline (sshTransport, streamlocal)';
const DOCKERODE = 'dockerode (ssh)';
const RAW = 'ssh2 + undici, one connection';

function connectSsh(host: string, port: number, username: string, privateKey: Buffer): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const c = new SshClient();
    c.once('ready', () => resolve(c));
    c.once('error', reject);
    c.connect({ host, port, username, privateKey });
  });
}

function table(samples: Samples): ReportTable {
  const dr = medianOf(samples.get(DOCKERODE)!, perSecond);
  const raw = medianOf(samples.get(RAW)!, perSecond);
  return {
    headers: ['client', 'pings/s', 'vs dockerode', 'vs raw', 'CPU µs/ping'],
    rows: [...samples].map(([name, s]) => {
      const rate = medianOf(s, perSecond);
      return [name, fmt(rate, 1), formatRatio(ratio(rate, dr)), formatRatio(ratio(rate, raw)), fmt(medianOf(s, cpuUsPerOp), 0)];
    }),
  };
}

export const sshWorkload: Workload = {
  id: 'ssh',
  title: '/_ping over SSH',
  async run(ctx: BenchContext): Promise<WorkloadReport> {
    const { host, port, username, privateKeyPath, knownHostsPath } = ctx.engine.ssh;
    const socketPath = ctx.engine.socketPath;
    const privateKey = await readFile(privateKeyPath);

    const transport = sshTransport({ host, port, username, privateKey, knownHosts: knownHostsPath, socketPath, mode: 'streamlocal', configFile: false, agent: false });
    const dl = createClient({ transport });
    const dr = new Dockerode({ protocol: 'ssh', host, port, username, sshOptions: { privateKey } });
    const ssh = await connectSsh(host, port, username, privateKey);
    const pool = new Pool('http://localhost', {
      connections: 1,
      connect: (_opts, cb) => {
        ssh.openssh_forwardOutStreamLocal(socketPath, (err, channel) => {
          (cb as (e: Error | null, s: Duplex | null) => void)(err ?? null, err ? null : channel);
        });
      },
    });
    const rawPath = `/${RAW_API_VERSION}/_ping`;
    const n = ctx.quick ? 200 : 1000;
    // dockerode makes a new SSH connection per request (a few per second): fewer pings.
    const drN = ctx.quick ? 3 : 20;
    const mk = (name: string, count: number, op: () => Promise<unknown>): Subject => ({
      name,
      warmup: () => runConcurrent(op, Math.min(count, 20), 1),
      batch: async () => {
        await runConcurrent(op, count, 1);
        return { ops: count };
      },
    });
    try {
      ctx.log(`ssh: ${n} sequential pings (dockerode ${drN})`);
      const samples = await compare(
        [
          mk(DOCKLINE, n, () => dl.ping()),
          mk(DOCKERODE, drN, () => dr.ping()),
          mk(RAW, n, async () => {
            const res = await pool.request({ method: 'GET', path: rawPath });
            await res.body.dump();
          }),
        ],
        { runs: ctx.runs, log: ctx.log },
      );
      const rate = (name: string): number => medianOf(samples.get(name)!, perSecond);
      const stats = transport.stats();
      return {
        id: 'ssh',
        title: '/_ping over SSH',
        setup:
          `Sequential GET /_ping through the engine's sshd (127.0.0.1, ed25519 key): ${n} per batch for dockline and raw, ` +
          `${drN} for dockerode. dockline is createClient({ transport: sshTransport({ mode: 'streamlocal', ... }) }) with the ` +
          `default middleware; dockerode's ssh opens a new SSH connection per request and runs \`docker system dial-stdio\` ` +
          `(reaching this daemon through sshd's SetEnv DOCKER_HOST); raw is one ssh2 connection with a ` +
          `direct-streamlocal channel under an undici Pool of one connection.`,
        tables: [table(samples)],
        checks: [
          check('ssh ping: dockline >= 100x dockerode', ratio(rate(DOCKLINE), rate(DOCKERODE)), '>=', 100),
          check('ssh ping: dockline >= 0.8x raw ssh2 + undici', ratio(rate(DOCKLINE), rate(RAW)), '>=', 0.8),
        ],
        notes: [`dockline's transport made ${stats.handshakes} SSH handshake(s) and opened ${stats.channelsOpened} channel(s) for all its pings.`],
      };
    } finally {
      await Promise.all([dl.close(), pool.close()]);
      ssh.end();
    }
  },
};
