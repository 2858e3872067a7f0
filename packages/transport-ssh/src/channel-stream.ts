import { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';

const MAX_STDERR = 16 * 1024;

export interface DialStdioExit {
  code: number | undefined;
  signal: string | undefined;
  stderr: string;
}

export interface DialStdioHooks {
  /** First byte from the daemon: the remote command works. */
  onFirstByte(): void;
  /**
   * The command ended without sending one byte, with a failure: return the error to
   * destroy the stream with (so undici and hijack callers see it), or undefined to end it.
   */
  onFailure(exit: DialStdioExit): Error | undefined;
}

/**
 * An SSH channel as a well-behaved socket-like Duplex, which ssh2's Channel is not quite:
 * its destroy() ignores the error and sets no `destroyed`, and its 'close' waits until
 * someone reads the end. Here, as with a net.Socket: destroy(err) emits err then 'close';
 * the remote's EOF ends the readable side and then the writable side (allowHalfOpen
 * false); our end() is a half-close (SSH EOF), which hijacked attach/exec need.
 *
 * For dial-stdio (`docker system dial-stdio` on an exec channel) it also keeps stderr
 * (16 KiB) and holds back the end of stdout until the exit status is in: OpenSSH sends
 * stdout EOF before the exit status, so a remote without `docker` would otherwise look
 * like a daemon that hung up; "exited non-zero without one byte of output" becomes the
 * caller's error instead.
 */
export class ChannelStream extends Duplex {
  private stdoutBytes = 0;
  private stdoutEnded = false;
  private exited = false;
  private channelClosed = false;
  private settled = false;
  private readonly stderrParts: Buffer[] = [];
  private stderrSize = 0;
  private exitInfo: { code: number | undefined; signal: string | undefined } = { code: undefined, signal: undefined };

  constructor(
    private readonly channel: ClientChannel,
    private readonly dialStdio?: DialStdioHooks,
  ) {
    super({ allowHalfOpen: false });
    channel.on('data', (chunk: Buffer) => {
      if (this.stdoutBytes === 0) this.dialStdio?.onFirstByte();
      this.stdoutBytes += chunk.length;
      if (!this.push(chunk)) channel.pause();
    });
    if (dialStdio) {
      channel.stderr.on('data', (chunk: Buffer) => {
        if (this.stderrSize >= MAX_STDERR) return;
        const part = chunk.subarray(0, MAX_STDERR - this.stderrSize);
        this.stderrParts.push(part);
        this.stderrSize += part.length;
      });
      channel.on('exit', (code: number | null, signal?: string) => {
        this.exited = true;
        this.exitInfo = { code: typeof code === 'number' ? code : undefined, signal: signal ?? undefined };
        this.maybeEnd();
      });
    } else {
      channel.stderr.resume();
    }
    channel.on('end', () => {
      this.stdoutEnded = true;
      this.maybeEnd();
    });
    channel.on('close', () => {
      this.channelClosed = true;
      this.stdoutEnded = true;
      this.maybeEnd();
    });
  }

  /** What the remote command wrote on stderr so far (dial-stdio). */
  get stderrText(): string {
    return Buffer.concat(this.stderrParts).toString('utf8');
  }

  private maybeEnd(): void {
    if (this.settled || !this.stdoutEnded) return;
    if (this.dialStdio && !this.exited && !this.channelClosed) return; // wait for the exit status
    this.settled = true;
    const failed =
      this.dialStdio !== undefined &&
      this.stdoutBytes === 0 &&
      ((this.exitInfo.code !== undefined && this.exitInfo.code !== 0) || this.exitInfo.signal !== undefined);
    if (failed) {
      const err = this.dialStdio!.onFailure({ ...this.exitInfo, stderr: this.stderrText });
      if (err) {
        this.destroy(err);
        return;
      }
    }
    this.push(null);
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.channelClosed) {
      callback(Object.assign(new Error('the SSH channel is closed'), { code: 'EPIPE' }));
      return;
    }
    this.channel.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Half-close: SSH EOF (stdin EOF for dial-stdio, shutdown(SHUT_WR) on the daemon socket for streamlocal).
    if (!this.channelClosed) this.channel.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.channelClosed) {
      // Let ssh2 see its own end (it emits 'close' only after 'end'), and close the channel.
      this.channel.resume();
      this.channel.destroy();
    }
    callback(err);
  }
}
