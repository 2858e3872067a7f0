// A private dockerd: its own socket, data root, exec root and containerd, serving the
// unix socket and a mutual-TLS TCP port at once. No bridge, no iptables: containers
// run with NetworkMode none because this machine forbids private-range traffic.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tools } from './apt.ts';
import { ping, request, type Target } from './http.ts';
import {
  findProcesses,
  isAlive,
  isOurProcess,
  portIsFree,
  freePort,
  readPidFile,
  removeFile,
  sleep,
  socketAccepts,
  spawnDetached,
  tail,
  terminate,
  terminateAll,
} from './proc.ts';
import type { Layout } from './state.ts';

export const unixTarget = (l: Layout): Target => ({ socketPath: l.docker.socket });

export async function tlsTarget(l: Layout, port: number, withClientCert = true): Promise<Target> {
  const dir = l.certs.clientDir;
  const [ca, cert, key] = await Promise.all(
    ['ca.pem', 'cert.pem', 'key.pem'].map((f) => readFile(join(dir, f))),
  );
  return { host: '127.0.0.1', port, tls: withClientCert ? { ca: ca!, cert, key } : { ca: ca! } };
}

export interface DockerdHealth {
  pid: number;
  apiVersion: string;
}

/** Healthy = pid file names a live dockerd, and it answers /_ping on the socket and on TLS. */
export async function checkDockerd(l: Layout, tlsPort: number | undefined, problems: string[]): Promise<DockerdHealth | undefined> {
  const pid = await readPidFile(l.docker.pidFile);
  if (!isOurProcess(pid, 'dockerd')) {
    problems.push(pid ? `dockerd pid ${pid} (from ${l.docker.pidFile}) is not running` : `dockerd is not running (no ${l.docker.pidFile})`);
    return undefined;
  }
  let apiVersion: string;
  try {
    apiVersion = await ping(unixTarget(l));
  } catch (e) {
    problems.push(`dockerd pid ${pid} does not answer on ${l.docker.socket}: ${(e as Error).message}`);
    return undefined;
  }
  if (!tlsPort) {
    problems.push('no TLS port recorded in state.json');
    return undefined;
  }
  try {
    await ping(await tlsTarget(l, tlsPort));
  } catch (e) {
    problems.push(`dockerd pid ${pid} does not answer TLS on 127.0.0.1:${tlsPort}: ${(e as Error).message}`);
    return undefined;
  }
  return { pid, apiVersion };
}

/** Stops our dockerd, the containerd it spawned and leftover shims; removes pid files and socket. */
export async function stopDockerd(l: Pick<Layout, 'docker'>): Promise<void> {
  const d = l.docker;
  const pid = await readPidFile(d.pidFile);
  // dockerd stops its containers (up to 10 s each, in parallel) before it exits.
  await terminateAll(
    [isOurProcess(pid, 'dockerd') ? pid : undefined, ...(await findProcesses(`unix://${d.socket}`, 'dockerd'))],
    45_000,
  );
  // dockerd normally stops its containerd; one left behind (dockerd killed) is ours to end.
  const cpid = await readPidFile(d.containerdPidFile);
  await terminateAll(
    [isOurProcess(cpid, 'containerd') ? cpid : undefined, ...(await findProcesses(join(d.execRoot, 'containerd', 'containerd.toml'), 'containerd'))],
    15_000,
  );
  // Container shims outlive a SIGKILLed dockerd/containerd; ours name our containerd socket.
  await terminateAll(await findProcesses(join(d.execRoot, 'containerd', 'containerd.sock'), 'containerd-shim'), 5000);
  await removeFile(d.pidFile);
  await removeFile(d.containerdPidFile);
  if (!(await socketAccepts(d.socket))) await removeFile(d.socket);
}

export interface StartedDockerd extends DockerdHealth {
  tlsPort: number;
  storageDriver: string;
}

/**
 * Starts dockerd (stale pid file/socket cleared first) and waits for /_ping. The storage
 * driver is dockerd's own pick (overlay2 here) unless one is pinned; if dockerd dies on
 * its graph driver we retry once with vfs, which works anywhere.
 */
export async function startDockerd(
  tools: Tools,
  l: Layout,
  opts: { tlsPort?: number; storageDriver?: string; log: (line: string) => void },
): Promise<StartedDockerd> {
  await stopDockerd(l);
  await mkdir(l.docker.dataRoot, { recursive: true, mode: 0o710 });
  await mkdir(l.docker.execRoot, { recursive: true, mode: 0o700 });
  // Our own (empty) daemon.json: /etc/docker/daemon.json on this machine must not leak in.
  const configFile = join(l.stateDir, 'daemon.json');
  await writeFile(configFile, '{}\n');

  const tlsPort = opts.tlsPort && (await portIsFree(opts.tlsPort)) ? opts.tlsPort : await freePort();
  const pinned = process.env.DOCKLINE_ENGINE_STORAGE_DRIVER || opts.storageDriver;
  try {
    return await launch(tools, l, configFile, tlsPort, pinned, opts.log);
  } catch (e) {
    const log = await tail(l.docker.log, 40);
    if (pinned || !/graphdriver|overlay|storage.driver/i.test(log)) throw e;
    opts.log(`dockerd failed with the default storage driver, retrying with vfs`);
    await stopDockerd(l);
    return await launch(tools, l, configFile, tlsPort, 'vfs', opts.log);
  }
}

async function launch(
  tools: Tools,
  l: Layout,
  configFile: string,
  tlsPort: number,
  storageDriver: string | undefined,
  log: (line: string) => void,
): Promise<StartedDockerd> {
  const c = l.certs;
  const args = [
    '--config-file', configFile,
    '--host', `unix://${l.docker.socket}`,
    '--data-root', l.docker.dataRoot,
    '--exec-root', l.docker.execRoot,
    '--pidfile', l.docker.pidFile,
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    // No host networking changes at all.
    '--ip-forward=false',
    '--tlsverify',
    '--tlscacert', c.ca,
    '--tlscert', c.serverCert,
    '--tlskey', c.serverKey,
    '-H', `tcp://127.0.0.1:${tlsPort}`,
    ...(storageDriver ? ['--storage-driver', storageDriver] : []),
  ];
  log(`starting dockerd (TLS port ${tlsPort}${storageDriver ? `, storage ${storageDriver}` : ''})`);
  await writeFile(l.docker.log, `\n--- ${new Date().toISOString()} dockerd ${args.join(' ')}\n`, { flag: 'a' });
  // dockerd finds containerd and runc on PATH; a non-login PATH may lack the sbin dirs.
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin` };
  // dockerd reads DOCKER_TLS_VERIFY, DOCKER_CERT_PATH... as flag defaults: the caller's must not leak in.
  for (const k of Object.keys(env)) if (k.startsWith('DOCKER_')) delete env[k];
  const pid = await spawnDetached(tools.dockerd, args, l.docker.log, env);

  const deadline = Date.now() + 45_000;
  let lastError = '';
  for (;;) {
    if (!isAlive(pid)) {
      throw new Error(`dockerd exited during startup. Tail of ${l.docker.log}:\n${await tail(l.docker.log, 25)}`);
    }
    try {
      const apiVersion = await ping(unixTarget(l), 1000);
      await ping(await tlsTarget(l, tlsPort), 2000);
      const info = await request(unixTarget(l), { path: '/info' });
      const driver = (JSON.parse(info.body.toString()) as { Driver?: string }).Driver ?? 'unknown';
      return { pid, apiVersion, tlsPort, storageDriver: driver };
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      await terminate(pid);
      throw new Error(
        `dockerd did not answer /_ping within 45 s (${lastError}). Tail of ${l.docker.log}:\n${await tail(l.docker.log, 25)}`,
      );
    }
    await sleep(150);
  }
}

/** Waits briefly for a dockerd that is alive but not answering yet (e.g. still starting). */
export async function settleDockerd(l: Layout, tlsPort: number | undefined, ms: number): Promise<DockerdHealth | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const h = await checkDockerd(l, tlsPort, []);
    if (h || Date.now() > deadline) return h;
    await sleep(250);
  }
}
