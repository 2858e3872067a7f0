// events() against the scripted fake daemon of tools/testkit, for the one thing the real
// daemon cannot be made to do here: go away mid-stream (the shared dockerd cannot be
// killed during a test). Everything else about events is in events.integration.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, createPipeline } from '@dockline/core';
import { startFakeDaemon, type FakeDaemon } from '@dockline/tool-testkit';
import { DockerClient } from '../src/client.js';
import type { EventMessage } from '../src/operations/system-events.js';

const event = (action: string, n: number): string =>
  `${JSON.stringify({ Type: 'container', Action: action, Actor: { ID: `c${n}`, Attributes: {} }, scope: 'local', time: 1700000000 + n, timeNano: (1700000000 + n) * 1e9 })}\n`;

describe('events (fake daemon)', () => {
  let fake: FakeDaemon | undefined;
  let docker: DockerClient | undefined;
  afterEach(async () => {
    await docker?.close();
    await fake?.close();
    fake = undefined;
    docker = undefined;
  });

  async function start(after: 'end' | 'reset'): Promise<void> {
    fake = await startFakeDaemon({
      script: (req) =>
        req.path.endsWith('/events') ? { headers: { 'content-type': 'application/json' }, chunks: [event('create', 1), event('start', 2)], after } : undefined,
    });
    docker = new DockerClient({ pipeline: createPipeline({ transport: fake.transport() }) });
  }

  async function drain(options: Parameters<DockerClient['events']>[0] = {}): Promise<{ seen: EventMessage[]; error: unknown }> {
    const seen: EventMessage[] = [];
    try {
      for await (const e of docker!.events(options)) seen.push(e);
    } catch (error) {
      return { seen, error };
    }
    return { seen, error: undefined };
  }

  it('a daemon that dies mid-stream ends the iteration with a ConnectionError, after the events it sent', async () => {
    await start('reset');
    const { seen, error } = await drain();
    expect(seen.map((e) => e.Action)).toEqual(['create', 'start']);
    expect(error).toBeInstanceOf(ConnectionError);
  });

  it('without until, even a clean end of the body is the daemon going away: ConnectionError, not a silent end', async () => {
    await start('end');
    const { seen, error } = await drain();
    expect(seen).toHaveLength(2);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/ended the event stream/);
  });

  it('with until, the end of the body is the end of the iteration; since/until/filters are sent as the daemon parses them', async () => {
    await start('end');
    const { seen, error } = await drain({ since: new Date(1700000000123), until: 1700000100, filters: { type: ['container'], event: [] } });
    expect(error).toBeUndefined();
    expect(seen).toHaveLength(2);
    const url = new URL(fake!.requestsTo('/events')[0]!.url, 'http://d');
    expect(url.searchParams.get('since')).toBe('1700000000.123000000');
    expect(url.searchParams.get('until')).toBe('1700000100');
    expect(JSON.parse(url.searchParams.get('filters')!)).toEqual({ type: ['container'] });
  });
});
