import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeBody, encodeQuery, mergeHeaders } from './encode.js';
import type { DockerRequest } from '../types.js';

const base: DockerRequest = { operation: 'X', method: 'POST', path: '/x', route: '/x', response: 'json', idempotent: false, longRunning: false };

describe('encodeQuery', () => {
  it('sends booleans as 1/0, filters as JSON, arrays as repeated keys, and leaves out nullish values', () => {
    const q = encodeQuery({ all: true, size: false, limit: 5, filters: { label: ['app=web', 'tier=1'] }, changes: ['CMD a', 'ENV b=c'], since: undefined, until: null });
    const params = new URLSearchParams(q.slice(1));
    expect(params.get('all')).toBe('1');
    expect(params.get('size')).toBe('0');
    expect(params.get('limit')).toBe('5');
    expect(JSON.parse(params.get('filters')!)).toEqual({ label: ['app=web', 'tier=1'] });
    expect(params.getAll('changes')).toEqual(['CMD a', 'ENV b=c']);
    expect(params.has('since')).toBe(false);
    expect(params.has('until')).toBe(false);
  });
  it('is empty without parameters', () => {
    expect(encodeQuery(undefined)).toBe('');
    expect(encodeQuery({ a: undefined })).toBe('');
  });
});

describe('encodeBody', () => {
  it('sends plain objects as JSON with their byte length', () => {
    const b = encodeBody({ ...base, body: { Image: 'é' } });
    expect(b.contentType).toBe('application/json');
    expect(b.body).toBe('{"Image":"é"}');
    expect(b.length).toBe(Buffer.byteLength('{"Image":"é"}'));
  });
  it('sends bytes and streams as they are', () => {
    expect(encodeBody({ ...base, body: Buffer.from('tar') }).contentType).toBe('application/octet-stream');
    const s = Readable.from([Buffer.from('a')]);
    expect(encodeBody({ ...base, body: s }).body).toBe(s);
    expect(encodeBody({ ...base }).body).toBeUndefined();
  });
});

describe('mergeHeaders', () => {
  it('lets caller headers win, case-insensitively', () => {
    expect(mergeHeaders({ 'content-type': 'application/json' }, { 'Content-Type': 'application/x-tar' })).toEqual({ 'Content-Type': 'application/x-tar' });
  });
});
