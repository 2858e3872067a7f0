// Measurements that need a fresh process (heap and RSS baselines of one client alone): run a
// bench module as a child with this process's loader flags, and read its one JSON line.
import { spawn } from 'node:child_process';

/**
 * Runs `module` (a path) with `args` as its one JSON argument and resolves with the last
 * line it printed, parsed; rejects with its stderr when it exits non-zero or prints no JSON.
 * @param label names the child in errors ("follow child (dockline)")
 */
export function runJsonChild<T>(module: string, args: unknown, label: string): Promise<T> {
  return new Promise((resolve, reject) => {
    // The same loader flags as this process (--conditions, --import tsx).
    const child = spawn(process.execPath, [...process.execArgv, module, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`exited ${code}`);
        resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
      } catch (e) {
        reject(new Error(`${label} failed (${e instanceof Error ? e.message : String(e)}): ${err.trim()}`));
      }
    });
  });
}
