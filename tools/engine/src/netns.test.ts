import { afterEach, describe, expect, it } from 'vitest';
import { netnsPrefix } from './netns.ts';
import { DEFAULT_STATE_DIR } from './state.ts';

describe('netnsPrefix', () => {
  const saved = process.env.DOCKLINE_NETNS_PREFIX;
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKLINE_NETNS_PREFIX;
    else process.env.DOCKLINE_NETNS_PREFIX = saved;
  });

  it('is "dl" for the default state dir and differs for any other dir', () => {
    delete process.env.DOCKLINE_NETNS_PREFIX;
    expect(netnsPrefix(DEFAULT_STATE_DIR)).toBe('dl');
    const a = netnsPrefix('/tmp/dl-a');
    const b = netnsPrefix('/tmp/dl-b');
    expect(a).toMatch(/^dl[0-9a-f]{4}$/);
    expect(a).not.toBe(b);
    expect(netnsPrefix('/tmp/dl-a')).toBe(a);
    // Interface names (PREFIX + "h1") stay within the kernel's 15 bytes.
    expect(`${a}h1`.length).toBeLessThanOrEqual(15);
  });

  it('DOCKLINE_NETNS_PREFIX overrides it, and a bad one is refused', () => {
    process.env.DOCKLINE_NETNS_PREFIX = 'ci7';
    expect(netnsPrefix('/tmp/anything')).toBe('ci7');
    process.env.DOCKLINE_NETNS_PREFIX = 'Bad-Prefix';
    expect(() => netnsPrefix('/tmp/anything')).toThrow(/DOCKLINE_NETNS_PREFIX/);
  });
});
