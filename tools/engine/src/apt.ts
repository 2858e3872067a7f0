// Finds the programs the engine needs; as root, installs the missing Debian packages
// (CI runs on a fresh machine where nothing installed by hand survives).
import { openSync, readSync, closeSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { isRoot, run, which } from './proc.ts';

interface Requirement {
  key: keyof Tools;
  /** a name looked up on PATH, or an absolute path when the package fixes it */
  bin: string;
  pkg: string;
  /** busybox goes into an empty image: it must not need a dynamic loader */
  mustBeStatic?: boolean;
}

export interface Tools {
  dockerd: string;
  containerd: string;
  runc: string;
  docker: string;
  busybox: string;
  registry: string;
  htpasswd: string;
  sshd: string;
  ssh: string;
  sshKeygen: string;
  openssl: string;
  tar: string;
  /** network namespaces, veth pairs and the hub bridge of the cluster */
  ip: string;
  nsenter: string;
  prometheus: string;
}

const REQUIREMENTS: readonly Requirement[] = [
  { key: 'dockerd', bin: 'dockerd', pkg: 'docker.io' },
  { key: 'containerd', bin: 'containerd', pkg: 'containerd' },
  { key: 'runc', bin: 'runc', pkg: 'runc' },
  { key: 'docker', bin: 'docker', pkg: 'docker.io' },
  { key: 'busybox', bin: '/bin/busybox', pkg: 'busybox-static', mustBeStatic: true },
  { key: 'registry', bin: 'docker-registry', pkg: 'docker-registry' },
  { key: 'htpasswd', bin: 'htpasswd', pkg: 'apache2-utils' },
  // sshd re-executes itself and insists on an absolute path.
  { key: 'sshd', bin: '/usr/sbin/sshd', pkg: 'openssh-server' },
  { key: 'ssh', bin: 'ssh', pkg: 'openssh-client' },
  { key: 'sshKeygen', bin: 'ssh-keygen', pkg: 'openssh-client' },
  { key: 'openssl', bin: 'openssl', pkg: 'openssl' },
  { key: 'tar', bin: 'tar', pkg: 'tar' },
  { key: 'ip', bin: 'ip', pkg: 'iproute2' },
  { key: 'nsenter', bin: 'nsenter', pkg: 'util-linux' },
  // The metrics backend of prometheus.ts (started on demand, not by ensureEngine).
  { key: 'prometheus', bin: 'prometheus', pkg: 'prometheus' },
];

interface Missing {
  bin: string;
  pkg: string;
  why: string;
}

function probe(): { tools: Partial<Tools>; missing: Missing[] } {
  const tools: Partial<Tools> = {};
  const missing: Missing[] = [];
  for (const r of REQUIREMENTS) {
    const path = which(r.bin);
    if (!path) missing.push({ bin: r.bin, pkg: r.pkg, why: 'not found' });
    else if (r.mustBeStatic && !isStaticElf(path))
      missing.push({ bin: r.bin, pkg: r.pkg, why: 'dynamically linked (package busybox, not busybox-static)' });
    else tools[r.key] = path;
  }
  return { tools, missing };
}

function describe(missing: Missing[]): string {
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  return (
    `missing: ${missing.map((m) => `${m.bin} (${m.why}; Debian package ${m.pkg})`).join(', ')}. ` +
    `Install as root: apt-get update && apt-get install -y ${pkgs.join(' ')}`
  );
}

let aptUpdated = false;

/**
 * Resolves every program the engine needs. Missing ones are installed with apt-get when
 * we are root; otherwise the error names exactly the binaries and packages to install.
 */
export async function ensureTools(aptLog: string, log: (line: string) => void): Promise<Tools> {
  let { tools, missing } = probe();
  if (missing.length === 0) return tools as Tools;
  if (!isRoot()) throw new Error(`dockline engine: ${describe(missing)}`);

  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  log(`installing Debian packages: ${pkgs.join(' ')} (log: ${aptLog})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    if (!aptUpdated) {
      const u = await run('apt-get', ['update'], { env, timeoutMs: 600_000 });
      await appendFile(aptLog, u.stdout + u.stderr);
      aptUpdated = true;
    }
    // No recommends: they bring apparmor, git, needrestart... nothing the engine uses.
    const i = await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], {
      env,
      timeoutMs: 900_000,
    });
    await appendFile(aptLog, i.stdout + i.stderr);
  } catch (e) {
    throw new Error(`dockline engine: apt-get failed for ${pkgs.join(' ')}: ${(e as Error).message}`);
  }
  ({ tools, missing } = probe());
  if (missing.length > 0) throw new Error(`dockline engine: still ${describe(missing)}`);
  return tools as Tools;
}

/** An ELF file without a PT_INTERP program header runs without a dynamic loader. */
function isStaticElf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    // Only 64-bit little-endian ELF is checked; anything else is trusted.
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return true;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (ph.readUInt32LE(i * phentsize) === 3 /* PT_INTERP */) return false;
    }
    return true;
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
