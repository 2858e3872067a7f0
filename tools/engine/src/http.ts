// Minimal HTTP client over node:http / node:https: this tool must not depend on the
// library it is there to test, nor on packages that may not be installed yet.
import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

export interface Target {
  /** unix socket of the daemon */
  socketPath?: string;
  host?: string;
  port?: number;
  /** PEM material for mutual TLS; when present the request goes over https */
  tls?: { ca: Buffer | string; cert?: Buffer | string; key?: Buffer | string };
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Request {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  timeoutMs?: number;
}

export function request(target: Target, req: Request): Promise<Response> {
  return new Promise((resolve, reject) => {
    const base: RequestOptions = {
      method: req.method ?? 'GET',
      path: req.path,
      headers: { Host: target.socketPath ? 'docker' : `${target.host}:${target.port}`, ...req.headers },
      // No keep-alive pool: each call is one-shot and must not hold the process open.
      agent: false,
    };
    if (target.socketPath) base.socketPath = target.socketPath;
    else {
      base.host = target.host ?? '127.0.0.1';
      base.port = target.port;
    }
    const r = target.tls
      ? httpsRequest({ ...base, ca: target.tls.ca, cert: target.tls.cert, key: target.tls.key })
      : httpRequest(base);
    const timeoutMs = req.timeoutMs ?? 10_000;
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`timeout after ${timeoutMs} ms: ${base.method} ${req.path}`)));
    r.once('error', reject);
    r.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    const body = req.body;
    if (body === undefined) r.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) r.end(body);
    else {
      body.once('error', (e) => r.destroy(e));
      body.pipe(r);
    }
  });
}

/** GET /_ping; resolves to the Api-Version header, rejects when the daemon does not answer OK. */
export async function ping(target: Target, timeoutMs = 2000): Promise<string> {
  const res = await request(target, { path: '/_ping', timeoutMs });
  if (res.status !== 200) throw new Error(`/_ping answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
  return String(res.headers['api-version'] ?? '');
}

/**
 * Docker answers long operations (import, push) with 200 and a stream of JSON lines;
 * a failure shows up as an {"error": ...} line, not as an HTTP status.
 */
export function ndjsonError(body: Buffer): string | undefined {
  for (const line of body.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const msg = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
      if (msg.error || msg.errorDetail) return msg.errorDetail?.message ?? msg.error;
    } catch {
      return `unparsable line: ${line.slice(0, 200)}`;
    }
  }
  return undefined;
}

export function expectStatus(res: Response, ok: number[], what: string): void {
  if (!ok.includes(res.status)) {
    throw new Error(`${what}: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 500)}`);
  }
}
