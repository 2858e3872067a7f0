import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Duplex } from 'node:stream';
import { ConnectionError, type Transport } from '@dockline/core';

export interface CommandTransportOptions {
  /** The program to run, e.g. 'docker'. Run directly, never through a shell. */
  command: string;
  /** Its arguments. Default: none. */
  args?: readonly string[] | undefined;
  /** Its environment. Default: this process's. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Its working directory. Default: this process's. */
  cwd?: string | undefined;
  /**
   * What errors and spans call this endpoint. Default `command://<command> <args>`. Keep
   * secrets out of it (and out of `args`, which other users of the machine can read in ps).
   */
  endpoint?: string | undefined;
}

/** Most of the command's stderr kept for error messages. */
const MAX_STDERR = 16 * 1024;

/**
 * A Transport whose connections are a local command's stdin and stdout, one process per
 * connection: what the docker CLI's connection helpers do (`ssh host docker system
 * dial-stdio` for ssh:// hosts). Anything that relays bytes to a daemon fits:
 *
 *   commandTransport({ command: 'docker', args: ['system', 'dial-stdio'], env: { ...process.env, DOCKER_HOST } })
 *   commandTransport({ command: 'socat', args: ['-', 'UNIX-CONNECT:/var/run/docker.sock'] })
 *   commandTransport({ command: 'kubectl', args: ['exec', '-i', 'dind-0', '--', 'docker', 'system', 'dial-stdio'] })
 *
 * Core does the rest: HTTP over the stream, keep-alive pooling (a pooled connection is a
 * process kept alive; an idle one is killed after the pool's keep-alive timeout), and
 * hijacked attach/exec streams, whose half-close is the end of the command's stdin.
 */
export function commandTransport(options: CommandTransportOptions): Transport {
  const { command, args = [], env, cwd } = options;
  if (typeof command !== 'string' || command === '') {
    throw new TypeError('commandTransport({ command }) needs a program to run');
  }
  const endpoint = options.endpoint ?? `command://${[command, ...args].join(' ')}`;
  const live = new Set<ChildProcessWithoutNullStreams>();
  let closed = false;

  return {
    kind: 'command',
    endpoint,
    host: 'localhost',
    networkTransport: 'pipe',

    connect({ signal } = {}) {
      return new Promise<Duplex>((resolve, reject) => {
        if (closed) {
          reject(new ConnectionError(`cannot connect to the Docker daemon at ${endpoint}: the transport is closed`, { endpoint, connectFailed: true }));
          return;
        }
        if (signal?.aborted) {
          reject(Object.assign(new Error('connect aborted'), { name: 'AbortError' }));
          return;
        }
        const child = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
        live.add(child);
        child.once('close', () => live.delete(child));
        const onAbort = () => void stop(child);
        signal?.addEventListener('abort', onAbort, { once: true });
        // 'spawn' and 'error' settle the connect: the process started, or could not start
        // (ENOENT: no such program, EACCES: not executable).
        child.once('spawn', () => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) {
            void stop(child);
            reject(Object.assign(new Error('connect aborted'), { name: 'AbortError' }));
            return;
          }
          resolve(new CommandStream(child, endpoint));
        });
        child.once('error', (err: NodeJS.ErrnoException) => {
          signal?.removeEventListener('abort', onAbort);
          const why = err.code === 'ENOENT' ? `\`${command}\` was not found on the PATH` : `\`${command}\` could not be started (${err.message})`;
          reject(new ConnectionError(`cannot connect to the Docker daemon at ${endpoint} (command): ${why}`, { endpoint, cause: err, connectFailed: true }));
        });
      });
    },

    async close() {
      closed = true;
      await Promise.all([...live].map(stop));
    },
  };
}

/** Grace period between closing a command's pipes and SIGKILL. */
const KILL_AFTER_MS = 1000;

/**
 * Stop a command: close its pipes (EOF on its stdin; a write to its stdout fails) and send
 * SIGTERM, then SIGKILL if it is still there a second later. Closing the pipes matters:
 * `docker system dial-stdio` ignores SIGTERM, but exits at EOF or on a broken stdout.
 */
function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    timer.unref();
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin.destroy();
    child.stdout.destroy();
    child.stderr.destroy();
    child.kill('SIGTERM');
  });
}

/**
 * The command's stdin and stdout as one socket-like Duplex. Like a net.Socket: our end()
 * half-closes (ends the command's stdin), the command's end of stdout ends the readable
 * side, destroy() stops the command. One twist: a command that exits with a failure before
 * writing a single byte (a relay that could not reach the daemon) destroys the stream with
 * a ConnectionError quoting its stderr, rather than looking like a daemon that hung up.
 */
class CommandStream extends Duplex {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #endpoint: string;
  #bytesIn = 0;
  #stderr = '';
  #exited = false;

  constructor(child: ChildProcessWithoutNullStreams, endpoint: string) {
    super({ allowHalfOpen: false });
    this.#child = child;
    this.#endpoint = endpoint;
    child.stdout.on('data', (chunk: Buffer) => {
      this.#bytesIn += chunk.length;
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (this.#stderr.length < MAX_STDERR) this.#stderr += text.slice(0, MAX_STDERR - this.#stderr.length);
    });
    // Writing to a command that already exited is EPIPE; its exit is reported below.
    child.stdin.on('error', () => undefined);
    // 'close' comes after the exit and after stdout and stderr ended, so the exit status
    // is known when deciding between a clean end and a failure.
    child.once('close', (code, signal) => {
      this.#exited = true;
      if (this.destroyed) return;
      if (this.#bytesIn === 0 && (code !== 0 || signal !== null)) {
        const status = code !== null ? `exited with ${code}` : `was killed by ${signal}`;
        const stderr = this.#stderr.trim();
        this.destroy(
          new ConnectionError(`cannot connect to the Docker daemon at ${this.#endpoint} (command): it ${status}${stderr ? `: ${stderr}` : ''}`, {
            endpoint: this.#endpoint,
            // Nothing came back: the daemon never answered this connection.
            connectFailed: true,
          }),
        );
        return;
      }
      this.push(null);
    });
  }

  override _read(): void {
    this.#child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // A command that closed its stdin before answering anything is most likely about to
    // fail: its exit (the 'close' handler above) says whether the daemon was reached and
    // why, so a broken pipe waits for it instead of being the error.
    const failed = (err: Error): void => {
      if (this.#bytesIn === 0 && !this.#exited) this.#child.once('close', () => callback(err));
      else callback(err);
    };
    if (this.#child.stdin.destroyed) {
      failed(Object.assign(new Error('the command closed its stdin'), { code: 'EPIPE' }));
      return;
    }
    this.#child.stdin.write(chunk, (err) => (err ? failed(err) : callback()));
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Half-close: the command sees EOF on stdin (dial-stdio then shuts down the write side
    // of its daemon connection, and an exec's `cat` sees EOF).
    this.#child.stdin.end(callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    void stop(this.#child);
    callback(err);
  }

  // undici unrefs an idle pooled connection so it does not keep the process alive, as it
  // would a net.Socket: do the same for the process and its pipes.
  ref(): this {
    this.#child.ref();
    for (const s of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) (s as { ref?: () => void }).ref?.();
    return this;
  }

  unref(): this {
    this.#child.unref();
    for (const s of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) (s as { unref?: () => void }).unref?.();
    return this;
  }
}
