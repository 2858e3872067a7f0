// Run by unref.integration.test.ts in a child process: follow a running container's logs
// with `{ unref: true }` and nothing else to do. The process must exit on its own (the
// stream's connection and timers do not keep it alive), as with testcontainers-node's
// socket.unref().
//   node --conditions=@dockline/source --import tsx packages/api/test/unref-child.ts <host> <containerId>
import { Writable } from 'node:stream';
import { createClient } from '../src/create-client.js';

const [host, id] = process.argv.slice(2);
const docker = createClient({ host, env: {} });
// Held until the first line arrived, so the test sees a stream that really flows; from then
// on only the stream is left.
const keepAlive = setInterval(() => undefined, 1000);
let seen = false;
const stdout = new Writable({
  write(_chunk: Buffer, _e, cb) {
    if (!seen) {
      seen = true;
      process.stdout.write('got-line\n');
      clearInterval(keepAlive);
    }
    cb();
  },
});
const unref = process.env.DOCKLINE_UNREF !== '0';
docker.logs(id!, { follow: true, stdout: true, stderr: true }, { stdout, stderr: stdout, rawTerminal: false }, { unref }).catch((err: unknown) => {
  process.stdout.write(`error ${String(err)}\n`);
});
// Nothing else once a line came: no close(), no timer. With unref the event loop empties and node exits.
