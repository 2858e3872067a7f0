/**
 * Turns one spec operation into its runtime description: how to send it and how to read its
 * answer. Rules are derived from the spec first (method, produces, consumes, status codes,
 * schemas); the few places where the spec is wrong or silent are listed below by operationId,
 * each with the reason, and the reason is copied into the generated table.
 */
import { successStatuses, type SpecOperation, type SwaggerParameter } from './spec.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
export type ResponseKind = 'json' | 'empty' | 'stream' | 'hijack';
export type StreamFormat = 'ndjson' | 'multiplexed' | 'raw';
export type BodyKind = 'json' | 'binary' | 'text';

/** Mirrors `OperationSpec` in the generated operations.ts. */
export interface OperationSpecData {
  method: HttpMethod;
  path: string;
  pathParams: string[];
  queryParams: string[];
  headerParams: string[];
  body?: { name: string; kind: BodyKind };
  response: ResponseKind;
  streamFormat?: StreamFormat;
  idempotent: boolean;
  longRunning: boolean;
  minVersion?: string;
  tags: string[];
}

export interface ClassifiedOperation {
  operationId: string;
  summary: string | undefined;
  spec: OperationSpecData;
  /** Why a field is what it is, where that is not obvious from the spec; rendered as comments. */
  notes: string[];
}

/** Known spec quirk (see spec/README.md): declared `application/json`, answered as newline-delimited JSON. */
export const NDJSON_DESPITE_JSON: Readonly<Record<string, string>> = {
  ImageCreate: 'declares application/json; the daemon streams pull/import progress as newline-delimited JSON',
  ContainerStats: 'declares application/json; the daemon streams one JSON object per line (one line with stream=false)',
  SystemEvents: 'the daemon streams one JSON event per line',
  ImageBuild: 'declares application/json; the daemon streams build progress as newline-delimited JSON',
  ImageLoad: 'declares application/json; the daemon streams load progress as newline-delimited JSON',
};

/**
 * Judged from the daemon's behaviour, not the spec: these declare a body-less 200/204, but the
 * daemon's router writes a JSON progress stream through a flushing writer (moby
 * api/server/router/image and api/server/router/plugin), exactly like ImageCreate.
 */
export const NDJSON_UNDECLARED: Readonly<Record<string, string>> = {
  ImagePush: 'declares 200 without a schema; the daemon streams push progress as newline-delimited JSON',
  PluginPull: 'declares 204; the daemon answers 200 and streams pull progress as newline-delimited JSON',
  PluginUpgrade: 'declares 204; the daemon answers 200 and streams pull progress as newline-delimited JSON',
  PluginPush: 'declares 200 without a schema; the daemon streams push progress as newline-delimited JSON',
};

/**
 * Judged from the daemon's behaviour: the spec declares a JSON body the daemon never writes, so
 * reading it as JSON would fail on an empty body.
 */
export const EMPTY_DESPITE_SCHEMA: Readonly<Record<string, string>> = {
  PluginDelete:
    "declares 200 with a Plugin schema, but the daemon's removePlugin handler (moby api/server/router/plugin) answers 200 without a body",
};

/**
 * Not streams, yet their duration is unbounded or proportional to data the caller sends or the
 * container holds, so a default deadline for short calls would cut legitimate work.
 */
export const LONG_RUNNING_EXTRA: Readonly<Record<string, string>> = {
  ContainerWait: 'longRunning: blocks until the container reaches the condition, which may be never',
  PutContainerArchive: 'longRunning: uploads and extracts a tar of any size',
  PluginCreate: 'longRunning: uploads a plugin rootfs tar of any size',
  ImageCommit: "longRunning: snapshots the container's writable layer, proportional to its size",
};

/** Explanations for values that follow the rules but might surprise a reader. */
export const NOTES: Readonly<Record<string, readonly string[]>> = {
  ContainerStart: ['idempotent: a repeat is answered 304 (already started)'],
  ContainerStop: [
    'idempotent: a repeat is answered 304 (already stopped)',
    'not longRunning: bounded by `t` (or the container StopTimeout) plus the kill; a caller passing a long `t` should extend timeoutMs by it, as the kubelet does (t + 2 min)',
  ],
  ContainerRestart: [
    'not idempotent: no 304; every call restarts the container again',
    'not longRunning: bounded by `t` like ContainerStop; extend timeoutMs for a long `t`',
  ],
  ContainerPause: ['not idempotent: a repeat is answered 409 (already paused), not 304, so a blind retry reports a spurious error'],
  ContainerUnpause: ['not idempotent: a repeat is answered 409 (not paused), not 304, so a blind retry reports a spurious error'],
  ContainerKill: ['not idempotent: a repeat is answered 409 (not running) and each call delivers another signal'],
  ContainerWait: ['not idempotent: with condition=next-exit a repeat waits for a later exit than the first call did'],
  ContainerResize: ['empty: answers 200 with an empty text/plain body'],
  ContainerArchiveInfo: ['empty: HEAD; the result is the base64 JSON in the X-Docker-Container-Path-Stat response header'],
  ContainerAttachWebsocket: ['hijack: a WebSocket upgrade (101), not a raw TCP hijack; frames carry the raw stream'],
  Session: ['hijack: 101 upgrade to the h2c/gRPC session protocol BuildKit uses'],
  SystemPing: [
    "empty: the 200 body is the text/plain literal 'OK' (not JSON); what matters is in the headers (Api-Version, OSType, Docker-Experimental, Builder-Version, Swarm), so the body is drained",
  ],
  SystemPingHead: ['empty: HEAD; the result is in the response headers'],
  SystemAuth: ['json: 200 carries AuthResponse; the also-documented 204 has no body'],
  ImageCreate: ['body binary: inputImage is the image tarball read when fromSrc=-, bytes rather than text although text/plain is listed first'],
  VolumeUpdate: ['not idempotent: PUT with an optimistic `version`; a repeat fails with a version conflict'],
  BuildPrune: ['not longRunning: bounded by local state, but can take minutes on a large build cache; pass timeoutMs'],
  SystemDataUsage: ['not longRunning: bounded by local state, but can take minutes on a large host; pass timeoutMs'],
};

const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
const RAW_STREAM = 'application/vnd.docker.raw-stream';
const NDJSON_TYPES = ['application/jsonl', 'application/x-ndjson', 'application/json-seq'];
const BINARY_TYPES = ['application/x-tar', 'application/octet-stream'];

function paramsIn(params: readonly SwaggerParameter[], location: SwaggerParameter['in']): string[] {
  return params.filter((p) => p.in === location).map((p) => p.name);
}

function classifyResponse(op: SpecOperation, notes: string[]): Pick<OperationSpecData, 'response' | 'streamFormat'> {
  const produces = op.produces;
  const statuses = successStatuses(op);
  const dockerStream = produces.includes(MULTIPLEXED) || produces.includes(RAW_STREAM);

  // A declared 101 is a connection upgrade. POSTs producing the docker stream types (ExecStart)
  // are hijacked too: they carry stdin, which plain HTTP responses cannot.
  if (statuses.includes('101') || (dockerStream && op.method === 'POST')) {
    return { response: 'hijack', streamFormat: produces.includes(MULTIPLEXED) ? 'multiplexed' : 'raw' };
  }
  if (dockerStream) {
    return { response: 'stream', streamFormat: produces.includes(MULTIPLEXED) ? 'multiplexed' : 'raw' };
  }
  const ndjsonReason = NDJSON_DESPITE_JSON[op.operationId] ?? NDJSON_UNDECLARED[op.operationId];
  if (ndjsonReason !== undefined || produces.some((t) => NDJSON_TYPES.includes(t))) {
    if (ndjsonReason !== undefined) notes.push(`stream ndjson: ${ndjsonReason}`);
    return { response: 'stream', streamFormat: 'ndjson' };
  }
  if (op.method === 'HEAD') return { response: 'empty' };
  const emptyReason = EMPTY_DESPITE_SCHEMA[op.operationId];
  if (emptyReason !== undefined) {
    notes.push(`empty: ${emptyReason}`);
    return { response: 'empty' };
  }
  if (op.declaresProduces && produces.some((t) => BINARY_TYPES.includes(t))) {
    return { response: 'stream', streamFormat: 'raw' };
  }
  const withBody = statuses.filter((code) => op.responses[code]?.schema !== undefined);
  if (withBody.length === 0) return { response: 'empty' };
  // A text/plain-only answer (GET /_ping's 'OK') is not JSON; the contract has no text kind.
  if (op.declaresProduces && !produces.includes('application/json') && produces.every((t) => t.startsWith('text/'))) {
    return { response: 'empty' };
  }
  return { response: 'json' };
}

function classifyBody(op: SpecOperation): OperationSpecData['body'] {
  const bodies = op.parameters.filter((p) => p.in === 'body');
  if (bodies.length === 0) return undefined;
  if (bodies.length > 1) throw new Error(`${op.operationId}: more than one body parameter`);
  const body = bodies[0]!;
  if (body.schema?.type === 'string') {
    if (op.consumes.some((t) => BINARY_TYPES.includes(t))) return { name: body.name, kind: 'binary' };
    if (op.consumes.some((t) => t.startsWith('text/'))) return { name: body.name, kind: 'text' };
  }
  return { name: body.name, kind: 'json' };
}

export function classifyOperation(op: SpecOperation): ClassifiedOperation {
  if (!['GET', 'HEAD', 'POST', 'PUT', 'DELETE'].includes(op.method)) {
    throw new Error(`${op.operationId}: unsupported method ${op.method}`);
  }
  if (op.parameters.some((p) => p.in === 'formData')) {
    throw new Error(`${op.operationId}: formData parameters are not supported`);
  }
  const notes: string[] = [];
  const { response, streamFormat } = classifyResponse(op, notes);
  const method = op.method as HttpMethod;

  // Safe to repeat: reads, and POSTs whose repeat the daemon answers with 304 (already in that state).
  const idempotent = method === 'GET' || method === 'HEAD' || (method === 'POST' && '304' in op.responses);

  const extra = LONG_RUNNING_EXTRA[op.operationId];
  const longRunning = response === 'stream' || response === 'hijack' || extra !== undefined;
  if (extra !== undefined) notes.push(extra);
  notes.push(...(NOTES[op.operationId] ?? []));

  const pathParams = paramsIn(op.parameters, 'path');
  for (const name of pathParams) {
    if (!op.path.includes(`{${name}}`)) throw new Error(`${op.operationId}: path parameter ${name} is not in ${op.path}`);
  }
  for (const [, name] of op.path.matchAll(/\{([^}]+)\}/g)) {
    if (!pathParams.includes(name!)) throw new Error(`${op.operationId}: ${op.path} has {${name}} but no such parameter`);
  }

  const spec: OperationSpecData = {
    method,
    path: op.path,
    pathParams,
    queryParams: paramsIn(op.parameters, 'query'),
    headerParams: paramsIn(op.parameters, 'header'),
    response,
    idempotent,
    longRunning,
    tags: [...op.tags],
  };
  const body = classifyBody(op);
  if (body) spec.body = body;
  if (streamFormat) spec.streamFormat = streamFormat;
  return { operationId: op.operationId, summary: op.summary, spec, notes };
}
