import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createPipeline,
  NotImplementedError,
  type Pipeline,
} from '@dockline/core';
import { describeWithEngine, startFaultProxy, type FaultProxy, unixSocketTransport } from '@dockline/tool-testkit';
import { versionNegotiation } from './index.js';
import { info, spy } from '../../test/version-negotiation-fixture.js';

describeWithEngine('versionNegotiation (real dockerd)', (engine) => {
  let proxy: FaultProxy;
  let p: Pipeline | undefined;
  beforeEach(async () => {
    proxy = await startFaultProxy({ target: engine.socketPath });
  });
  afterEach(async () => {
    await p?.close();
    await proxy.close();
  });

  it('settles on 1.41 though the client max is 1.56, with exactly one HEAD /_ping for 100 concurrent first calls', async () => {
    const vn = versionNegotiation({ maxVersion: '1.56' });
    const inner = spy();
    p = createPipeline({ transport: unixSocketTransport(proxy.socketPath), middleware: [vn, inner] });
    const results = await Promise.all(Array.from({ length: 100 }, () => p!.send(info({ operation: 'SystemVersion', path: '/version', route: '/version' }))));
    expect(vn.version()).toBe('1.41');
    expect(results.every((r) => (r.body as { ApiVersion: string }).ApiVersion === '1.41')).toBe(true);
    // What the daemon received (sniffed by the proxy) and what reached the terminal handler.
    expect(proxy.requestsTo('/_ping')).toEqual([expect.objectContaining({ method: 'HEAD', url: '/_ping' })]);
    expect(proxy.requestsTo('/version')).toHaveLength(100);
    expect(proxy.requestsTo('/version').every((r) => r.url === '/v1.41/version')).toBe(true);
    expect(inner.seen.filter((r) => r.operation === 'SystemPing')).toHaveLength(1);
  });

  it('fails an operation that needs API 1.44 before sending it, naming both versions', async () => {
    p = createPipeline({ transport: unixSocketTransport(proxy.socketPath), middleware: [versionNegotiation()] });
    const err = await p
      .send(info({ operation: 'ImageInspect', path: '/images/busybox:local/json', route: '/images/{name}/json', minApiVersion: '1.44' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotImplementedError);
    expect((err as Error).message).toContain('1.44');
    expect((err as Error).message).toContain('1.41');
    expect(proxy.requestsTo(/^\/images\//)).toHaveLength(0);
    expect(proxy.requestsTo('/_ping')).toHaveLength(1);
  });
});
