/**
 * The public view's pure parts: k-anonymous tables (checked against an independent solver of what an attacker
 * can deduce from the shown cells and all totals), complaint summaries by period, medians, the map, the
 * metrics view and the snapshot cache (fake clock).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../demo/city';
import { complaintMap, median, publicMetrics, type ComplaintRow, type MetricSeriesRow, type RegionInfo } from '../../server/public/aggregation';
import { createSnapshotCache, matchesEtag } from '../../server/public/cache';
import { summarizeComplaints } from '../../server/public/publication';
import { protectTable, protectTableJointly, suppressionPattern, type PublicCount } from '../../server/public/suppression';
import { propagate, type Relation } from '../../server/public/disclosure';

const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.UTC(2025, 5, 1, 5, 0, 0);

const n = (c: PublicCount) => (c.suppressed ? null : c.n);

/** The (R+1)×(C+1) table with row totals in the last column and column totals in the last row. */
function extend(inner: number[][], cols: number): number[][] {
  const R = inner.length;
  const x = Array.from({ length: R + 1 }, () => new Array<number>(cols + 1).fill(0));
  inner.forEach((row, i) =>
    row.forEach((v, j) => {
      x[i]![j] = v;
      x[i]![cols]! += v;
      x[R]![j]! += v;
      x[R]![cols]! += v;
    }),
  );
  return x;
}

/**
 * The attacker: unknowns are the suppressed cells, each >= 1 (zeros are shown); every line of the extended
 * table sums to its margin. Independent of the suppression code (no rectangles, no signs).
 */
function attacker(x: number[][], sup: boolean[][]) {
  const R = x.length - 1;
  const C = x[0]!.length - 1;
  const unknowns: [number, number][] = [];
  const index = new Map<string, number>();
  for (let i = 0; i <= R; i++) for (let j = 0; j <= C; j++) if (sup[i]![j]) index.set(`${i},${j}`, unknowns.push([i, j]) - 1);
  // Each equation: sum of coef * cell = 0, cells as [i, j, coef].
  const lines: [number, number, number][][] = [];
  for (let i = 0; i <= R; i++) lines.push([...Array.from({ length: C }, (_, j) => [i, j, 1] as [number, number, number]), [i, C, -1]]);
  for (let j = 0; j <= C; j++) lines.push([...Array.from({ length: R }, (_, i) => [i, j, 1] as [number, number, number]), [R, j, -1]]);

  /** Rank of the linear system restricted to the unknowns, optionally with one extra unit row. */
  function rank(extra?: number): number {
    const rows = lines.map((l) => {
      const r = new Array<number>(unknowns.length).fill(0);
      for (const [i, j, c] of l) {
        const u = index.get(`${i},${j}`);
        if (u !== undefined) r[u]! += c;
      }
      return r;
    });
    if (extra !== undefined) rows.push(unknowns.map((_, u) => (u === extra ? 1 : 0)));
    let rk = 0;
    for (let col = 0; col < unknowns.length && rk < rows.length; col++) {
      const pivot = rows.findIndex((r, ri) => ri >= rk && Math.abs(r[col]!) > 1e-9);
      if (pivot < 0) continue;
      [rows[rk], rows[pivot]] = [rows[pivot]!, rows[rk]!];
      const p = rows[rk]!;
      for (let ri = 0; ri < rows.length; ri++) {
        if (ri === rk) continue;
        const f = rows[ri]![col]! / p[col]!;
        if (f !== 0) rows[ri] = rows[ri]!.map((v, c) => v - f * p[c]!);
      }
      rk++;
    }
    return rk;
  }

  return {
    /** Whether the equations fix this suppressed cell's value (subtraction recovers it). */
    derivable(i: number, j: number): boolean {
      const u = index.get(`${i},${j}`)!;
      return rank(u) === rank();
    },
    /** Whether some table consistent with everything published has `value` in cell (i, j). */
    feasible(i: number, j: number, value: number, nodeLimit = 200_000): boolean {
      const val = new Map<number, number>([[index.get(`${i},${j}`)!, value]]);
      const cap = x[R]![C]! + value + 10;
      let nodes = 0;
      const cell = (a: number, b: number) => {
        const u = index.get(`${a},${b}`);
        return u === undefined ? x[a]![b]! : val.get(u);
      };
      const propagate = (assigned: number[]): boolean => {
        for (let changed = true; changed;) {
          changed = false;
          for (const l of lines) {
            let sum = 0;
            let open: [number, number, number] | null = null;
            let opens = 0;
            for (const t of l) {
              const v = cell(t[0], t[1]);
              if (v === undefined) {
                opens++;
                open = t;
              } else sum += t[2] * v;
            }
            if (opens === 0 && sum !== 0) return false;
            if (opens === 1) {
              const v = -sum / open![2];
              if (v < 1 || v > cap) return false;
              const u = index.get(`${open![0]},${open![1]}`)!;
              val.set(u, v);
              assigned.push(u);
              changed = true;
            }
          }
        }
        return true;
      };
      const search = (): boolean => {
        if (++nodes > nodeLimit) throw new Error('attacker search too large');
        const assigned: number[] = [];
        const ok = propagate(assigned);
        if (ok) {
          const next = unknowns.findIndex((_, u) => !val.has(u));
          if (next < 0) return true;
          const [a, b] = unknowns[next]!;
          const truth = x[a]![b]!;
          const tries = Array.from({ length: cap }, (_, v) => v + 1).sort((p, q) => Math.abs(p - truth) - Math.abs(q - truth));
          for (const v of tries) {
            val.set(next, v);
            if (search()) return true;
            val.delete(next);
          }
        }
        for (const u of assigned) val.delete(u);
        return false;
      };
      return search();
    },
  };
}

const rng = mulberry32;

describe('protectTable (k-anonymity with totals)', () => {
  it('suppresses 1..k-1, shows k and above, shows 0 as 0', () => {
    // one column per value 0..6, a single row: the row and column totals force complementary cells
    const t = protectTable([[0, 1, 2, 3, 4, 5, 6]], 7, 5);
    expect(n(t.cells[0]![0]!)).toBe(0);
    for (const j of [1, 2, 3, 4]) expect(t.cells[0]![j]).toEqual({ n: null, suppressed: true });
    expect(t.cells.flat().every((c) => c.suppressed || c.n === 0 || c.n >= 5)).toBe(true);
  });

  it.each([
    {
      k: 5,
      inner: [
        [5, 0],
        [0, 7],
      ],
      cells: [
        [5, 0],
        [0, 7],
      ],
      rows: [5, 7],
      cols: [5, 7],
      total: 12,
    },
    {
      k: 5,
      inner: [
        [0, 0],
        [0, 0],
      ],
      cells: [
        [0, 0],
        [0, 0],
      ],
      rows: [0, 0],
      cols: [0, 0],
      total: 0,
    },
    {
      k: 3,
      inner: [
        [3, 9],
        [8, 4],
      ],
      cells: [
        [3, 9],
        [8, 4],
      ],
      rows: [12, 12],
      cols: [11, 13],
      total: 24,
    },
    // 2 is hidden; its row total 12 and column total 9 would give it away, so a rectangle of cells goes too:
    // the cheapest is its row's other cell and the two cells below them
    {
      k: 5,
      inner: [
        [2, 10],
        [7, 20],
      ],
      cells: [
        [null, null],
        [null, null],
      ],
      rows: [12, 27],
      cols: [9, 30],
      total: 39,
    },
    // with a third row the cheapest rectangle no longer hides everything
    {
      k: 5,
      inner: [
        [2, 10],
        [7, 20],
        [50, 60],
      ],
      cells: [
        [null, null],
        [null, null],
        [50, 60],
      ],
      rows: [12, 27, 110],
      cols: [59, 90],
      total: 149,
    },
    // all complaints in one kelurahan: its cells are the city totals, so the small one hides with its total
    { k: 5, inner: [[3, 8]], cells: [[null, null]], rows: [11], cols: [null, null], total: 11 },
  ])('table $inner with k=$k', ({ k, inner, cells, rows, cols, total }) => {
    const t = protectTable(inner, inner[0]!.length, k);
    expect(t.cells.map((r) => r.map(n))).toEqual(cells);
    expect(t.rowTotals.map(n)).toEqual(rows);
    expect(t.colTotals.map(n)).toEqual(cols);
    expect(n(t.total)).toBe(total);
  });

  it('never lets a hidden small count be recovered or bounded below k, on 300 random tables', () => {
    const rand = rng(20250601);
    let checked = 0;
    for (let trial = 0; trial < 300; trial++) {
      const R = 1 + Math.floor(rand() * 4);
      const C = 1 + Math.floor(rand() * 4);
      const k = [2, 3, 5][trial % 3]!;
      const inner = Array.from({ length: R }, () =>
        Array.from({ length: C }, () => {
          const r = rand();
          return r < 0.3 ? 0 : r < 0.65 ? 1 + Math.floor(rand() * (k - 1)) : k + Math.floor(rand() * 12);
        }),
      );
      const x = extend(inner, C);
      const sup = suppressionPattern(x, k);
      const pub = protectTable(inner, C, k);
      // what is shown is the truth; every small count is hidden; every zero is shown
      for (let i = 0; i <= R; i++) {
        for (let j = 0; j <= C; j++) {
          const v = x[i]![j]!;
          const c = i < R && j < C ? pub.cells[i]![j]! : i < R ? pub.rowTotals[i]! : j < C ? pub.colTotals[j]! : pub.total;
          expect(c.suppressed).toBe(sup[i]![j]);
          if (!c.suppressed) expect(c.n).toBe(v);
          if (v >= 1 && v < k) expect(c.suppressed).toBe(true);
          if (v === 0) expect(c).toEqual({ n: 0, suppressed: false });
        }
      }
      const a = attacker(x, sup);
      for (let i = 0; i <= R; i++) {
        for (let j = 0; j <= C; j++) {
          const v = x[i]![j]!;
          if (!(v >= 1 && v < k)) continue;
          expect(a.derivable(i, j), `cell ${i},${j} of ${JSON.stringify(x)} k=${k}`).toBe(false);
          expect(a.feasible(i, j, k), `cell ${i},${j} of ${JSON.stringify(x)} k=${k} can look like ${k}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('is a function of the table alone: the same input gives the same pattern', () => {
    const inner = [
      [2, 10, 0],
      [7, 20, 1],
      [50, 60, 3],
    ];
    expect(protectTable(inner, 3, 5)).toEqual(
      protectTable(
        inner.map((r) => [...r]),
        3,
        5,
      ),
    );
  });
});

const REGIONS = new Map<string, RegionInfo>([
  ['33.74.02.1001', { code: '33.74.02.1001', name: 'Bandarharjo', parent: '33.74.02', parentName: 'Semarang Utara', centroid: [110.42, -6.95] }],
  ['33.74.02.1002', { code: '33.74.02.1002', name: 'Bulu Lor', parent: '33.74.02', parentName: 'Semarang Utara', centroid: [110.41, -6.97] }],
  ['33.74.03.1001', { code: '33.74.03.1001', name: 'Kemijen', parent: '33.74.03', parentName: 'Semarang Timur', centroid: [110.44, -6.96] }],
]);
const A = '33.74.02.1001';
const B = '33.74.02.1002';
const C3 = '33.74.03.1001';

const row = (region: string | null, category: string | null, openedAgoH: number, closedAgoH: number | null = null): ComplaintRow => ({
  region,
  category,
  openedAt: NOW - openedAgoH * H,
  closedAt: closedAgoH === null ? null : NOW - closedAgoH * H,
  opd: 'DISKOMINFO',
  opdName: null,
  slaHours: null,
});
const times = (count: number, f: (i: number) => ComplaintRow) => Array.from({ length: count }, (_, i) => f(i));

describe('summarizeComplaints', () => {
  const rows: ComplaintRow[] = [
    ...times(7, (i) => row(A, 'sampah', 1 + i, i < 5 ? 0.5 : null)), // 7 received in 24h, 5 closed in 24h, 2 open
    ...times(2, (i) => row(B, 'sampah', 2 + i)), // 2 received, both open
    ...times(6, (i) => row(B, 'banjir', 3 + i, 1)), // 6 received and closed in 24h
    ...times(5, (i) => row(C3, 'banjir', 30 + i)), // received 30..34 h ago: in 7d, not in 24h; open
    row(C3, 'jalan_rusak', 40 * 24), // received 40 days ago, still open: counts only as open
    row(A, 'jalan_rusak', 40 * 24, 35 * 24), // closed 35 days ago: in no period
  ];

  it('counts received, resolved and open per kelurahan and category within (now - period, now]', () => {
    const s = summarizeComplaints(rows, { period: '24h', k: 1, now: NOW, regions: REGIONS });
    expect(s).toMatchObject({ period: '24h', from: NOW - DAY, to: NOW, updatedAt: NOW, k: 1 });
    const cell = (code: string, cat: string) => s.kelurahan.find((r) => r.code === code)!.cells.find((c) => c.category === cat)!;
    expect([cell(A, 'sampah').received, cell(A, 'sampah').resolved, cell(A, 'sampah').open].map(n)).toEqual([7, 5, 2]);
    expect([cell(B, 'banjir').received, cell(B, 'banjir').resolved, cell(B, 'banjir').open].map(n)).toEqual([6, 6, 0]);
    expect([cell(C3, 'banjir').received, cell(C3, 'banjir').open].map(n)).toEqual([0, 5]);
    expect([cell(C3, 'jalan_rusak').received, cell(C3, 'jalan_rusak').open].map(n)).toEqual([0, 1]);
    // the complaint closed 35 days ago counts nowhere: A has no jalan_rusak cell
    expect(s.kelurahan.find((r) => r.code === A)!.cells.map((c) => c.category)).toEqual(['sampah']);
    expect(s.kelurahan.find((r) => r.code === B)).toMatchObject({ name: 'Bulu Lor', kecamatanCode: '33.74.02', kecamatanName: 'Semarang Utara' });
    expect(n(s.total.received)).toBe(15);
  });

  it('moves the window with now: a complaint leaves the period exactly at now - period', () => {
    const one = [row(A, 'sampah', 24), row(A, 'sampah', 23.999)];
    const s = summarizeComplaints(one, { period: '24h', k: 1, now: NOW, regions: REGIONS });
    expect(n(s.total.received)).toBe(1);
    const later = summarizeComplaints(one, { period: '24h', k: 1, now: NOW + H, regions: REGIONS });
    expect(n(later.total.received)).toBe(0);
    expect(n(later.total.open)).toBe(2);
    // a complaint that is not yet received at `now` counts nowhere
    const future = summarizeComplaints([row(A, 'sampah', -1)], { period: '24h', k: 1, now: NOW, regions: REGIONS });
    expect(future.kelurahan).toEqual([]);
    const week = summarizeComplaints(rows, { period: '7d', k: 1, now: NOW, regions: REGIONS });
    expect(n(week.total.received)).toBe(20);
    const month = summarizeComplaints(rows, { period: '30d', k: 1, now: NOW, regions: REGIONS });
    expect(n(month.total.received)).toBe(20);
    expect(n(month.total.open)).toBe(10);
  });

  /** What a hidden count says on the page: "< k" when it carries the marker, else hidden (a cover ≥ k). */
  const label = (c: PublicCount) => (!c.suppressed ? c.n : 'lessThan' in c && c.lessThan !== undefined ? `<${c.lessThan}` : 'hidden');

  it('hides the 2 as "< 5" and covers it without hiding the city totals, which are ≥ k', () => {
    // B has 2 complaints, A 7, C3 5: the column sampah (7, a city total, shown) would give B's 2 back from
    // C3's 5, so one more count of that column hides too; the city totals per category and overall stay
    const few = [
      ...times(2, (i) => row(B, 'sampah', 1 + i)),
      ...times(7, (i) => row(A, 'jalan_rusak', 1 + i)),
      ...times(5, (i) => row(C3, 'sampah', 1 + i)),
    ];
    const s = summarizeComplaints(few, { period: '24h', k: 5, now: NOW, regions: REGIONS });
    const kel = (code: string) => s.kelurahan.find((r) => r.code === code)!;
    expect(label(kel(B).received)).toBe('<5');
    expect(label(kel(B).cells[0]!.received)).toBe('<5');
    expect(s.categories.map((c) => [c.category, label(c.received)])).toEqual([
      ['jalan_rusak', 7],
      ['sampah', 7],
    ]);
    expect(label(s.total.received)).toBe(14);
    // the column gives B + (hidden sampah of A or C3) = 7 − shown: at least one other sampah count is hidden
    const sampahShown = s.kelurahan.flatMap((r) => r.cells.filter((c) => c.category === 'sampah' && !c.received.suppressed));
    expect(sampahShown.length).toBeLessThan(2);
    // every hidden count below k says "< 5"; a hidden count ≥ k never does
    for (const r of s.kelurahan)
      for (const c of [r, ...r.cells])
        for (const m of ['received', 'resolved', 'open'] as const) {
          const x = c[m];
          if (!x.suppressed) continue;
          const truth = (
            r === c
              ? few.filter((q) => q.region === r.code)
              : few.filter((q) => q.region === r.code && q.category === (c as { category: string }).category)
          ).length;
          if (m === 'resolved') continue;
          expect(label(x), `${r.code} ${m}`).toBe(truth < 5 ? '<5' : 'hidden');
        }
  });

  // The rules as a table: [case, rows, period, what must show, what must hide as "< 5"]
  const rules: [string, ComplaintRow[], '24h' | '7d', [string, string | null, number | '<5'][]][] = [
    [
      'a count of k or more shows, a zero shows as 0',
      [...times(5, (i) => row(A, 'sampah', 1 + i)), ...times(6, (i) => row(B, 'banjir', 1 + i))],
      '24h',
      [
        [A, 'sampah', 5],
        [B, 'banjir', 6],
        ['city', 'sampah', 5],
        ['city', null, 11],
      ],
    ],
    [
      'a small count hides as "< 5"; the city total of its category shows when ≥ k',
      [...times(2, (i) => row(A, 'sampah', 1 + i)), ...times(3, (i) => row(B, 'sampah', 1 + i)), ...times(9, (i) => row(C3, 'banjir', 1 + i))],
      '24h',
      [
        [A, 'sampah', '<5'],
        [B, 'sampah', '<5'],
        ['city', 'sampah', 5],
        ['city', 'banjir', 9],
        ['city', null, 14],
      ],
    ],
    [
      'a small city total of a category hides, and one more city total with it (else the grand total gives it back)',
      [...times(2, (i) => row(A, 'sampah', 1 + i)), ...times(9, (i) => row(C3, 'banjir', 1 + i)), ...times(8, (i) => row(B, 'jalan_rusak', 1 + i))],
      '24h',
      [
        [A, 'sampah', '<5'],
        ['city', 'sampah', '<5'],
        ['city', null, 19],
      ],
    ],
  ];
  it.each(rules)('%s', (_case, input, period, want) => {
    const s = summarizeComplaints(input, { period, k: 5, now: NOW, regions: REGIONS });
    for (const [where, category, value] of want) {
      const c =
        where === 'city'
          ? category === null
            ? s.total.received
            : s.categories.find((x) => x.category === category)!.received
          : s.kelurahan.find((r) => r.code === where)!.cells.find((x) => x.category === category)!.received;
      expect(label(c), `${where} ${category}`).toBe(value);
    }
    if (_case.startsWith('a small city total')) {
      // banjir and jalan_rusak are ≥ k, but one of them must hide: 19 − 9 − 8 would be the 2
      expect(s.categories.filter((x) => x.received.suppressed).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('with k = 5 and the 7 next to the 2 in one column, something besides the 2 hides, and no small count shows', () => {
    const s = summarizeComplaints(rows, { period: '7d', k: 5, now: NOW, regions: REGIONS });
    const recv = (code: string, cat: string) => n(s.kelurahan.find((r) => r.code === code)!.cells.find((c) => c.category === cat)!.received);
    expect(recv(B, 'sampah')).toBeNull();
    for (const r of s.kelurahan) for (const c of r.cells) if (!c.received.suppressed) expect(c.received.n === 0 || c.received.n! >= 5).toBe(true);
    const hiddenCounts = [...s.kelurahan.flatMap((r) => r.cells), ...s.categories].filter((c) => c.received.suppressed);
    expect(hiddenCounts.length).toBeGreaterThan(1);
  });

  it('is the same whatever the order of the rows', () => {
    const shuffled = [...rows].reverse();
    expect(summarizeComplaints(shuffled, { period: '7d', k: 5, now: NOW, regions: REGIONS })).toEqual(
      summarizeComplaints(rows, { period: '7d', k: 5, now: NOW, regions: REGIONS }),
    );
  });

  it('gives medians in hours of the complaints closed in the period, only where the count is shown', () => {
    const closed = [
      ...[1, 2, 3, 10, 20].map((h) => row(A, 'banjir', h + 1, 1)), // 5 closed, hours 1 2 3 10 20 → 3
      ...[1, 2, 3, 4, 5, 6].map((h) => row(B, 'lampu_jalan', h + 2, 2)), // 6 closed → (3 + 4) / 2
      ...[1, 2].map((h) => row(C3, 'sampah', h + 1, 1)), // 2 closed
      row(A, 'drainase', 48, 36), // closed 36 h ago: outside 24h
    ];
    const s = summarizeComplaints(closed, { period: '24h', k: 2, now: NOW, regions: REGIONS });
    const med = (x: typeof s, c: string) => x.categories.find((y) => y.category === c)?.medianHoursToResolve;
    // where the count is shown (the joint rule may hide a count other answers would give away)
    const shownMed = (x: typeof s, c: string, m: number) => {
      const cat = x.categories.find((y) => y.category === c)!;
      expect(cat.medianHoursToResolve).toBe(cat.resolved.suppressed ? null : m);
    };
    shownMed(s, 'banjir', 3);
    shownMed(s, 'lampu_jalan', 3.5);
    shownMed(s, 'sampah', 1.5);
    expect(med(s, 'drainase')).toBeUndefined();
    const week = summarizeComplaints(closed, { period: '7d', k: 2, now: NOW, regions: REGIONS });
    expect(med(week, 'drainase')).toBeNull(); // 1 < k: the one complaint's duration is not published
    expect(week.categories.find((y) => y.category === 'drainase')!.resolved.suppressed).toBe(true);
    // with k = 5 the 2 hides, and so does whatever covers it: a median is there exactly where its count is
    const strict = summarizeComplaints(closed, { period: '24h', k: 5, now: NOW, regions: REGIONS });
    expect(med(strict, 'sampah')).toBeNull();
    for (const c of strict.categories) expect(c.medianHoursToResolve === null).toBe(c.resolved.suppressed);
    expect(median([4, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([0.5])).toBe(0.5);
  });

  it('keeps complaints without region or category as their own row and column', () => {
    const s = summarizeComplaints([...times(5, () => row(null, null, 1)), ...times(5, () => row(A, 'sampah', 1))], {
      period: '24h',
      k: 5,
      now: NOW,
      regions: REGIONS,
    });
    expect(s.kelurahan.map((r) => r.code)).toEqual([A, null]);
    expect(s.kelurahan[1]).toMatchObject({ name: null, kecamatanCode: null, received: { n: 5, suppressed: false } });
    expect(s.categories.map((c) => c.category)).toEqual(['sampah', null]);
  });

  it('the map repeats the summary totals at kelurahan centroids and nothing else', () => {
    const s = summarizeComplaints(rows, { period: '7d', k: 5, now: NOW, regions: REGIONS });
    const m = complaintMap(s, REGIONS);
    expect(m.kelurahan.map((r) => r.code)).toEqual(s.kelurahan.map((r) => r.code));
    for (const [i, r] of m.kelurahan.entries()) {
      const k = s.kelurahan[i]!;
      expect(r).toEqual({
        code: k.code,
        name: k.name,
        centroid: REGIONS.get(k.code!)!.centroid,
        received: k.received,
        resolved: k.resolved,
        open: k.open,
      });
    }
  });
});

describe('publicMetrics', () => {
  const base = {
    domain: 'floods',
    unit: 'cm',
    nameId: 'Tinggi muka air',
    nameEn: 'Water level',
    region: A,
    regionName: 'Bandarharjo',
    lon: 110.4,
    lat: -6.9,
  };
  const rows: MetricSeriesRow[] = [
    { ...base, metric: 'water_level', class: 'publik', entity: 'PA-1', t: NOW - 12_000, v: 120 },
    { ...base, metric: 'water_level', class: 'publik', entity: 'PA-2', t: null, v: null },
    { ...base, metric: 'pump_running', class: 'terbatas', entity: 'RP-1', t: NOW, v: 1 },
    { ...base, metric: 'rainfall', class: 'publik', entity: null, region: null, regionName: null, lon: null, lat: null, t: null, v: null },
  ];

  it('gives latest value and age per series, and drops anything not publik', () => {
    const m = publicMetrics(rows, NOW);
    expect(m.updatedAt).toBe(NOW);
    expect(m.metrics.map((x) => x.code)).toEqual(['water_level', 'rainfall']);
    expect(m.metrics[0]!.series).toEqual([
      { entity: 'PA-1', region: A, regionName: 'Bandarharjo', lon: 110.4, lat: -6.9, value: 120, t: NOW - 12_000, ageMs: 12_000 },
      { entity: 'PA-2', region: A, regionName: 'Bandarharjo', lon: 110.4, lat: -6.9, value: null, t: null, ageMs: null },
    ]);
    expect(m.metrics[1]!.series).toEqual([]);
  });
});

describe('snapshot cache', () => {
  it('loads once per period however many callers, and derives each view once', async () => {
    let now = 1_000;
    let loads = 0;
    let derived = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = createSnapshotCache({
      ttlMs: 5_000,
      clock: () => now,
      load: async (at) => {
        loads++;
        await gate;
        return { at };
      },
    });
    const all = Array.from({ length: 200 }, () => cache.get());
    release();
    const snaps = await Promise.all(all);
    expect(loads).toBe(1);
    const views = snaps.map((s) => s.view('v', (v) => (derived++, v)));
    expect(derived).toBe(1);
    expect(new Set(views.map((v) => v.etag)).size).toBe(1);
    now += 4_999;
    await cache.get();
    expect(loads).toBe(1);
    now += 1;
    const next = await cache.get();
    expect(loads).toBe(2);
    expect(next.value).toEqual({ at: 6_000 });
  });

  it('does not cache a failure, and serves the last good snapshot while the database is away', async () => {
    let now = 0;
    let fail = true;
    let loads = 0;
    const stale: unknown[] = [];
    const cache = createSnapshotCache({
      ttlMs: 1_000,
      clock: () => now,
      load: async () => {
        loads++;
        if (fail) throw new Error('down');
        return loads;
      },
      onStale: (e) => stale.push(e),
    });
    await expect(cache.get()).rejects.toThrow('down');
    fail = false;
    expect((await cache.get()).value).toBe(2);
    now = 5_000;
    fail = true;
    expect((await cache.get()).value).toBe(2);
    expect(stale).toHaveLength(1);
    expect(loads).toBe(3);
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(matchesEtag('"abc"', '"abc"')).toBe(true);
    expect(matchesEtag('W/"abc"', '"abc"')).toBe(true);
    expect(matchesEtag('"x", "abc"', '"abc"')).toBe(true);
    expect(matchesEtag('*', '"abc"')).toBe(true);
    expect(matchesEtag('"abd"', '"abc"')).toBe(false);
    expect(matchesEtag(undefined, '"abc"')).toBe(false);
  });
});

describe('protectTableJointly (a table published on its own, with "< k" markers)', () => {
  /** What an attacker who reads the table, its sums and its markers can pin (disclosure.ts's propagation). */
  function pinnedSmall(inner: number[][], C: number, k: number, hiddenOf: (i: number, j: number) => boolean): string[] {
    const x = extend(inner, C);
    const R = inner.length;
    const key = (i: number, j: number) => `${i}|${j}`;
    const known = new Map<string, number>();
    for (let i = 0; i <= R; i++) for (let j = 0; j <= C; j++) if (!hiddenOf(i, j)) known.set(key(i, j), x[i]![j]!);
    const relations: Relation[] = [];
    for (let i = 0; i <= R; i++)
      relations.push({ terms: [...Array.from({ length: C }, (_, j) => [key(i, j), 1] as const), [key(i, C), -1] as const], op: 'eq' });
    for (let j = 0; j <= C; j++)
      relations.push({ terms: [...Array.from({ length: R }, (_, i) => [key(i, j), 1] as const), [key(R, j), -1] as const], op: 'eq' });
    // the markers: a hidden count below k says "< k", a hidden cover of k or more says nothing (so it is ≥ k)
    const value = (s: string) => x[Number(s.split('|')[0])]![Number(s.split('|')[1])]!;
    const p = propagate(known, relations, (s) => (value(s) < k ? { lo: 0, hi: k - 1 } : { lo: k, hi: Infinity }));
    return [...p.bounds].filter(([s, b]) => value(s) >= 1 && value(s) < k && b.lo >= b.hi).map(([s]) => s);
  }

  it('shows the truth, marks every hidden small count "< k" and no cover, and lets no small count be pinned (300 tables)', () => {
    const rand = rng(20261206);
    let pinnedBefore = 0;
    for (let trial = 0; trial < 300; trial++) {
      const R = 1 + Math.floor(rand() * 5);
      const C = 1 + Math.floor(rand() * 3);
      const k = [3, 5][trial % 2]!;
      const inner = Array.from({ length: R }, () =>
        Array.from({ length: C }, () => {
          const r = rand();
          return r < 0.3 ? 0 : r < 0.65 ? 1 + Math.floor(rand() * (k - 1)) : k + Math.floor(rand() * 12);
        }),
      );
      const x = extend(inner, C);
      const pub = protectTableJointly(inner, C, k);
      const at = (i: number, j: number) => (i < R && j < C ? pub.cells[i]![j]! : i < R ? pub.rowTotals[i]! : j < C ? pub.colTotals[j]! : pub.total);
      for (let i = 0; i <= R; i++)
        for (let j = 0; j <= C; j++) {
          const c = at(i, j);
          const v = x[i]![j]!;
          if (!c.suppressed) expect(c.n).toBe(v);
          else expect(c.lessThan).toBe(v < k ? k : undefined);
          if (v >= 1 && v < k) expect(c.suppressed).toBe(true);
        }
      expect(pinnedSmall(inner, C, k, (i, j) => at(i, j).suppressed)).toEqual([]);
      // the per-table rule alone, read with the same markers (what the incident counts published before)
      const old = protectTable(inner, C, k);
      const oldAt = (i: number, j: number) =>
        i < R && j < C ? old.cells[i]![j]! : i < R ? old.rowTotals[i]! : j < C ? old.colTotals[j]! : old.total;
      pinnedBefore += pinnedSmall(inner, C, k, (i, j) => oldAt(i, j).suppressed).length;
    }
    expect(pinnedBefore).toBeGreaterThan(0);
  });
});
