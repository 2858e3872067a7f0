// The machine a run happened on, for BENCHMARKS.md.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { DockerClient } from '@dockline/api';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memory: string;
  kernel: string;
  node: string;
  dockerd: string;
  apiVersion: string;
  storageDriver: string;
  loadStart: string;
  loadEnd?: string;
  date: string;
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

export async function describeMachine(admin: DockerClient, storageDriver: string): Promise<MachineInfo> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const version = await admin.version();
  return {
    cpus: os.availableParallelism(),
    cpuModel: model,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    dockerd: version.Version ?? 'unknown',
    apiVersion: version.ApiVersion ?? 'unknown',
    storageDriver,
    loadStart: load(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

export function finishMachine(m: MachineInfo): void {
  m.loadEnd = load();
}

export function machineLines(m: MachineInfo): string[] {
  return [
    `- CPUs: ${m.cpus} (\`nproc\`), ${m.cpuModel}`,
    `- Memory: ${m.memory}; kernel ${m.kernel}`,
    `- Node ${m.node}; dockerd ${m.dockerd} (API ${m.apiVersion}, ${m.storageDriver}), the private engine of tools/engine`,
    `- Load average (1/5/15 min) at start: ${m.loadStart}; at end: ${m.loadEnd ?? '?'}`,
    `- Run at ${m.date}`,
  ];
}
