/**
 * k-anonymity for a two-way table of counts published with its margins. Pure; no I/O.
 *
 * What is published: every inner cell (kelurahan × category), every row total (per kelurahan, also what the
 * map shows), every column total (per category, the city) and the grand total. Publishing both margins is
 * what makes small cells recoverable by subtraction, so the choice here is to *suppress complementary
 * cells* rather than to drop the totals.
 *
 * The attacker. Extend the R×C table by a total row and a total column into an (R+1)×(C+1) table X. Each
 * line of X says "the inner cells sum to the margin". An attacker knows every shown cell, every line
 * equation, and that a hidden cell is at least 1 (zeros are shown as 0, so a hidden cell is never 0). Any
 * change of the hidden cells that keeps every line equation and every lower bound gives a table the
 * attacker cannot tell from the true one.
 *
 * The rule. A cell with 1..k-1 is hidden (primary). Then for every primary cell p the attacker's largest
 * possible value of p must be at least k: they can neither pin p nor tell it from a publishable count (so
 * "recovered by subtraction" is ruled out with room to spare). That largest value is a max-flow: with
 * y = ±x (minus on the row and column totals, plus on inner cells and the grand total) every line of X
 * sums to zero, a change of the hidden cells is a circulation on the bipartite graph rows × columns whose
 * edges are the hidden cells, and an edge may carry as much as its cell can decrease (x - 1) one way and
 * without limit the other way. Raising p by d needs a flow of d between p's row and column through the
 * other hidden cells, so p is protected when that flow reaches k - p.
 *
 * Where it does not, the cheapest augmenting path through not-yet-hidden cells is hidden too (cost: the
 * counts newly hidden, so small inner cells go before the informative totals), until it does. The path
 * through p's row total, column total and grand total always exists, so protection always exists; it is
 * the most expensive choice and is taken only when nothing cheaper is available. Hiding more never lowers
 * another cell's protection, so one pass over the primary cells suffices.
 *
 * One table only: the relations between the tables the public view publishes together (nested periods,
 * measures, time buckets) are audited by disclosure.ts over the whole publication (publication.ts), which
 * starts from these patterns. Not covered: successive snapshots of a live count.
 */

import { protectJointly, type Figure, type Key, type Relation } from './disclosure';

/**
 * A count as published: its value, or null and `suppressed` when it is hidden; `lessThan` (k) when the hidden
 * count is below k (the page's "< 5"), absent when it is a cover of k or more.
 */
export type PublicCount = { n: number; suppressed: false } | { n: null; suppressed: true; lessThan?: number };

export interface ProtectedTable {
  /** [row][col], same shape as the input. */
  cells: PublicCount[][];
  rowTotals: PublicCount[];
  colTotals: PublicCount[];
  total: PublicCount;
}

const shown = (n: number): PublicCount => ({ n, suppressed: false });
const HIDDEN: PublicCount = Object.freeze({ n: null, suppressed: true }) as PublicCount;

/**
 * Which cells of the extended table X (inner R×C, row totals in column C, column totals in row R, grand total
 * at [R][C]) must be hidden so that no cell with 1..k-1 can be bounded below k by anyone who also reads the
 * shown cells and all totals. Exported for the tests, which check it against an independent solver.
 */
export function suppressionPattern(
  x: readonly (readonly number[])[],
  k: number,
  keep?: readonly (readonly boolean[])[],
  opts: { rule?: 'upper-k' | 'unpinned' } = {},
): boolean[][] {
  const R = x.length - 1;
  const C = (x[0]?.length ?? 1) - 1;
  const W = C + 1;
  const N = (R + 1) * W;
  const val = Float64Array.from(x.flat());
  const unpinned = opts.rule === 'unpinned';
  // `keep`: cells the attacker knows anyway (published elsewhere): never hidden, never a cover. Under the
  // 'unpinned' rule they are only preferred: dropped when nothing else can protect a small count.
  let kept = keep ? keep.flat().map(Boolean) : new Array<boolean>(N).fill(false);
  const sup = Array.from(val, (v, c) => v >= 1 && v < k && !kept[c]);
  // Inner cells first, then the margins: a margin is usually protected by the paths of its cells.
  const primaries: number[] = [];
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) if (sup[i * W + j]) primaries.push(i * W + j);
  for (let i = 0; i < R; i++) if (sup[i * W + C]) primaries.push(i * W + C);
  for (let j = 0; j < C; j++) if (sup[R * W + j]) primaries.push(R * W + j);
  if (sup[R * W + C]) primaries.push(R * W + C);

  // Nodes: row i is i, column j is R + 1 + j. A cell is an edge row → column; flow > 0 runs row → column.
  const V = R + 1 + W;
  const minus = (cell: number) => (Math.floor(cell / W) === R) !== (cell % W === C);
  // How far a cell's edge may carry flow each way: the direction that lowers the cell is capped at x - 1.
  const capRC = new Float64Array(N);
  const capCR = new Float64Array(N);
  for (let c = 0; c < N; c++) {
    if (!unpinned) {
      capRC[c] = minus(c) ? val[c]! - 1 : Infinity;
      capCR[c] = minus(c) ? Infinity : val[c]! - 1;
      continue;
    }
    // 'unpinned': what the published markers tell — "< k" is 0..k−1, a cover without it is ≥ k
    const v = val[c]!;
    const up = v < k ? k - 1 - v : Infinity;
    const down = v < k ? v : v - k;
    capRC[c] = minus(c) ? down : up;
    capCR[c] = minus(c) ? up : down;
  }
  const flow = new Float64Array(N);
  const touched: number[] = [];
  // Scratch space reused by every search (this runs for every small count of every table of every snapshot).
  const via = new Int32Array(V);
  const prev = new Int32Array(V);
  const queue = new Int32Array(V);
  const nextArc = new Int32Array(V);
  const dist = new Float64Array(V);
  const done = new Uint8Array(V);

  /** Residual capacity of `cell`'s edge leaving `from`. */
  const residual = (cell: number, from: number) => (from <= R ? capRC[cell]! - flow[cell]! : capCR[cell]! + flow[cell]!);
  /** The cell joining `node` to its `n`-th neighbour, and that neighbour. */
  const degree = (node: number) => (node <= R ? W : R + 1);
  const cellAt = (node: number, n: number) => (node <= R ? node * W + n : n * W + (node - R - 1));
  const other = (node: number, n: number) => (node <= R ? R + 1 + n : n);

  /**
   * Max flow from src to dst over hidden cells other than p, stopping at `need`. Depth-first augmenting
   * paths: a protected cell (the common case) is usually proved by a few short paths without visiting the
   * whole graph.
   */
  function maxFlow(p: number, src: number, dst: number, need: number): number {
    for (const c of touched) flow[c] = 0;
    touched.length = 0;
    let total = 0;
    while (total < need) {
      prev.fill(-1);
      prev[src] = src;
      // queue doubles as the DFS stack of nodes, `next` as each stacked node's next neighbour to try
      let top = 0;
      queue[0] = src;
      nextArc[src] = 0;
      const dstIsRow = dst <= R;
      while (top >= 0 && prev[dst] === -1) {
        const node = queue[top]!;
        // Goal first: one cell joins a node to dst when they are on opposite sides.
        if (nextArc[node] === 0 && node <= R !== dstIsRow) {
          const cell = dstIsRow ? dst * W + (node - R - 1) : node * W + (dst - R - 1);
          if (cell !== p && sup[cell] && residual(cell, node) > 0) {
            prev[dst] = node;
            via[dst] = cell;
            break;
          }
        }
        const deg = degree(node);
        let pushed = false;
        while (nextArc[node]! < deg) {
          const n = nextArc[node]!++;
          const cell = cellAt(node, n);
          const next = other(node, n);
          if (prev[next] !== -1 || cell === p || !sup[cell] || residual(cell, node) <= 0) continue;
          prev[next] = node;
          via[next] = cell;
          nextArc[next] = 0;
          queue[++top] = next;
          pushed = true;
          break;
        }
        if (!pushed) top--;
      }
      if (prev[dst] === -1) break;
      let d = need - total;
      for (let n = dst; n !== src; n = prev[n]!) d = Math.min(d, residual(via[n]!, prev[n]!));
      for (let n = dst; n !== src; n = prev[n]!) {
        const cell = via[n]!;
        if (flow[cell] === 0) touched.push(cell);
        flow[cell] = flow[cell]! + (prev[n]! <= R ? d : -d);
      }
      total += d;
    }
    return total;
  }

  /** The cheapest path from src to dst in the residual graph when shown cells may be hidden at their count. */
  function cheapestPath(p: number, src: number, dst: number): number[] | null {
    dist.fill(Infinity);
    done.fill(0);
    dist[src] = 0;
    for (;;) {
      let node = -1;
      for (let v = 0; v < V; v++) if (!done[v] && dist[v]! < Infinity && (node < 0 || dist[v]! < dist[node]!)) node = v;
      if (node < 0 || node === dst) break;
      done[node] = 1;
      for (let n = 0, deg = degree(node); n < deg; n++) {
        const cell = cellAt(node, n);
        const next = other(node, n);
        if (done[next] || cell === p || (val[cell] === 0 && !unpinned) || (kept[cell] && !sup[cell]) || residual(cell, node) <= 0) continue;
        const d = dist[node]! + (sup[cell] ? 0 : val[cell]!);
        if (d < dist[next]!) {
          dist[next] = d;
          prev[next] = node;
          via[next] = cell;
        }
      }
    }
    if (dist[dst] === Infinity) return null;
    const cells: number[] = [];
    for (let n = dst; n !== src; n = prev[n]!) cells.push(via[n]!);
    return cells;
  }

  for (const p of primaries) {
    if (unpinned) {
      protectUnpinned(p);
      continue;
    }
    const need = k - val[p]!;
    const row = Math.floor(p / W);
    const col = R + 1 + (p % W);
    // Raising p is flow row → column on p's edge when it counts plus (inner, grand total), else the reverse;
    // the rest of the circulation must bring it back.
    const [src, dst] = minus(p) ? [row, col] : [col, row];
    while (maxFlow(p, src, dst, need) < need) {
      const path = cheapestPath(p, src, dst);
      if (!path) {
        // Unreachable for a consistent table (the path through the totals always exists); if it ever
        // happens, hiding every non-zero cell is safe.
        for (let c = 0; c < N; c++) if (val[c]! > 0 && !kept[c]) sup[c] = true;
        break;
      }
      for (const c of path) sup[c] = true;
    }
  }
  return Array.from({ length: R + 1 }, (_, i) => sup.slice(i * W, i * W + W));

  /**
   * The 'unpinned' rule for one small count p: the attacker must not pin it, so the hidden cells must let it
   * move by one, up (while below k − 1) or down. Each is a unit of flow around a cycle through p; where none
   * exists, the cheapest path (zeros cost nothing) is hidden, until one does.
   */
  function protectUnpinned(p: number) {
    const row = Math.floor(p / W);
    const col = R + 1 + (p % W);
    const up: [number, number] = minus(p) ? [row, col] : [col, row];
    const dirs: [number, number][] = val[p]! < k - 1 ? [up, [up[1], up[0]]] : [[up[1], up[0]]];
    for (let guard = 0; guard <= N; guard++) {
      if (dirs.some(([s, d]) => maxFlow(p, s, d, 1) >= 1)) return;
      let best: number[] | null = null;
      let bestCost = Infinity;
      for (const [s, d] of dirs) {
        const path = cheapestPath(p, s, d);
        const cost = path ? path.reduce((a, c) => a + (sup[c] ? 0 : val[c]!), 0) : Infinity;
        if (path && cost < bestCost) [best, bestCost] = [path, cost];
      }
      if (!best) {
        if (kept.some(Boolean)) {
          kept = new Array<boolean>(N).fill(false);
          continue;
        }
        for (let c = 0; c < N; c++) if (val[c]! > 0) sup[c] = true;
        return;
      }
      for (const c of best) sup[c] = true;
    }
  }
}

/** The extended table of `inner` (R rows of `cols` counts): row totals in column `cols`, column totals in row R. */
function extendTable(inner: readonly (readonly number[])[], cols: number): number[][] {
  const R = inner.length;
  const x: number[][] = Array.from({ length: R + 1 }, () => new Array<number>(cols + 1).fill(0));
  const last = x[R]!;
  for (let i = 0; i < R; i++) {
    const row = x[i]!;
    for (let j = 0; j < cols; j++) {
      const v = inner[i]![j] ?? 0;
      row[j] = v;
      row[cols]! += v;
      last[j]! += v;
      last[cols]! += v;
    }
  }
  return x;
}

/** Builds the extended table of `inner` (R rows of `cols` counts) and publishes it k-anonymously. */
export function protectTable(inner: readonly (readonly number[])[], cols: number, k: number): ProtectedTable {
  const R = inner.length;
  const x = extendTable(inner, cols);
  const sup = suppressionPattern(x, k);
  const pub = (i: number, j: number): PublicCount => (sup[i]![j] ? HIDDEN : shown(x[i]![j]!));
  return {
    cells: inner.map((_, i) => Array.from({ length: cols }, (_, j) => pub(i, j))),
    rowTotals: inner.map((_, i) => pub(i, cols)),
    colTotals: Array.from({ length: cols }, (_, j) => pub(R, j)),
    total: pub(R, cols),
  };
}

/**
 * Builds the extended table of `inner` (R rows of `cols` counts) and publishes it k-anonymously, as the complaint
 * figures are (publication.ts): the 'unpinned' per-table pattern, then the joint check of disclosure.ts against
 * an attacker who reads every shown cell, the table's sums and the markers — a hidden count below k says
 * "< k" (`lessThan`), a hidden cover of k or more says nothing, so it is known to be ≥ k — and pins no small
 * count. For a table published on its own (the public incident counts, the public scorecard); `protectTable`
 * alone (the 'upper-k' rule, no markers) is what the server published before issue 21.
 */
export function protectTableJointly(inner: readonly (readonly number[])[], cols: number, k: number): ProtectedTable {
  const R = inner.length;
  const x = extendTable(inner, cols);
  const sup = suppressionPattern(x, k, undefined, { rule: 'unpinned' });
  const key = (i: number, j: number) => `${i}|${j}`;
  const figures: Figure[] = [];
  const hidden = new Set<Key>();
  for (let i = 0; i <= R; i++)
    for (let j = 0; j <= cols; j++) {
      const v = x[i]![j]!;
      figures.push({ key: key(i, j), value: v, primary: v >= 1 && v < k });
      if (sup[i]![j]) hidden.add(key(i, j));
    }
  const relations: Relation[] = [];
  for (let i = 0; i <= R; i++)
    relations.push({ terms: [...Array.from({ length: cols }, (_, j) => [key(i, j), 1] as const), [key(i, cols), -1] as const], op: 'eq' });
  for (let j = 0; j <= cols; j++)
    relations.push({ terms: [...Array.from({ length: R }, (_, i) => [key(i, j), 1] as const), [key(R, j), -1] as const], op: 'eq' });
  const joint = protectJointly({ figures, relations, k, hidden });
  const pub = (i: number, j: number): PublicCount => {
    if (!joint.hidden.has(key(i, j))) return shown(x[i]![j]!);
    return x[i]![j]! < k ? { n: null, suppressed: true, lessThan: k } : HIDDEN;
  };
  return {
    cells: inner.map((_, i) => Array.from({ length: cols }, (_, j) => pub(i, j))),
    rowTotals: inner.map((_, i) => pub(i, cols)),
    colTotals: Array.from({ length: cols }, (_, j) => pub(R, j)),
    total: pub(R, cols),
  };
}
