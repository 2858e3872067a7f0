// The per-engine matrix of the API's integration tests: every case runs against dockerd AND
// against Podman's Docker-compatible service, from one test body.
//
// How to use it (for a new *.integration.test.ts in packages/api/test/):
//
//   import { describeEachEngine } from './engines.js';
//
//   describeEachEngine('volumes', (engine) => {
//     let docker: DockerClient;
//     beforeAll(() => { docker = engine.client(); });
//     afterAll(() => docker.close());
//     it('creates a volume', async () => { ... engine.image ... });
//     // Podman answers differently: assert what it does, say why, and add a row to the
//     // "Podman" table of docs/configuration.md.
//     it('...', async () => {
//       expect(x).toBe(engine.name === 'podman' ? 'its answer' : 'dockerd answer');
//     });
//     // Cannot run on Podman at all: explicit, with the reason in the name (and in the table).
//     it.skipIf(engine.name === 'podman')('... (Podman 4.3: no such endpoint)', ...);
//   });
//
// The block's name gets " [dockerd]" / " [podman]" appended, so a failure says which engine.
// Without an engine (outside CI) both are skipped with the reason; with CI=true a missing
// engine fails (describeWithEngine).
import { describe } from 'vitest';
import { describeWithEngine } from '@dockline/tool-testkit';
import type { EngineInfo } from '@dockline/tool-engine';
import type { DockerClient } from '../src/client.js';
import { clientWithDeadline, engineClient } from './helpers.js';

export type EngineName = 'dockerd' | 'podman';

export interface TestEngine {
  name: EngineName;
  /** The Docker-compatible API's unix socket. */
  socketPath: string;
  /** Api-Version of the engine's /_ping: what negotiation settles on (below the client's max). */
  apiVersion: string;
  /** The test image, by the same name on both engines. */
  image: 'busybox:local';
  /** How the engine spells the test image in RepoTags (Podman qualifies short names). */
  imageRepoTag: string;
  /** The storage driver /info reports. */
  storageDriver: string;
  /** The private registry (with auth) of tools/engine; both engines can pull from it. */
  registry: EngineInfo['registry'];
  /** Everything tools/engine started (dockerd's TLS port, sshd, ...). */
  info: EngineInfo;
  /** createClient() on this engine's socket (default middleware). Close it when done. */
  client(): DockerClient;
  /** A client whose default deadline is `timeoutMs` (see helpers.clientWithDeadline). */
  clientWithDeadline(timeoutMs: number): DockerClient;
}

/** Both engines of a running tools/engine, dockerd first. */
export function testEngines(info: EngineInfo): TestEngine[] {
  const make = (name: EngineName, socketPath: string, apiVersion: string, storageDriver: string, imageRepoTag: string): TestEngine => ({
    name,
    socketPath,
    apiVersion,
    image: info.image,
    imageRepoTag,
    storageDriver,
    registry: info.registry,
    info,
    client: () => engineClient({ socketPath }),
    clientWithDeadline: (timeoutMs) => clientWithDeadline({ socketPath }, timeoutMs),
  });
  return [
    make('dockerd', info.socketPath, info.apiVersion, info.dockerd.storageDriver, info.image),
    make('podman', info.podman.socketPath, info.podman.apiVersion, info.podman.storageDriver, `docker.io/library/${info.image}`),
  ];
}

/** describe() once per engine (see the top of this file). */
export function describeEachEngine(name: string, fn: (engine: TestEngine) => void): void {
  describeWithEngine(name, (info) => {
    for (const engine of testEngines(info)) describe(`${name} [${engine.name}]`, () => fn(engine));
  });
}
