/** The virtualised activity log's geometry: heights, offsets, windows, follow mode. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bottomScrollTop,
  estimateRowHeight,
  Follow,
  RowHeights,
  visibleWindow,
} from "../../src/logLayout";

const VIEWPORT = 100;

/** Rows as the panel adds them: estimated first, measured once rendered. */
function rowsOf(...heights: number[]): RowHeights {
  const rows = new RowHeights();
  rows.push(...heights);
  return rows;
}

/**
 * What the panel does after a batch in follow mode: find the window at the end, measure
 * the rows it renders (`real` heights), and again until nothing changes; returns the
 * scroll position it ends at and the rows rendered.
 */
function followToEnd(rows: RowHeights, real: (index: number) => number, viewport = VIEWPORT) {
  let scrollTop = bottomScrollTop(rows, viewport);
  let win = visibleWindow(rows, scrollTop, viewport, 0);
  for (let pass = 0; pass < 8; pass++) {
    let changed = false;
    for (let i = win.start; i < win.end; i++) {
      if (!rows.isMeasured(i) && rows.measure(i, real(i))) changed = true;
    }
    if (!changed) break;
    scrollTop = bottomScrollTop(rows, viewport);
    win = visibleWindow(rows, scrollTop, viewport, 0);
  }
  return { scrollTop, win };
}

describe("RowHeights", () => {
  test("offsets add up the heights; indexAt finds the row under a height", () => {
    const rows = rowsOf(10, 20, 30);
    assert.deepEqual([0, 1, 2, 3].map((i) => rows.offset(i)), [0, 10, 30, 60]);
    assert.equal(rows.total(), 60);
    assert.deepEqual([-5, 0, 9.9, 10, 29, 30, 59, 60, 500].map((y) => rows.indexAt(y)), [0, 0, 0, 1, 1, 2, 2, 2, 2]);
  });

  test("a measured height moves every row after it", () => {
    const rows = rowsOf(10, 10, 10, 10);
    assert.equal(rows.total(), 40);
    assert.equal(rows.measure(1, 25), true);
    assert.equal(rows.measure(1, 25), false, "the same height again changes nothing");
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => rows.offset(i)), [0, 10, 35, 45, 55]);
    assert.ok(rows.isMeasured(1) && !rows.isMeasured(2));
  });

  test("dropping the oldest rows and re-estimating after a resize", () => {
    const rows = rowsOf(10, 20, 30, 40);
    rows.measure(3, 45);
    rows.dropFront(2);
    assert.equal(rows.count, 2);
    assert.equal(rows.total(), 75);
    assert.equal(rows.indexAt(31), 1);
    rows.reestimate((i) => (i + 1) * 5);
    assert.equal(rows.total(), 15);
    assert.equal(rows.isMeasured(1), false);
  });

  test("an empty log", () => {
    const rows = new RowHeights();
    assert.equal(rows.total(), 0);
    assert.equal(rows.indexAt(50), 0);
    assert.deepEqual(visibleWindow(rows, 0, VIEWPORT, 50), { start: 0, end: 0, top: 0 });
    assert.equal(bottomScrollTop(rows, VIEWPORT), 0);
  });
});

describe("visibleWindow", () => {
  test("the rows in the viewport, with the overscan on both sides", () => {
    const rows = rowsOf(...Array<number>(100).fill(10));
    assert.deepEqual(visibleWindow(rows, 500, VIEWPORT, 0), { start: 50, end: 61, top: 500 });
    assert.deepEqual(visibleWindow(rows, 500, VIEWPORT, 30), { start: 47, end: 64, top: 470 });
    assert.deepEqual(visibleWindow(rows, 0, VIEWPORT, 30), { start: 0, end: 14, top: 0 });
    assert.deepEqual(visibleWindow(rows, 950, VIEWPORT, 30), { start: 92, end: 100, top: 920 });
  });

  test("its size depends on the viewport, not on how long the log is", () => {
    for (const count of [100, 3000, 5000]) {
      const rows = rowsOf(...Array<number>(count).fill(20));
      const win = visibleWindow(rows, bottomScrollTop(rows, VIEWPORT), VIEWPORT, 40);
      assert.equal(win.end, count);
      assert.equal(win.end - win.start, 7, `${count} rows`);
    }
  });
});

describe("follow mode at the end of a fast stream", () => {
  test("rows taller than estimated (tool output): the last row still ends at the viewport's bottom", () => {
    // A batch of 3,000 rows estimated at one line; every fifth row is really two lines (stdout).
    const real = (i: number) => (i % 5 === 4 ? 34 : 18);
    const rows = rowsOf(...Array<number>(3000).fill(18));
    const { scrollTop, win } = followToEnd(rows, real);
    assert.equal(win.end, 3000, "the last row is rendered");
    for (let i = win.start; i < win.end; i++) assert.ok(rows.isMeasured(i), `row ${i} is measured`);
    const lastBottom = rows.offset(2999) + rows.height(2999);
    assert.equal(lastBottom, rows.total());
    assert.equal(scrollTop + VIEWPORT, lastBottom, "the viewport ends where the last row does");
    assert.ok(rows.offset(win.start) <= scrollTop, "the window covers the top of the viewport");
  });

  test("rows shorter than estimated: more rows are rendered until the viewport is full", () => {
    const rows = rowsOf(...Array<number>(50).fill(60));
    const { scrollTop, win } = followToEnd(rows, () => 12);
    assert.equal(scrollTop, rows.total() - VIEWPORT);
    assert.ok(rows.offset(win.start) <= scrollTop && win.end === 50);
    assert.ok(win.end - win.start >= Math.ceil(VIEWPORT / 12), `${win.end - win.start} rows fill ${VIEWPORT}px`);
  });

  test("a second batch after the first: still pinned to the new end", () => {
    const real = (i: number) => (i % 3 === 0 ? 40 : 20);
    const rows = rowsOf(...Array<number>(200).fill(20));
    followToEnd(rows, real);
    rows.push(...Array<number>(37).fill(20));
    const { scrollTop } = followToEnd(rows, real);
    assert.equal(scrollTop + VIEWPORT, rows.offset(236) + rows.height(236));
  });

  test("scrolling up stops following; back at the end it follows again", () => {
    const follow = new Follow();
    assert.equal(follow.following, true);
    follow.scrolled(900, VIEWPORT, 1000);
    assert.equal(follow.following, true, "at the end");
    follow.scrolled(700, VIEWPORT, 1000);
    assert.equal(follow.following, false, "scrolled up");
    follow.scrolled(898, VIEWPORT, 1000);
    assert.equal(follow.following, true, "within the slack of the end");
    follow.scrolled(0, VIEWPORT, 60);
    assert.equal(follow.following, true, "a log shorter than the viewport");
  });
});

describe("estimateRowHeight", () => {
  test("one line per line break, long lines wrap at the column count", () => {
    assert.equal(estimateRowHeight("done", 20, 16, 80), 20);
    assert.equal(estimateRowHeight("stdout:\nstep 1", 20, 16, 80), 36);
    assert.equal(estimateRowHeight("x".repeat(200), 20, 16, 80), 52);
    assert.equal(estimateRowHeight("", 20, 16, 80), 20);
    assert.equal(estimateRowHeight("x".repeat(200), 20, 16, 0), 20, "no column count: no wrapping");
  });
});
