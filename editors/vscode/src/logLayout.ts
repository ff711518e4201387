/**
 * Geometry of the run panel's virtualised activity log, without any DOM: the height of
 * every row (measured once it has been rendered, estimated before), the offsets those
 * heights add up to, which rows a viewport needs, and whether the log follows new rows.
 * The webview measures and applies; this module decides. Appending rows, measuring the
 * rows on screen and finding the window cost O(rows changed + log n), whatever the length
 * of the log.
 */

/** Heights of the log's rows and their running offsets (recomputed lazily from the first change). */
export class RowHeights {
  private heights: number[] = [];
  private measured: boolean[] = [];
  /** offsets[i] is the top of row i; offsets[count] the total height. Valid up to `validUpTo`. */
  private offsets: number[] = [0];
  private validUpTo = 0;

  get count(): number {
    return this.heights.length;
  }

  /** Add rows at the end with their estimated heights. */
  push(...estimates: number[]): void {
    for (const h of estimates) {
      this.heights.push(h);
      this.measured.push(false);
    }
  }

  /** Drop the first `n` rows (the oldest). */
  dropFront(n: number): void {
    if (n <= 0) return;
    this.heights.splice(0, n);
    this.measured.splice(0, n);
    this.validUpTo = 0;
    this.offsets.length = 1;
  }

  /** Record the real height of row `index`; returns whether it differed from what was known. */
  measure(index: number, height: number): boolean {
    this.measured[index] = true;
    if (this.heights[index] === height) return false;
    this.heights[index] = height;
    if (index < this.validUpTo) this.validUpTo = index;
    return true;
  }

  isMeasured(index: number): boolean {
    return this.measured[index] === true;
  }

  height(index: number): number {
    return this.heights[index];
  }

  /** Forget every measurement (the width changed: wrapping changes): back to `estimate`. */
  reestimate(estimate: (index: number) => number): void {
    for (let i = 0; i < this.heights.length; i++) {
      this.heights[i] = estimate(i);
      this.measured[i] = false;
    }
    this.validUpTo = 0;
  }

  private ensure(upTo: number): void {
    const offsets = this.offsets;
    for (let i = this.validUpTo; i < upTo; i++) offsets[i + 1] = offsets[i] + this.heights[i];
    if (upTo > this.validUpTo) this.validUpTo = upTo;
  }

  /** The top of row `index` (`count` gives the total height). */
  offset(index: number): number {
    const i = Math.max(0, Math.min(index, this.heights.length));
    this.ensure(i);
    return this.offsets[i];
  }

  total(): number {
    return this.offset(this.heights.length);
  }

  /** The row at height `y` (the last row below the end, 0 above the start or when empty). */
  indexAt(y: number): number {
    const n = this.heights.length;
    if (n === 0 || y <= 0) return 0;
    this.ensure(n);
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsets[mid] <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Rows [start, end) are rendered, the first of them at `top`. */
export interface LogWindow {
  start: number;
  end: number;
  top: number;
}

/** The rows a viewport at `scrollTop` shows, with `overscan` pixels more on each side. */
export function visibleWindow(rows: RowHeights, scrollTop: number, viewport: number, overscan: number): LogWindow {
  if (rows.count === 0) return { start: 0, end: 0, top: 0 };
  const start = rows.indexAt(scrollTop - overscan);
  let end = rows.indexAt(scrollTop + viewport + overscan) + 1;
  end = Math.min(rows.count, Math.max(end, start + 1));
  return { start, end, top: rows.offset(start) };
}

/** The scroll position that shows the last row at the bottom of the viewport. */
export function bottomScrollTop(rows: RowHeights, viewport: number): number {
  return Math.max(0, rows.total() - viewport);
}

/** How close to the end (px) still counts as "at the end". */
export const FOLLOW_SLACK_PX = 4;

/**
 * Follow mode: on while the view is at the end of the log. Scrolling away from the end
 * (only the user does that: the panel itself only ever scrolls to the end) turns it off,
 * coming back to the end turns it on again.
 */
export class Follow {
  following = true;

  /** The view now shows [scrollTop, scrollTop + viewport) of a log `total` high. */
  scrolled(scrollTop: number, viewport: number, total: number): void {
    this.following = scrollTop + viewport >= total - FOLLOW_SLACK_PX;
  }
}

/**
 * An estimate of a row's height before it is measured: one line for the row, one more per
 * line break in its text and per `columns` characters of a long line (it wraps).
 */
export function estimateRowHeight(text: string, firstLine: number, perLine: number, columns: number): number {
  let lines = 0;
  let from = 0;
  for (;;) {
    const to = text.indexOf("\n", from);
    const length = (to < 0 ? text.length : to) - from;
    lines += columns > 0 ? Math.max(1, Math.ceil(length / columns)) : 1;
    if (to < 0) break;
    from = to + 1;
  }
  return firstLine + (lines - 1) * perLine;
}
