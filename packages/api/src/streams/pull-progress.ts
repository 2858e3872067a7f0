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
  /** The layer's latest status: "Pulling fs layer", "Waiting", "Downloading", "Verifying Checksum", "Download complete", "Extracting", "Pull complete", "Already exists"; for a push "Preparing", "Waiting", "Pushing", "Pushed", "Layer already exists", "Mounted from <repo>"... */
  status: string;
  /** Bytes of the layer downloaded (or pushed) so far (set to `total` once the transfer completed). */
  current: number;
  /** The layer's size in bytes, once the daemon said it (with its first "Downloading" / "Pushing" line). */
  total: number | undefined;
}

/** What `pullImage`'s (and `pushImage`'s) `onProgress` receives after each progress line. */
export interface PullProgress {
  /** The reference being pulled or pushed, normalized (e.g. "127.0.0.1:5000/team/app:v1"). */
  ref: string;
  /** Per layer id (short digest, as the daemon prints it). Insertion order is the daemon's. */
  layers: ReadonlyMap<string, Readonly<LayerProgress>>;
  /** Sum of `current` over the layers. */
  current: number;
  /** Sum of `total` over the layers whose size is known. */
  total: number;
  /** Layers that finished ("Pull complete", "Already exists", "Pushed", "Layer already exists", "Mounted from ..."). */
  completed: number;
  /** The latest line that was not about one layer ("Pulling from ...", "Digest: ...", "Status: ..."). */
  status: string | undefined;
  /** The line this update comes from, as the daemon sent it. */
  message: Readonly<PullMessage>;
}

// Pull and push lines have the same shape; only the words differ. A pushed layer's bytes
// come with "Pushing", and "Mounted from <repo>" (a cross-repository mount) is done too.
const TRANSFERRING = new Set(['Downloading', 'Pushing']);
const DONE = new Set(['Pull complete', 'Already exists', 'Pushed', 'Layer already exists']);
const TRANSFERRED = new Set(['Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete', 'Pushed']);

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
      if (TRANSFERRING.has(status)) {
        if (typeof detail.current === 'number') layer.current = detail.current;
        if (typeof detail.total === 'number' && detail.total > 0) layer.total = detail.total;
      } else if (TRANSFERRED.has(status) && layer.total !== undefined) {
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
      if (DONE.has(layer.status) || layer.status.startsWith('Mounted from')) completed++;
    }
    return { ref: this.#ref, layers: this.#layers, current, total, completed, status: this.#status, message: msg };
  }
}
