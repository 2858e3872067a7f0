// Secret hygiene: drive every code path that touches a credential (registry auth on pull
// and push, an SSH key passphrase, a password in a Docker host URL, TLS client keys, a
// daemon echoing a registry URL with its password) through clients made the way users
// make them, with an OpenTelemetry SDK, a diag logger and the SSH transport's debug output
// recording, then scan every error (message, stack, cause chain, util.inspect), every
// span, every metric point and every log line for each secret and its encodings.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { diag, DiagLogLevel, metrics, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConnectionError, InvalidParameterError, UnauthorizedError, contextStoreId, createClient, type DockerClient } from '@dockline/api';
import { sshTransport } from '@dockline/transport-ssh';
import { tcpTransport } from '@dockline/transport-tcp-tls';
import { describeWithEngine } from '@dockline/tool-testkit';
import { startFakeDaemon, type FakeDaemon } from '@dockline/tool-testkit';
import { clientFor, uniqueName } from './helpers.js';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** A secret and the forms it may leak in. */
interface Secret {
  what: string;
  forms: string[];
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => b64(s).replace(/\+/g, '-').replace(/\//g, '_');

/** X-Registry-Auth as the client sends it (and the Go client): base64url of the JSON. */
function authHeaderForms(auth: Record<string, string>): string[] {
  const json = JSON.stringify(auth);
  return [b64(json), b64url(json), b64url(json).replace(/=+$/, '')].map((s) => s.slice(0, 40));
}

/** PEM body lines (long base64 runs), which is what would leak of a key. */
function pemForms(pem: string): string[] {
  return pem
    .split('\n')
    .filter((l) => l.length >= 40 && !l.startsWith('-----'))
    .slice(0, 3);
}

describeWithEngine('secret hygiene', (engine) => {
  const secrets: Secret[] = [];
  const errors: Array<{ scenario: string; error: unknown }> = [];
  const logLines: string[] = [];
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const clients: DockerClient[] = [];
  let fake: FakeDaemon;
  let repo: string;
  let tag: string;

  const addSecret = (what: string, value: string, extra: string[] = []) => secrets.push({ what, forms: [value, b64(value), ...extra] });
  /** Runs a step that must fail, keeping its error for the scan; returns the error. */
  async function failing(scenario: string, fn: () => Promise<unknown>): Promise<unknown> {
    const error = await fn().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `${scenario} should have failed`).toBeDefined();
    errors.push({ scenario, error });
    return error;
  }
  const client = (c: DockerClient) => (clients.push(c), c);

  beforeAll(async () => {
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    diag.setLogger(
      {
        error: (...a) => logLines.push(a.map(String).join(' ')),
        warn: (...a) => logLines.push(a.map(String).join(' ')),
        info: (...a) => logLines.push(a.map(String).join(' ')),
        debug: (...a) => logLines.push(a.map(String).join(' ')),
        verbose: (...a) => logLines.push(a.map(String).join(' ')),
      },
      DiagLogLevel.ALL,
    );
    process.on('warning', onWarning);
    fake = await startFakeDaemon();
    repo = `${engine.registry.address}/dockline-rel/secrets`;
    tag = uniqueName('tag');
  });

  const onWarning = (w: Error) => logLines.push(`${w.name}: ${w.message}`);

  afterAll(async () => {
    const direct = clientFor(`unix://${engine.socketPath}`);
    await direct.removeImage(`${repo}:${tag}`, { force: true }).catch(() => undefined);
    await direct.close();
    for (const c of clients) await c.close().catch(() => undefined);
    await fake?.close();
    process.off('warning', onWarning);
    diag.disable();
    trace.disable();
    metrics.disable();
  });

  it('registry credentials on pull and push: X-Registry-Auth never surfaces', async () => {
    const docker = client(clientFor(`unix://${engine.socketPath}`));
    const good = { username: engine.registry.username, password: engine.registry.password, serveraddress: engine.registry.address };
    const bad = { ...good, password: `wrong-${randomBytes(12).toString('hex')}` };
    addSecret('registry password', good.password, authHeaderForms(good));
    addSecret('a wrong registry password', bad.password, authHeaderForms(bad));

    // Push our own tag (with the right credentials), then with wrong ones (an error line in the stream).
    await docker.request('ImageTag', { path: { name: engine.image }, query: { repo, tag } });
    for (const auth of [good, bad]) {
      const stream = await docker.request('ImagePush', { path: { name: repo }, query: { tag }, headers: { 'X-Registry-Auth': b64url(JSON.stringify(auth)) } });
      let text = '';
      for await (const chunk of stream) text += String(chunk);
      if (auth === good) expect(text, text).toMatch(/digest: sha256:|"Digest"|Pushed|exists|Mounted from/);
      else expect(text, text).toMatch(/unauthorized|authentication required|no basic auth/i);
    }
    await docker.removeImage(`${repo}:${tag}`);

    // Pull: wrong credentials are refused (UnauthorizedError), right ones pull.
    const err = await failing('pull with a wrong password', () => docker.pullImage(`${repo}:${tag}`, { auth: bad }));
    expect(err).toBeInstanceOf(UnauthorizedError);
    await failing('pull without credentials', () => docker.pullImage(`${repo}:${tag}`));
    const ok = await docker.pullImage(`${repo}:${tag}`, { auth: good });
    expect(ok.status).toMatch(/Downloaded newer image/);
  });

  it('a daemon echoing a registry URL with its password (fake daemon: dockerd does so only for mirrors configured that way)', async () => {
    const password = `mirror-${randomBytes(10).toString('hex')}`;
    addSecret('a password in a URL the daemon echoes', password);
    const url = `https://robot:${password}@mirror.example.com/v2/dockline/x/manifests/latest`;
    const docker = client(createClient({ transport: fake.transport(), env: {} }));
    // As an error answer...
    fake.script = (req) =>
      req.path.endsWith('/images/create') ? { status: 401, body: { message: `Get "${url}": unauthorized: authentication required` } } : undefined;
    expect(await failing('pull answered 401 with the URL', () => docker.pullImage('mirror.example.com/dockline/x'))).toBeInstanceOf(UnauthorizedError);
    // ...and as an error line in the progress stream.
    fake.script = (req) =>
      req.path.endsWith('/images/create')
        ? { status: 200, chunks: [`{"status":"Pulling from dockline/x","id":"latest"}\r\n`, `${JSON.stringify({ errorDetail: { message: `Get "${url}": unauthorized` }, error: `Get "${url}": unauthorized` })}\r\n`] }
        : undefined;
    expect(await failing('pull stream error line with the URL', () => docker.pullImage('mirror.example.com/dockline/x'))).toBeInstanceOf(UnauthorizedError);
  });

  it('a password in the Docker host URL (option and DOCKER_HOST): refused, never quoted', async () => {
    const password = `host-${randomBytes(10).toString('hex')}`;
    addSecret('a password in DOCKER_HOST', password);
    for (const host of [`tcp://me:${password}@127.0.0.1:${engine.tls.port}`, `https://me:${password}@127.0.0.1`, `ssh://me:${password}@127.0.0.1:${engine.ssh.port}`, `tcp://me:${password}@127.0.0.1`]) {
      const e1 = await failing(`host option ${host.split(':')[0]}`, () => client(createClient({ host, env: {} })).ping());
      expect(e1).toBeInstanceOf(InvalidParameterError);
      const e2 = await failing(`DOCKER_HOST ${host.split(':')[0]}`, () => client(createClient({ env: { DOCKER_HOST: host } })).ping());
      expect(e2).toBeInstanceOf(InvalidParameterError);
    }
  });

  it('an SSH key passphrase: right and wrong, with the SSH debug log on', async () => {
    const wrong = `wrong-pass-${randomBytes(8).toString('hex')}`;
    addSecret('the SSH key passphrase', engine.ssh.passphrase);
    addSecret('a wrong SSH key passphrase', wrong);
    const plainKey = readFileSync(engine.ssh.privateKeyPath, 'utf8');
    const passKey = readFileSync(engine.ssh.passphraseKeyPath, 'utf8');
    secrets.push({ what: 'the SSH private key', forms: pemForms(plainKey) }, { what: 'the encrypted SSH private key', forms: pemForms(passKey) });
    const base = {
      host: '127.0.0.1',
      port: engine.ssh.port,
      username: 'root',
      knownHosts: engine.ssh.knownHostsPath,
      agent: false as const,
      configFile: false as const,
      debug: (line: string) => logLines.push(line),
    };
    const ok = client(createClient({ transport: sshTransport({ ...base, privateKey: Buffer.from(passKey), passphrase: engine.ssh.passphrase }), env: {} }));
    expect((await ok.ping()).apiVersion).toBe('1.41');
    const okPlain = client(createClient({ transport: sshTransport({ ...base, privateKey: plainKey }), env: {} }));
    expect((await okPlain.version()).ApiVersion).toBe('1.41');
    const bad = client(createClient({ transport: sshTransport({ ...base, privateKey: Buffer.from(passKey), passphrase: wrong }), env: {} }));
    expect(await failing('ssh with a wrong passphrase', () => bad.ping())).toBeInstanceOf(ConnectionError);
    const none = client(createClient({ transport: sshTransport({ ...base, privateKey: engine.ssh.passphraseKeyPath }), env: {} }));
    expect(await failing('ssh with no passphrase for an encrypted key', () => none.ping())).toBeInstanceOf(ConnectionError);
    // The same through createClient's ssh:// host and `ssh` options (the lazily loaded transport).
    const { host, port, ...sshOptions } = base;
    const viaHost = (passphrase: string) =>
      client(createClient({ host: `ssh://root@${host}:${port}`, ssh: { ...sshOptions, privateKey: engine.ssh.passphraseKeyPath, passphrase }, env: {} }));
    expect((await viaHost(engine.ssh.passphrase).info()).ID).toBeTruthy();
    expect(await failing('ssh:// host with a wrong passphrase', () => viaHost(wrong).ping())).toBeInstanceOf(ConnectionError);
    expect(logLines.length).toBeGreaterThan(0); // the debug log was on
  });

  it('TLS client keys: right, wrong CA, mismatched and garbage keys', async () => {
    const dir = engine.tls.certDir;
    const ca = readFileSync(`${dir}/ca.pem`, 'utf8');
    const cert = readFileSync(`${dir}/cert.pem`, 'utf8');
    const key = readFileSync(`${dir}/key.pem`, 'utf8');
    const otherKey = readFileSync(`${engine.tls.otherCaDir}/key.pem`, 'utf8');
    const otherCa = readFileSync(`${engine.tls.otherCaDir}/ca.pem`, 'utf8');
    const garbage = `not a key ${randomBytes(16).toString('hex')}`;
    secrets.push({ what: 'the TLS client key', forms: pemForms(key) }, { what: "another CA's client key", forms: pemForms(otherKey) });
    addSecret('a garbage TLS key', garbage);
    const tls = (t: { ca: string; cert: string; key: string }) => client(createClient({ transport: tcpTransport({ host: '127.0.0.1', port: engine.tls.port, tls: t }), env: {} }));
    expect((await tls({ ca, cert, key }).ping()).apiVersion).toBe('1.41');
    expect(await failing('TLS with the wrong CA', async () => tls({ ca: otherCa, cert, key }).ping())).toBeInstanceOf(ConnectionError);
    // Bad material is refused when the transport is made (before any connection).
    expect(await failing('TLS with a key that does not match the cert', async () => tls({ ca, cert, key: otherKey }).ping())).toBeInstanceOf(ConnectionError);
    expect(await failing('TLS with a garbage key', async () => tls({ ca, cert, key: garbage }).ping())).toBeInstanceOf(ConnectionError);
  });

  it("a docker CLI context store: TLS material in contexts/tls, registry credentials in config.json", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dl-rel-ctx-'));
    try {
      const certs = engine.tls.certDir;
      const registryAuth = `ctx-${randomBytes(10).toString('hex')}`;
      addSecret('registry credentials in config.json', registryAuth);
      const context = async (name: string, caDir: string) => {
        const id = contextStoreId(name);
        const meta = join(dir, 'contexts', 'meta', id);
        const tlsDir = join(dir, 'contexts', 'tls', id, 'docker');
        await mkdir(meta, { recursive: true });
        await mkdir(tlsDir, { recursive: true });
        const host = `tcp://127.0.0.1:${engine.tls.port}`;
        await writeFile(join(meta, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
        await writeFile(join(tlsDir, 'ca.pem'), readFileSync(join(caDir, 'ca.pem')));
        await writeFile(join(tlsDir, 'cert.pem'), readFileSync(join(certs, 'cert.pem')));
        await writeFile(join(tlsDir, 'key.pem'), readFileSync(join(certs, 'key.pem')));
      };
      await context('rel-tls', certs);
      await context('rel-bad-ca', engine.tls.otherCaDir);
      const config = (current: string) => writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { 'registry.example': { auth: registryAuth } }, currentContext: current }));
      await config('rel-tls');
      expect((await client(createClient({ env: { DOCKER_CONFIG: dir } })).ping()).apiVersion).toBe('1.41');
      expect(await failing('context whose CA is not the daemon\'s', () => client(createClient({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'rel-bad-ca' } })).ping())).toBeInstanceOf(ConnectionError);
      expect(await failing('a context that does not exist', () => client(createClient({ env: { DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'rel-nowhere' } })).ping())).toBeInstanceOf(InvalidParameterError);
      await writeFile(join(dir, 'config.json'), `{"auths":{"registry.example":{"auth":"${registryAuth}"}},"currentContext":`);
      expect(await failing('a broken config.json holding credentials', () => client(createClient({ env: { DOCKER_CONFIG: dir } })).ping())).toBeInstanceOf(InvalidParameterError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('no secret in any error, span, metric point or log line', async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(10);
    const haystacks: Array<{ where: string; text: string }> = [];
    for (const { scenario, error } of errors) {
      // The error as a user would print or log it: message, stack, util.inspect (own
      // properties and the whole cause chain), JSON.
      let e: unknown = error;
      for (let depth = 0; e !== undefined && depth < 10; depth++) {
        const err = e as Error & { cause?: unknown };
        haystacks.push({ where: `error of "${scenario}" (cause depth ${depth})`, text: `${String(err?.message)}\n${String(err?.stack)}\n${safeJson(err)}` });
        e = err?.cause;
      }
      haystacks.push({ where: `util.inspect of the error of "${scenario}"`, text: inspect(error, { depth: 20 }) });
    }
    await tracerProvider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(10);
    for (const s of spans) {
      haystacks.push({
        where: `span ${s.name}`,
        text: safeJson({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links, resource: s.resource.attributes }),
      });
    }
    const { resourceMetrics } = await reader.collect();
    const points = resourceMetrics.scopeMetrics.flatMap((m) => m.metrics.flatMap((x) => x.dataPoints as unknown[]));
    expect(points.length).toBeGreaterThan(0);
    haystacks.push({ where: 'metric points', text: safeJson(resourceMetrics) });
    for (const [i, line] of logLines.entries()) haystacks.push({ where: `log line ${i}`, text: line });
    // How each client says it chose its endpoint (for --verbose output and bug reports).
    for (const [i, c] of clients.entries()) haystacks.push({ where: `endpointDescription of client ${i}`, text: String(c.endpointDescription) });

    const leaks: string[] = [];
    for (const s of secrets) {
      for (const form of s.forms) {
        for (const h of haystacks) if (h.text.includes(form)) leaks.push(`${s.what} (as ${JSON.stringify(form.slice(0, 12))}…) in ${h.where}`);
      }
    }
    expect(leaks).toEqual([]);
    console.log(`secret scan: ${secrets.length} secrets in ${secrets.reduce((n, s) => n + s.forms.length, 0)} forms; scanned ${errors.length} errors, ${spans.length} spans, ${points.length} metric points, ${logLines.length} log lines`);
  });
});

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return String(v);
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}
