import type { Readable } from 'node:stream';
import type { DockerResponse } from '@dockline/core';

const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
const RAW = 'application/vnd.docker.raw-stream';

/**
 * Whether a container's output stream is stdcopy-multiplexed, decided from what the daemon
 * sent, without asking it again (no inspect for the container's TTY): the Content-Type
 * when it says (API 1.42 and newer), else the first bytes. A multiplexed stream starts with
 * a frame header, [stream 0-3, 0, 0, 0, size]; TTY output is the program's own bytes,
 * which never start with a NUL-padded stream number. Bytes read to decide are put back.
 */
export async function isMultiplexed(res: DockerResponse, stream: Readable): Promise<boolean> {
  const type = res.headers['content-type'];
  const contentType = (Array.isArray(type) ? type[0] : type)?.split(';')[0]?.trim().toLowerCase();
  if (contentType === MULTIPLEXED) return true;
  if (contentType === RAW) return false;
  return sniff(stream);
}

/** Decide from the first bytes: a frame header [0-3, 0, 0, 0] or not; the bytes stay in the stream. */
function sniff(stream: Readable): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const settle = (multiplexed: boolean): void => {
      detach();
      resolve(multiplexed);
    };
    const onReadable = (): void => {
      // A first byte above 3 decides at once (a TTY prompt may be all there is for a while).
      if (stream.readableLength > 0) {
        const one = stream.read(1) as Buffer | null;
        if (one !== null) {
          stream.unshift(one);
          if (one[0]! > 3) return settle(false);
        }
      }
      // read(4) is null until 4 bytes came, or gives what is left at the end of the stream.
      const head = stream.read(4) as Buffer | null;
      if (head === null) return;
      stream.unshift(head);
      settle(head.length === 4 && head[1] === 0 && head[2] === 0 && head[3] === 0);
    };
    const onEnd = (): void => settle(false);
    const onError = (err: Error): void => {
      detach();
      reject(err);
    };
    const detach = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}
