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
