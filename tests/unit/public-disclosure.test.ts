/**
 * The joint disclosure rule (server/public/disclosure.ts, publication.ts) and the attacker it is audited
 * against: interval propagation over every relation of the published figures. The attacker is shown to work
 * (it recovers planted cells, and cells of per-table protection on random cities), and the joint rule to leave
 * it nothing to pin.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../demo/city';
import type { ComplaintRow } from '../../server/public/aggregation';
import { exposure, priorsOf, propagate, protectJointly, type Figure, type Relation } from '../../server/public/disclosure';
import { complaintFigures, decideHidden, publishComplaints } from '../../server/public/publication';
import { suppressionPattern } from '../../server/public/suppression';

const fig = (key: string, value: number, k = 5): Figure => ({ key, value, primary: value >= 1 && value < k });
const known = (figs: Figure[], hidden: string[]) => new Map(figs.filter((f) => !hidden.includes(f.key)).map((f) => [f.key, f.value]));
const pinned = (figs: Figure[], relations: Relation[], hidden: string[], k = 5) => {
  const p = propagate(known(figs, hidden), relations, priorsOf(new Map(figs.map((f) => [f.key, f])), k));
  return hidden.filter((key) => {
    const b = p.bounds.get(key);
    return b && exposure(b) === 'pinned';
  });
};

describe('propagate: the attacker', () => {
  // [name, figures, relations, hidden, pinned]
  const cases: [string, Figure[], Relation[], string[], string[]][] = [
    [
      'a lone hidden cell of a row is its total minus the rest',
      [fig('a', 3), fig('b', 9), fig('row', 12)],
      [
        {
          terms: [
            ['a', 1],
            ['b', 1],
            ['row', -1],
          ],
          op: 'eq',
        },
      ],
      ['a'],
      ['a'],
    ],
    [
      'two small hidden cells whose sum is 8: each is 4 (a small count is at most k − 1)',
      [fig('a', 4), fig('b', 4), fig('c', 9), fig('row', 17)],
      [
        {
          terms: [
            ['a', 1],
            ['b', 1],
            ['c', 1],
            ['row', -1],
          ],
          op: 'eq',
        },
      ],
      ['a', 'b'],
      ['a', 'b'],
    ],
    [
      'open ≥ received − resolved pins a small resolved count at its top (9 received, 5 open: resolved ≥ 4)',
      [fig('rec', 9), fig('res', 4), fig('open', 5)],
      [
        {
          terms: [
            ['rec', 1],
            ['res', -1],
            ['open', -1],
          ],
          op: 'le',
        },
      ],
      ['res'],
      ['res'],
    ],
    [
      'a chain: the 24 h count is pinned by its row; through ≤ it pins the 7 d count, and that the rest of its row',
      [fig('d1', 4), fig('d2', 8), fig('drow', 12), fig('w1', 4), fig('w2', 20), fig('wrow', 24)],
      [
        {
          terms: [
            ['d1', 1],
            ['d2', 1],
            ['drow', -1],
          ],
          op: 'eq',
        },
        {
          terms: [
            ['w1', 1],
            ['w2', 1],
            ['wrow', -1],
          ],
          op: 'eq',
        },
        {
          terms: [
            ['d1', 1],
            ['w1', -1],
          ],
          op: 'le',
        },
      ],
      ['d1', 'w1', 'w2'],
      ['d1', 'w1', 'w2'],
    ],
    [
      'two hidden cells with room to move are safe',
      [fig('a', 2), fig('b', 6), fig('c', 9), fig('row', 17)],
      [
        {
          terms: [
            ['a', 1],
            ['b', 1],
            ['c', 1],
            ['row', -1],
          ],
          op: 'eq',
        },
      ],
      ['a', 'b'],
      [],
    ],
  ];
  it.each(cases)('%s', (_name, figs, relations, hidden, expected) => {
    expect(pinned(figs, relations, hidden)).toEqual(expected);
  });

  it('never cuts off the true value (the bounds it derives hold for the truth)', () => {
    const figs = [fig('a', 2), fig('b', 6), fig('c', 9), fig('row', 17)];
    const p = propagate(
      known(figs, ['a', 'b']),
      [
        {
          terms: [
            ['a', 1],
            ['b', 1],
            ['c', 1],
            ['row', -1],
          ],
          op: 'eq',
        },
      ],
      () => ({ lo: 1, hi: Infinity }),
    );
    expect(p.bounds.get('a')).toEqual({ lo: 1, hi: 7 });
    expect(p.bounds.get('b')).toEqual({ lo: 1, hi: 7 });
  });
});

describe('protectJointly', () => {
  it('hides the smallest shown figure of the relation that pins a hidden one, and is then safe', () => {
    const figs = [fig('rec', 9), fig('res', 4), fig('open', 5)];
    const relations: Relation[] = [
      {
        terms: [
          ['rec', 1],
          ['res', -1],
          ['open', -1],
        ],
        op: 'le',
      },
    ];
    const r = protectJointly({ figures: figs, relations, k: 5, hidden: new Set(['res']) });
    expect([...r.hidden].sort()).toEqual(['open', 'res']);
    expect(pinned(figs, relations, [...r.hidden])).toEqual([]);
  });

  it('never hides a fixed figure (known elsewhere), and says what it could not protect', () => {
    const figs = [fig('a', 3), fig('b', 9), fig('row', 12)];
    const relations: Relation[] = [
      {
        terms: [
          ['a', 1],
          ['b', 1],
          ['row', -1],
        ],
        op: 'eq',
      },
    ];
    const r = protectJointly({ figures: figs, relations, k: 5, hidden: new Set(['a']), fixed: new Set(['b', 'row']) });
    expect([...r.hidden]).toEqual(['a']);
    expect(r.unprotected).toEqual(['a']);
  });
});

/** A random city: a few kelurahan and categories, many small counts, over 40 days. */
function randomRows(seed: number, now: number): ComplaintRow[] {
  const rnd = mulberry32(seed);
  const regions = ['33.74.01.1001', '33.74.01.1002', '33.74.02.1001', '33.74.02.1002', null];
  const cats = ['sampah', 'banjir', 'jalan_rusak', 'lampu_jalan', null];
  const rows: ComplaintRow[] = [];
  const n = 20 + Math.floor(rnd() * 120);
  for (let i = 0; i < n; i++) {
    // skewed: most complaints in one or two cells, the rest scattered (small counts everywhere)
    const region = regions[Math.floor(rnd() ** 2 * regions.length)]!;
    const category = cats[Math.floor(rnd() ** 2 * cats.length)]!;
    const openedAt = now - Math.floor(rnd() ** 1.5 * 40 * 86_400_000);
    const closedAt = rnd() < 0.6 ? Math.min(now, openedAt + Math.floor(rnd() * 5 * 86_400_000)) : null;
    rows.push({
      region,
      category,
      openedAt,
      closedAt: closedAt !== null && closedAt > openedAt ? closedAt : null,
      opd: 'DLH',
      opdName: 'DLH',
      slaHours: 48,
    });
  }
  return rows;
}

describe('the whole publication against the attacker', () => {
  const NOW = Date.UTC(2026, 10, 22, 6, 30);
  it('per-table protection leaks on random cities; the joint rule leaks nothing on the same cities', () => {
    let naiveLeaks = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rows = randomRows(seed, NOW);
      const f = complaintFigures(rows, 5, NOW);
      const figs = [...f.figures.values()];
      const prior = priorsOf(f.figures, 5);
      const attack = (hidden: ReadonlySet<string>) => {
        const p = propagate(new Map(figs.filter((x) => !hidden.has(x.key)).map((x) => [x.key, x.value])), f.relations, prior);
        return [...hidden].filter((key) => {
          const b = p.bounds.get(key);
          if (!b) return false;
          // the bounds always hold the truth
          expect(
            b.lo <= f.figures.get(key)!.value && f.figures.get(key)!.value <= b.hi,
            `${JSON.stringify(key)} ${f.figures.get(key)!.value} ${JSON.stringify(b)}`,
          ).toBe(true);
          // a pinned zero or cover ≥ k tells what could have been published; a pinned small count is the leak
          return exposure(b) === 'pinned' && f.figures.get(key)!.primary;
        });
      };
      naiveLeaks += attack(f.hidden).length;
      const joint = decideHidden(f, 5);
      const left = attack(joint.hidden).filter((key) => !joint.unprotected.includes(key));
      expect(left, `seed ${seed}`).toEqual([]);
      // what could not be protected is only what the known city open total pins (a city with < k open)
      for (const key of joint.unprotected) expect(key.startsWith('open|'), `seed ${seed}: ${JSON.stringify(joint.unprotected)}`).toBe(true);
    }
    expect(naiveLeaks).toBeGreaterThan(0);
  });

  it('publishes every period from one decision: a total is shown or hidden alike in the summary and the performance view', () => {
    const rows = randomRows(7, NOW);
    const pub = publishComplaints(rows, { k: 5, now: NOW, regions: new Map() });
    for (const p of ['24h', '7d', '30d'] as const) {
      expect(pub.performance[p].total.received).toEqual(pub.summaries[p].total.received);
      expect(pub.performance[p].total.resolved).toEqual(pub.summaries[p].total.resolved);
    }
    // the open table is the same in every period
    const openOf = (p: '24h' | '7d' | '30d') => new Map(pub.summaries[p].kelurahan.map((r) => [r.code, r.open]));
    for (const [code, open] of openOf('24h')) expect(openOf('30d').get(code)).toEqual(open);
  });
});

describe("suppressionPattern, rule 'unpinned' (one table, the markers' priors)", () => {
  /** The extended table's row and column sums as relations, and the attacker's verdict on the pattern. */
  const audit = (x: number[][], sup: boolean[][], k = 5) => {
    const key = (i: number, j: number) => `${i},${j}`;
    const R = x.length - 1;
    const C = x[0]!.length - 1;
    const figs: Figure[] = x.flatMap((row, i) => row.map((v, j) => fig(key(i, j), v, k)));
    const rel: Relation[] = [];
    for (let i = 0; i <= R; i++)
      rel.push({ terms: [...Array.from({ length: C }, (_, j): [string, number] => [key(i, j), 1]), [key(i, C), -1]], op: 'eq' });
    for (let j = 0; j <= C; j++)
      rel.push({ terms: [...Array.from({ length: R }, (_, i): [string, number] => [key(i, j), 1]), [key(R, j), -1]], op: 'eq' });
    const hidden = figs.filter((f) => sup[Number(f.key.split(',')[0])]![Number(f.key.split(',')[1])]).map((f) => f.key);
    return { hidden, pinnedSmall: pinned(figs, rel, hidden, k).filter((key2) => figs.find((f) => f.key === key2)!.primary) };
  };
  /** An inner table with its margins. */
  const extend = (inner: number[][]) => {
    const rows = inner.map((r) => [...r, r.reduce((a, b) => a + b, 0)]);
    const total = rows[0]!.map((_, j) => rows.reduce((a, r) => a + r[j]!, 0));
    return [...rows, total];
  };
  const keepCity = (x: number[][]) => x.map((row, i) => row.map((v) => i === x.length - 1 && v >= 5));
  // [case, inner table, cells that must stay shown (row, col of the extended table)]
  const cases: [string, number[][], [number, number][]][] = [
    [
      'a lone small count in a row of large ones: a cycle of covers, the city totals stay',
      [
        [4, 13, 21],
        [9, 8, 30],
        [0, 6, 7],
      ],
      [
        [3, 0],
        [3, 1],
        [3, 2],
        [3, 3],
      ],
    ],
    [
      'zeros are the cheapest covers',
      [
        [2, 0, 40],
        [0, 7, 50],
        [30, 0, 60],
      ],
      [
        [3, 0],
        [3, 1],
        [3, 2],
        [3, 3],
        [0, 2],
        [1, 2],
        [2, 2],
      ],
    ],
    [
      'a small count at k − 1 can only go down: a cycle through zeros, the city totals stay',
      [
        [4, 0],
        [0, 9],
        [6, 9],
      ],
      [
        [3, 0],
        [3, 1],
        [3, 2],
      ],
    ],
    [
      'a quiet table: every count small',
      [
        [1, 2],
        [3, 1],
      ],
      [],
    ],
  ];
  it('a small city total is pinned by the grand total minus the others: one of those hides with it', () => {
    const x = extend([
      [4, 0],
      [0, 9],
      [0, 9],
    ]);
    const sup = suppressionPattern(x, 5, keepCity(x), { rule: 'unpinned' });
    expect(audit(x, sup).pinnedSmall).toEqual([]);
    expect(sup[3]![1] || sup[3]![2]).toBe(true);
  });

  it.each(cases)('%s', (_case, inner, mustShow) => {
    const x = extend(inner);
    const sup = suppressionPattern(x, 5, keepCity(x), { rule: 'unpinned' });
    const { hidden, pinnedSmall } = audit(x, sup);
    expect(pinnedSmall, JSON.stringify(sup)).toEqual([]);
    // every small count is hidden
    x.forEach((row, i) => row.forEach((v, j) => v >= 1 && v < 5 && expect(sup[i]![j], `${i},${j}`).toBe(true)));
    for (const [i, j] of mustShow) expect(sup[i]![j], `${i},${j} shown`).toBe(false);
    expect(hidden.length).toBeGreaterThan(0);
  });

  it('on 200 random sparse tables: every small count hidden, none pinned by its table', () => {
    const rnd = mulberry32(21);
    for (let t = 0; t < 200; t++) {
      const R = 2 + Math.floor(rnd() * 6);
      const C = 2 + Math.floor(rnd() * 5);
      const inner = Array.from({ length: R }, () => Array.from({ length: C }, () => (rnd() < 0.4 ? 0 : Math.floor(rnd() ** 2 * 15))));
      const x = extend(inner);
      const sup = suppressionPattern(x, 5, keepCity(x), { rule: 'unpinned' });
      expect(audit(x, sup).pinnedSmall, `table ${t}: ${JSON.stringify(x)}`).toEqual([]);
    }
  });
});

describe('issue 21: a sparse day of the simulator city', () => {
  it('publishes the 24 h resolved total and every category total ≥ k ("Masuk 168 · Selesai –" before), and pins nothing small', async () => {
    // what a server back-filled 6 hours ago holds: complaints received since, and those still open then
    const { createSimulator } = await import('../../ingest/sources/simulator/index');
    const sim = await createSimulator();
    const now = Date.UTC(2026, 11, 6, 3, 0);
    const from = now - 6 * 3_600_000;
    const rows: ComplaintRow[] = [];
    const day = (t: number) => Math.floor((t + 7 * 3_600_000) / 86_400_000);
    for (let d = day(from - 8 * 86_400_000); d <= day(now); d++)
      for (const c of sim.complaints.day(d)) {
        if (c.received > now || (c.received <= from && c.closed <= from)) continue;
        rows.push({
          region: c.region,
          category: c.category,
          openedAt: c.received,
          closedAt: c.closed <= now ? c.closed : null,
          opd: 'DLH',
          opdName: 'DLH',
          slaHours: 48,
        });
      }
    expect(rows.length).toBeGreaterThan(150);
    const pub = publishComplaints(rows, { k: 5, now, regions: new Map() });
    const s = pub.summaries['24h'];
    expect(s.total.received.suppressed).toBe(false);
    expect(s.total.resolved.suppressed).toBe(false);
    for (const c of s.categories)
      for (const m of ['received', 'resolved'] as const) {
        const truth = rows.filter(
          (r) =>
            r.category === c.category && (m === 'received' ? r.openedAt > now - 86_400_000 : r.closedAt !== null && r.closedAt > now - 86_400_000),
        ).length;
        if (truth >= 5) expect(c[m], `${c.category} ${m}`).toEqual({ n: truth, suppressed: false });
      }
    // the same figure in the performance view
    expect(pub.performance['24h'].total.resolved).toEqual(s.total.resolved);
    expect(pub.disclosure.unprotected).toEqual([]);
    // and the attacker over the whole publication pins no small count
    const f = complaintFigures(rows, 5, now);
    const joint = decideHidden(f, 5);
    const p = propagate(
      new Map([...f.figures.values()].filter((x) => !joint.hidden.has(x.key)).map((x) => [x.key, x.value])),
      f.relations,
      priorsOf(f.figures, 5),
    );
    const leaks = [...joint.hidden].filter((key) => f.figures.get(key)!.primary && exposure(p.bounds.get(key) ?? { lo: 0, hi: 4 }) === 'pinned');
    expect(leaks).toEqual([]);
  });
});
