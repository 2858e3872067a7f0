import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { transportConformanceSuite } from '@dockline/core/testing';
import { describeWithEngine } from '@dockline/tool-testkit';
import { unixTransport } from './index.js';

const scratch = mkdtempSync(join(tmpdir(), 'dockline-unix-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describeWithEngine('unix transport against the real dockerd', (engine) => {
  transportConformanceSuite({
    name: 'unix',
    createTransport: () => unixTransport({ socketPath: engine.socketPath }),
    createDeadTransport: () => unixTransport({ socketPath: join(scratch, 'no-daemon-here.sock') }),
    image: engine.image,
  });
});

