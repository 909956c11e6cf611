/**
 * Empty panels give their room back. A scene's panels sit on a fixed grid (the scenes file); when a panel has
 * nothing to show (no open alert) it shrinks to a strip on its last row and the panel directly above it, in
 * the same columns, grows into the rows it freed. The strip's row is sized to its content (`auto`) when no
 * other panel lives in that row alone, so the strip is thin and the rest of the column gets the room. Pure.
 */

export interface Area {
  col: number;
  row: number;
  w: number;
  h: number;
}

export interface SceneLayout {
  areas: Area[];
  /** One CSS track per grid row: `minmax(0, 1fr)` or `auto` for a row that holds only strips and spanning panels. */
  rows: string[];
  /** Indexes of the panels drawn as strips. */
  collapsed: number[];
}

const FLEX = 'minmax(0, 1fr)';

const covers = (a: Area, row: number) => row >= a.row && row < a.row + a.h;

/**
 * Lays out `areas` on a grid of `rowCount` rows with the panels in `empty` collapsed where a neighbour above can
 * take their room (a panel with no such neighbour keeps its area, drawn as a strip inside it).
 */
export function collapseEmpty(areas: readonly Area[], empty: ReadonlySet<number>, rowCount: number): SceneLayout {
  const out = areas.map((a) => ({ ...a }));
  const collapsed: number[] = [];
  for (const i of [...empty].sort((x, y) => x - y)) {
    const a = out[i];
    if (!a) continue;
    const above = out.findIndex((b, j) => j !== i && !empty.has(j) && b.col === a.col && b.w === a.w && b.row + b.h === a.row);
    if (above < 0) continue;
    const freed = a.h - 1;
    out[above]!.h += freed;
    out[i] = { ...a, row: a.row + freed, h: 1 };
    collapsed.push(i);
  }
  const strips = new Set(collapsed);
  const rows = Array.from({ length: rowCount }, (_, k) => {
    const row = k + 1;
    const here = out.map((a, j) => [a, j] as const).filter(([a]) => covers(a, row));
    const hasStrip = here.some(([, j]) => strips.has(j));
    // a panel that lives in this row alone would be squeezed to its content: keep the row flexible then
    const alone = here.some(([a, j]) => !strips.has(j) && a.h === 1);
    return hasStrip && !alone ? 'auto' : FLEX;
  });
  return { areas: out, rows, collapsed };
}
