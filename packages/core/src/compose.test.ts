import { InvalidParameterError } from './errors.js';
import { describe, expect, it } from 'vitest';
import { compose, markSequential } from './compose.js';
import type { DockerRequest, DockerResponse, Handler, Middleware } from './types.js';

const req: DockerRequest = { operation: 'SystemPing', method: 'GET', path: '/_ping', route: '/_ping', response: 'empty', idempotent: true, longRunning: false };
const ok: Handler = async (r) => ({ statusCode: 200, headers: {}, request: r });

describe('compose', () => {
  it('runs middleware in order, first outermost, each seeing the request the previous one passed', async () => {
    const seen: string[] = [];
    const tag = (name: string): Middleware =>
      async function tagged(r, next) {
        seen.push(`${name}>`);
        const res = await next({ ...r, path: `${r.path}/${name}` });
        seen.push(`<${name}`);
        return res;
      };
    const res = await compose([tag('a'), tag('b')], ok)(req);
    expect(seen).toEqual(['a>', 'b>', '<b', '<a']);
    expect(res.request.path).toBe('/_ping/a/b');
  });

  it('allows next() again after the previous call settled (retry)', async () => {
    let calls = 0;
    const flaky: Handler = async (r) => {
      calls++;
      if (calls === 1) throw new Error('first fails');
      return ok(r);
    };
    const retry: Middleware = async (r, next) => {
      try {
        return await next(r);
      } catch {
        return next(r);
      }
    };
    await expect(compose([retry], flaky)(req)).resolves.toMatchObject({ statusCode: 200 });
    expect(calls).toBe(2);
  });

  it('refuses a concurrent second next(): two requests in flight would duplicate side effects', async () => {
    let calls = 0;
    const slow: Handler = (r) => {
      calls++;
      return new Promise<DockerResponse>((resolve) => setTimeout(() => resolve({ statusCode: 200, headers: {}, request: r }), 20));
    };
    const twice: Middleware = async function twice(r, next) {
      const results = await Promise.allSettled([next(r), next(r)]);
      const rejected = results.find((x) => x.status === 'rejected') as PromiseRejectedResult | undefined;
      throw rejected?.reason;
    };
    const err = await compose([twice], slow)(req).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/middleware\[0\] \(twice\) called next\(\) while a previous call was still pending/);
    expect(calls).toBe(1);
  });

  it('installs a layer marked sequential without the guard (its author vouches it never overlaps calls)', async () => {
    let calls = 0;
    const slow: Handler = (r) => {
      calls++;
      return new Promise<DockerResponse>((resolve) => setTimeout(() => resolve({ statusCode: 200, headers: {}, request: r }), 5));
    };
    const twice: Middleware = async (r, next) => (await Promise.all([next(r), next(r)]))[0];
    await expect(compose([markSequential(twice)], slow)(req)).resolves.toMatchObject({ statusCode: 200 });
    expect(calls).toBe(2); // unguarded: the same layer unmarked is refused (test above)
    const throws: Middleware = () => {
      throw new Error('sync');
    };
    await expect(compose([markSequential(throws)], ok)(req)).rejects.toThrow('sync');
  });

  it('checks each layer when composing, not on first use', () => {
    expect(() => compose([ok as unknown as Middleware, 'nope' as unknown as Middleware], ok)).toThrow(/middleware\[1\] is string/);
    expect(() => compose({} as unknown as Middleware[], ok)).toThrow(InvalidParameterError);
  });

  it('turns a synchronous throw in a middleware into a rejection', async () => {
    const bad: Middleware = () => {
      throw new Error('sync');
    };
    await expect(compose([bad], ok)(req)).rejects.toThrow('sync');
  });
});
