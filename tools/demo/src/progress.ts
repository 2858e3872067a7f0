// The pull's progress bar: one line, redrawn in place on a terminal, printed at each phase
// change otherwise (so logs and tests get a few lines, not hundreds).
import type { PullProgress } from '@dockline/api';
import { fit } from './width.ts';

const MiB = 1024 * 1024;

export function formatBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

/** The phase of a pull: the most advanced status any layer reached ("Downloading", "Extracting"...). */
export function phaseOf(p: PullProgress): string {
  const order = ['Waiting', 'Pulling fs layer', 'Downloading', 'Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete', 'Already exists'];
  let best = -1;
  let unfinished = false;
  for (const layer of p.layers.values()) {
    const i = order.indexOf(layer.status);
    if (layer.status !== 'Pull complete' && layer.status !== 'Already exists') {
      unfinished = true;
      best = Math.max(best, i);
    }
  }
  if (!unfinished) return p.layers.size > 0 ? 'complete' : (p.status ?? 'starting');
  return order[best] ?? 'working';
}

/** `[██████░░░░] 61%  9.8/16.0 MiB  1/2 layers  Extracting`, with a bar of `width` cells. */
export function renderProgress(p: PullProgress, width = 28): string {
  const fraction = p.total > 0 ? Math.min(1, p.current / p.total) : p.layers.size > 0 && p.completed === p.layers.size ? 1 : 0;
  const filled = Math.round(fraction * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  return `[${bar}] ${progressText(p, fraction)}`;
}

function progressText(p: PullProgress, fraction: number): string {
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const bytes = p.total > 0 ? `  ${formatBytes(p.current)}/${formatBytes(p.total)}` : '';
  return `${pct}${bytes}  ${p.completed}/${p.layers.size} layers  ${phaseOf(p)}`;
}

/**
 * The progress line in at most `columns` columns: the bar shrinks (28 down to 8 cells) to
 * leave room for the longest text, and what still does not fit is cut.
 */
export function renderProgressLine(p: PullProgress, columns: number): string {
  // Room for the longest text, "100%  999.9 MiB/999.9 MiB  99/99 layers  Verifying Checksum"
  // (59 columns), so the bar keeps one width while the phase changes.
  const bar = Math.max(8, Math.min(28, columns - 59 - 3));
  return fit(renderProgress(p, bar), columns);
}

export interface ProgressPrinter {
  update(p: PullProgress): void;
  done(): void;
}

/** Redraws in place on a TTY; elsewhere prints a line whenever the phase changes, and the last one. */
export function progressPrinter(out: NodeJS.WriteStream, indent = '  ', width = 80): ProgressPrinter {
  const live = out.isTTY === true;
  // One column spare on a terminal: a line of exactly its width leaves the cursor past the
  // edge, and some terminals wrap there, which breaks the \r redraw.
  const render = (p: PullProgress): string => `${indent}${renderProgressLine(p, width - indent.length - (live ? 1 : 0))}`;
  let last: PullProgress | undefined;
  let lastPhase = '';
  let lastDrawn = 0;
  return {
    update(p) {
      last = p;
      if (live) {
        // At most ~30 redraws a second: the daemon can send hundreds of lines.
        const now = Date.now();
        if (now - lastDrawn < 33) return;
        lastDrawn = now;
        out.write(`\r\x1b[2K${render(p)}`);
        return;
      }
      // Not a terminal: one line per phase (Downloading, Extracting...), the end in done().
      const phase = phaseOf(p);
      if (phase !== lastPhase && phase !== 'complete' && p.layers.size > 0) {
        lastPhase = phase;
        out.write(`${render(p)}\n`);
      }
    },
    done() {
      if (!last) return;
      if (live) out.write(`\r\x1b[2K${render(last)}\n`);
      else out.write(`${render(last)}\n`);
    },
  };
}
