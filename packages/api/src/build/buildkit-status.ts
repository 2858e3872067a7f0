/**
 * BuildKit's progress messages: each `{"id":"moby.buildkit.trace","aux":"<base64>"}` line of
 * a `version=2` build is a protobuf moby.buildkit.v1.StatusResponse (field numbers from
 * moby/buildkit api/services/control/control.proto):
 *
 *   StatusResponse { repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2;
 *                    repeated VertexLog logs = 3; repeated VertexWarning warnings = 4; }
 *   Vertex { string digest = 1; repeated string inputs = 2; string name = 3; bool cached = 4;
 *            Timestamp started = 5; Timestamp completed = 6; string error = 7; }
 *   VertexStatus { string ID = 1; string vertex = 2; string name = 3; int64 current = 4;
 *                  int64 total = 5; Timestamp timestamp = 6; started = 7; completed = 8; }
 *   VertexLog { string vertex = 1; Timestamp timestamp = 2; int64 stream = 3; bytes msg = 4; }
 *   VertexWarning { string vertex = 1; int64 level = 2; bytes short = 3; repeated bytes detail = 4;
 *                   string url = 5; ... }
 */
import { WIRE_LEN, WIRE_VARINT, readMessage, readTimestamp } from './protobuf.js';

/** A step of the build graph, sent again each time its state changes. */
export interface BuildVertexEvent {
  kind: 'vertex';
  /** The vertex's digest ("sha256:..."): the key that logs and statuses refer to. */
  digest: string;
  /** What the step does: "[2/3] RUN make", "[internal] load build definition from Dockerfile". */
  name: string;
  /** Digests of the vertexes this one depends on. */
  inputs: string[];
  started?: Date;
  completed?: Date;
  /** The result came from the build cache. */
  cached?: boolean;
  /** Why the step failed. */
  error?: string;
}

/** Progress of a transfer or sub-task of a vertex (context upload, layer export...). */
export interface BuildVertexStatusEvent {
  kind: 'vertexStatus';
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
  timestamp?: Date;
  started?: Date;
  completed?: Date;
}

/** Output of a step (e.g. what a RUN command printed). */
export interface BuildLogEvent {
  kind: 'log';
  /** Digest of the vertex that printed it. */
  vertex: string;
  /** 1 stdout, 2 stderr. */
  stream: number;
  data: Buffer;
  timestamp?: Date;
}

/** A build check warning (BuildKit frontends that send them). */
export interface BuildWarningEvent {
  kind: 'warning';
  vertex: string;
  level: number;
  short: string;
  detail: string[];
  url?: string;
}

export type BuildKitEvent = BuildVertexEvent | BuildVertexStatusEvent | BuildLogEvent | BuildWarningEvent;

/** Decodes one StatusResponse into events, in the message's order: vertexes, statuses, logs, warnings. */
export function decodeStatusResponse(buf: Uint8Array): BuildKitEvent[] {
  const vertexes: BuildKitEvent[] = [];
  const statuses: BuildKitEvent[] = [];
  const logs: BuildKitEvent[] = [];
  const warnings: BuildKitEvent[] = [];
  readMessage(buf, (r, field, wire) => {
    if (wire !== WIRE_LEN) return false;
    if (field === 1) vertexes.push(vertex(r.bytes()));
    else if (field === 2) statuses.push(vertexStatus(r.bytes()));
    else if (field === 3) logs.push(vertexLog(r.bytes()));
    else if (field === 4) warnings.push(vertexWarning(r.bytes()));
    else return false;
    return true;
  });
  return [...vertexes, ...statuses, ...logs, ...warnings];
}

function vertex(buf: Uint8Array): BuildVertexEvent {
  const v: BuildVertexEvent = { kind: 'vertex', digest: '', name: '', inputs: [] };
  readMessage(buf, (r, field, wire) => {
    if (field === 4 && wire === WIRE_VARINT) {
      v.cached = r.bool();
      return true;
    }
    if (wire !== WIRE_LEN) return false;
    switch (field) {
      case 1:
        v.digest = r.string();
        return true;
      case 2:
        v.inputs.push(r.string());
        return true;
      case 3:
        v.name = r.string();
        return true;
      case 5:
        v.started = readTimestamp(r.bytes());
        return true;
      case 6:
        v.completed = readTimestamp(r.bytes());
        return true;
      case 7:
        v.error = r.string();
        return true;
      default:
        return false;
    }
  });
  return v;
}

function vertexStatus(buf: Uint8Array): BuildVertexStatusEvent {
  const s: BuildVertexStatusEvent = { kind: 'vertexStatus', id: '', vertex: '', name: '', current: 0, total: 0 };
  readMessage(buf, (r, field, wire) => {
    if (wire === WIRE_VARINT && (field === 4 || field === 5)) {
      if (field === 4) s.current = r.int64();
      else s.total = r.int64();
      return true;
    }
    if (wire !== WIRE_LEN) return false;
    switch (field) {
      case 1:
        s.id = r.string();
        return true;
      case 2:
        s.vertex = r.string();
        return true;
      case 3:
        s.name = r.string();
        return true;
      case 6:
        s.timestamp = readTimestamp(r.bytes());
        return true;
      case 7:
        s.started = readTimestamp(r.bytes());
        return true;
      case 8:
        s.completed = readTimestamp(r.bytes());
        return true;
      default:
        return false;
    }
  });
  return s;
}

function vertexLog(buf: Uint8Array): BuildLogEvent {
  const l: BuildLogEvent = { kind: 'log', vertex: '', stream: 0, data: Buffer.alloc(0) };
  readMessage(buf, (r, field, wire) => {
    if (field === 3 && wire === WIRE_VARINT) {
      l.stream = r.int64();
      return true;
    }
    if (wire !== WIRE_LEN) return false;
    if (field === 1) l.vertex = r.string();
    else if (field === 2) l.timestamp = readTimestamp(r.bytes());
    else if (field === 4) l.data = Buffer.from(r.bytes()); // a copy: the event outlives the line's buffer
    else return false;
    return true;
  });
  return l;
}

function vertexWarning(buf: Uint8Array): BuildWarningEvent {
  const w: BuildWarningEvent = { kind: 'warning', vertex: '', level: 0, short: '', detail: [] };
  readMessage(buf, (r, field, wire) => {
    if (field === 2 && wire === WIRE_VARINT) {
      w.level = r.int64();
      return true;
    }
    if (wire !== WIRE_LEN) return false;
    if (field === 1) w.vertex = r.string();
    else if (field === 3) w.short = r.string();
    else if (field === 4) w.detail.push(r.string());
    else if (field === 5) w.url = r.string();
    else return false;
    return true;
  });
  return w;
}
