import type { Transport } from '@dockline/core';

/**
 * Connects through `transport` offering an onread, as core does for a stream, writes `send`
 * if given, and reads until the other end closes: what came through onread's callback, and
 * how many 'data' events the connection emitted (none when the transport passed onread on
 * to the socket it made).
 */
export async function readThroughOnread(transport: Transport, send?: string): Promise<{ text: string; dataEvents: number }> {
  const got: Buffer[] = [];
  const socket = await transport.connect({
    onread: {
      buffer: Buffer.alloc(1024),
      callback: (bytes, buf) => {
        got.push(Buffer.from(buf.subarray(0, bytes)));
        return true;
      },
    },
  });
  let dataEvents = 0;
  socket.on('data', () => dataEvents++);
  if (send !== undefined) socket.write(send);
  await new Promise((resolve) => socket.once('end', resolve));
  socket.destroy();
  return { text: Buffer.concat(got).toString(), dataEvents };
}
