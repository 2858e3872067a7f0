import type { Readable, Writable } from 'node:stream';

/**
 * Where the bytes of a logs, attach or exec stream go: the kubelet's libdocker
 * `StreamOptions`. The caller's writables are written to with backpressure and never
 * ended or destroyed; the call settles once the stream ended and everything handed to
 * them was processed.
 */
export interface StreamOptions {
  /**
   * Piped to the container (attach, exec start). Its end half-closes the connection's
   * write side, which closes the process's stdin (with `StdinOnce` for attach).
   * Without it the write side is half-closed at once, as the docker CLI and kubelet do.
   */
  stdin?: Readable | undefined;
  /** Receives stdout (and, with a TTY, everything the terminal prints). Absent: discarded. */
  stdout?: Writable | undefined;
  /** Receives stderr (never used with a TTY: the terminal merges it into stdout). Absent: discarded. */
  stderr?: Writable | undefined;
  /**
   * true: the stream is raw terminal output (a TTY): copied to `stdout` untouched.
   * false: it is multiplexed (stdcopy frames) and split into stdout/stderr.
   * Absent (recommended): the client finds out from the container's `Config.Tty` (logs,
   * attach) or the exec's `ProcessConfig.tty` (exec start). Content-Type cannot tell on
   * API 1.41 (ENGINE.md).
   */
  rawTerminal?: boolean | undefined;
  /**
   * Called once the stream is attached (after the daemon's 101/200 answer, before output
   * is read): the moment to resize a TTY (the kubelet does). A throw rejects the call and
   * closes the connection.
   */
  onStarted?: (() => void) | undefined;
}
