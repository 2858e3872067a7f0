import type { Transport } from '@dockline/core';

/**
 * Connects through `transport` offering an onread, as core does for a stream, and reads
 * until the other end closes: what came through onread's callback, and how many 'data'
 * events the connection emitted (none when the transport passed onread on to net.connect).
 */
export async function readThroughOnread(transport: Transport): Promise<{ text: string; dataEvents: number }> {
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
  await new Promise((resolve) => socket.once('end', resolve));
  socket.destroy();
  return { text: Buffer.concat(got).toString(), dataEvents };
}
