// The demo fits an 80-column terminal, or a narrower one: a wrapped line breaks the pull
// bar's in-place redraw (\r returns to the start of the wrapped part only) and scrambles the
// waterfall. Columns are counted as UTF-16 units: every character the demo prints
// (ASCII, box drawing, blocks, the ellipsis) is one column wide.

/** At most 80 columns, fewer when the terminal says so; 80 when it is not a terminal. */
export function outputWidth(out: { isTTY?: boolean; columns?: number }): number {
  const columns = out.isTTY && typeof out.columns === 'number' && out.columns > 0 ? out.columns : 80;
  return Math.max(20, Math.min(80, columns));
}

/** The line cut to `width` columns, with an ellipsis when something was cut. */
export function fit(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}
