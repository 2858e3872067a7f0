import { DockerError, NotFoundError, ServerError, UnauthorizedError, redactText } from '@dockline/core';
import type { components } from '../generated/engine-api.js';

/** One line of an image pull's progress stream (the spec's CreateImageInfo, plus `error`). */
export type PullMessage = components['schemas']['CreateImageInfo'] & {
  /** Deprecated twin of errorDetail.message, still sent by every daemon. */
  error?: string;
  /** Rendered progress bar, e.g. "[=====>    ] 1.2MB/2.3MB". */
  progress?: string;
};

/** Progress of one layer, as the daemon reports it. */
export interface LayerProgress {
  /** The layer's latest status: "Pulling fs layer", "Waiting", "Downloading", "Verifying Checksum", "Download complete", "Extracting", "Pull complete", "Already exists"... */
  status: string;
  /** Bytes of the layer downloaded so far (set to `total` once the download completed). */
  current: number;
  /** The layer's download size in bytes, once the daemon said it (with its first "Downloading" line). */
  total: number | undefined;
}

/** What `pullImage`'s `onProgress` receives after each progress line. */
export interface PullProgress {
  /** The reference being pulled, normalized (e.g. "127.0.0.1:5000/team/app:v1"). */
  ref: string;
  /** Per layer id (short digest, as the daemon prints it). Insertion order is the daemon's. */
  layers: ReadonlyMap<string, Readonly<LayerProgress>>;
  /** Sum of `current` over the layers. */
  current: number;
  /** Sum of `total` over the layers whose size is known. */
  total: number;
  /** Layers that finished ("Pull complete" or "Already exists"). */
  completed: number;
  /** The latest line that was not about one layer ("Pulling from ...", "Digest: ...", "Status: ..."). */
  status: string | undefined;
  /** The line this update comes from, as the daemon sent it. */
  message: Readonly<PullMessage>;
}

const DONE = new Set(['Pull complete', 'Already exists']);
const DOWNLOADED = new Set(['Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete']);

/** Folds progress lines into a PullProgress; keeps the final Digest/Status lines. */
export class PullProgressTracker {
  readonly #ref: string;
  readonly #layers = new Map<string, LayerProgress>();
  #status: string | undefined;
  #digest: string | undefined;
  #finalStatus: string | undefined;

  constructor(ref: string) {
    this.#ref = ref;
  }

  get digest(): string | undefined {
    return this.#digest;
  }
  /** The "Status: ..." line's text without the prefix ("Downloaded newer image for ..." / "Image is up to date for ..."). */
  get finalStatus(): string | undefined {
    return this.#finalStatus;
  }

  update(msg: PullMessage): PullProgress {
    const status = typeof msg.status === 'string' ? msg.status : '';
    const detail = msg.progressDetail;
    // Layer lines carry an id and a progressDetail object ({} when there are no bytes);
    // "Pulling from <repo>" carries the tag as id and no progressDetail.
    if (typeof msg.id === 'string' && detail !== undefined && detail !== null && !status.startsWith('Pulling from')) {
      let layer = this.#layers.get(msg.id);
      if (!layer) {
        layer = { status, current: 0, total: undefined };
        this.#layers.set(msg.id, layer);
      }
      layer.status = status;
      if (status === 'Downloading') {
        if (typeof detail.current === 'number') layer.current = detail.current;
        if (typeof detail.total === 'number' && detail.total > 0) layer.total = detail.total;
      } else if (DOWNLOADED.has(status) && layer.total !== undefined) {
        layer.current = layer.total;
      }
    } else if (status !== '') {
      this.#status = status;
      if (status.startsWith('Digest: ')) this.#digest = status.slice('Digest: '.length).trim();
      else if (status.startsWith('Status: ')) this.#finalStatus = status.slice('Status: '.length).trim();
    }
    let current = 0;
    let total = 0;
    let completed = 0;
    for (const layer of this.#layers.values()) {
      current += layer.current;
      if (layer.total !== undefined) total += layer.total;
      if (DONE.has(layer.status)) completed++;
    }
    return { ref: this.#ref, layers: this.#layers, current, total, completed, status: this.#status, message: msg };
  }
}

/** The error text of a progress line, if it is an error line. */
export function pullMessageError(msg: PullMessage): string | undefined {
  const text = msg.errorDetail?.message ?? msg.error;
  if (typeof text === 'string' && text !== '') return text;
  if (msg.errorDetail !== undefined || msg.error !== undefined) return 'unknown error (the daemon sent an empty error line)';
  return undefined;
}

/**
 * The class for a pull failure the daemon reported in words (an error line in the stream,
 * or a 500): the stream has no status code, so the message decides.
 * - NotFoundError: "not found", "manifest unknown", "repository does not exist";
 * - UnauthorizedError: "unauthorized", "no basic auth credentials", "authentication required";
 * - ServerError: anything else.
 */
export function pullErrorClass(message: string): typeof NotFoundError | typeof UnauthorizedError | typeof ServerError {
  const m = message.toLowerCase();
  if (/unauthorized|no basic auth credentials|authentication required|incorrect username or password/.test(m)) return UnauthorizedError;
  if (/not found|manifest unknown|repository does not exist|name unknown/.test(m)) return NotFoundError;
  return ServerError;
}

export function pullError(message: string, ref: string, cause?: unknown, statusCode?: number): DockerError {
  // Error lines can echo registry URLs with credentials: scrub them like status errors.
  const text = redactText(message);
  const Class = pullErrorClass(text);
  return new Class(`${text} (ImageCreate: pulling ${ref})`, { operation: 'ImageCreate', daemonMessage: text, statusCode, cause });
}
