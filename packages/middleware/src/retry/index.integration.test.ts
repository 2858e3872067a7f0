import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  ConnectionError,
  createPipeline,
  type Pipeline,
} from '@dockline/core';
import {
  describeWithEngine,
  startFaultProxy,
  type FaultProxy,
  unixSocketTransport,
} from '@dockline/tool-testkit';
import { retry } from './index.js';
import { get, create } from '../../test/retry-fixture.js';

describeWithEngine('retry (real dockerd through the fault proxy)', (engine) => {
  let proxy: FaultProxy;
  let direct: Pipeline;
  let p: Pipeline | undefined;
  const created: string[] = [];
  beforeEach(async () => {
    proxy = await startFaultProxy({ target: engine.socketPath });
    direct = createPipeline({ transport: unixSocketTransport(engine.socketPath) });
  });
  afterEach(async () => {
    for (const name of created.splice(0)) {
      await direct
        .send({ operation: 'ContainerDelete', method: 'DELETE', path: `/containers/${name}`, route: '/containers/{id}', query: { force: true }, response: 'empty', idempotent: true, longRunning: false })
        .catch(() => undefined);
    }
    await p?.close();
    await direct.close();
    await proxy.close();
  });

  async function containersNamed(name: string): Promise<unknown[]> {
    const res = await direct.send(get({ operation: 'ContainerList', path: '/containers/json', route: '/containers/json', query: { all: true, filters: { name: [`^/${name}$`] } } }));
    return res.body as unknown[];
  }

  it('never sends ContainerCreate twice when the connection breaks after the daemon got it: exactly one container exists', async () => {
    const name = `dockline-mw-retry-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    created.push(name);
    proxy.plan = (i) => (i === 0 ? 'reset-after-request' : 'pass');
    p = createPipeline({ transport: unixSocketTransport(proxy.socketPath), middleware: [retry({ attempts: 3, baseMs: 1 })] });
    const err = await p.send(create(name)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).connectFailed).toBe(false);
    expect(proxy.requestsTo('/containers/create', 'POST')).toHaveLength(1);
    expect(await containersNamed(name)).toHaveLength(1);
  });

  it('resends an idempotent call whose connection broke after it was sent', async () => {
    proxy.plan = (i) => (i === 0 ? 'reset-after-request' : i === 1 ? 'refuse' : 'pass');
    p = createPipeline({ transport: unixSocketTransport(proxy.socketPath), middleware: [retry({ attempts: 3, baseMs: 1 })] });
    const res = await p.send(get({ operation: 'SystemVersion', path: '/version', route: '/version' }));
    expect((res.body as { ApiVersion: string }).ApiVersion).toBe('1.41');
    expect(proxy.connections.map((c) => c.fault)).toEqual(['reset-after-request', 'refuse', 'pass']);
    expect(proxy.requestsTo('/version')).toHaveLength(2); // the refused connection never relayed anything
  });
});
