/**
 * Issue 13 item 1, as the attacker did it: a city with realistic complaints (a few busy kelurahan, many with
 * one or two complaints), the real server, and an outsider who fetches EVERYTHING public about complaints —
 * summary, map and performance view of every period, the open-data CSV and JSON of every view, the CKAN
 * DataStore records, the `complaints_open` metric — merges it by meaning (a count is the same count wherever
 * it appears), writes down every relation they know (sums of tables, buckets summing to the city total,
 * 24 h ⊂ 7 d ⊂ 30 d, open ≥ received − resolved) and runs interval propagation to a fixpoint. Each hidden
 * count starts in [0, k−1] when it truly is small (the attacker is granted that knowledge) and [0, ∞)
 * otherwise. No hidden count may come out exact.
 *
 * Not vacuous: the same attacker, run on the per-table protection the server used before (rebuilt here from
 * the database's truth with suppression.ts alone, totals published by each table), recovers hidden counts.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COMPLAINT_CATEGORIES } from '../../demo/catalog';
import { mulberry32 } from '../../demo/city';
import { exposure, propagate, type Relation } from '../../server/public/disclosure';
import { protectTable } from '../../server/public/suppression';
import type { Ack } from '../../shared/ack';
import type { Snapshot } from '../../shared/contract';
import { connected, startTestServer, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));
const K = 5;
const DAY = 86_400_000;
const PERIODS = ['24h', '7d', '30d'] as const;
type P = (typeof PERIODS)[number];
const SPAN: Record<P, number> = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY };
const TOT = '*';

/** The attacker's keys: by meaning, independent of the server's code. */
const cellKey = (m: string, p: P, region: string | null, category: string | null) =>
  `${m}|${m === 'open' ? 'now' : p}|${region ?? '-'}|${category ?? '-'}`;
const bucketKey = (m: string, from: number, to: number) => `b|${m}|${from}|${to}`;

interface Truth {
  region: string | null;
  category: string | null;
  opened: number;
  closed: number | null;
}

/** What the attacker has read: a key's published value, or that it was published hidden (and its marker). */
class Board {
  readonly shown = new Map<string, number>();
  readonly seenHidden = new Set<string>();
  /** A hidden count's marker: below k ("< k") or not (a cover ≥ k); absent where a format carries none (CSV). */
  readonly below = new Map<string, boolean>();
  readonly conflicts: string[] = [];
  note(key: string, n: number | null, lessThan?: number) {
    if (n === null) {
      this.seenHidden.add(key);
      if (lessThan !== undefined || !this.below.has(key)) this.below.set(key, lessThan !== undefined);
      return;
    }
    const had = this.shown.get(key);
    if (had !== undefined && had !== n) this.conflicts.push(`${key}: ${had} vs ${n}`);
    this.shown.set(key, n);
  }
  get hidden() {
    return [...this.seenHidden].filter((k) => !this.shown.has(k));
  }
}

/** The relations the attacker writes down from the published structure (cells listed, buckets, periods). */
function relationsOf(structure: { cells: Record<P, [string | null, string | null][]>; buckets: Record<P, [number, number][]> }): Relation[] {
  const rel: Relation[] = [];
  const rows = (p: P) => [...new Set(structure.cells[p].map(([r]) => r))];
  const cols = (p: P) => [...new Set(structure.cells[p].map(([, c]) => c))];
  for (const p of PERIODS) {
    for (const m of ['received', 'resolved', 'open']) {
      const cs = structure.cells[p];
      for (const r of rows(p))
        rel.push({
          terms: [...cs.filter(([x]) => x === r).map(([, c]): [string, number] => [cellKey(m, p, r, c), 1]), [cellKey(m, p, r, TOT), -1]],
          op: 'eq',
        });
      for (const c of cols(p))
        rel.push({
          terms: [...cs.filter(([, y]) => y === c).map(([r]): [string, number] => [cellKey(m, p, r, c), 1]), [cellKey(m, p, TOT, c), -1]],
          op: 'eq',
        });
      rel.push({ terms: [...rows(p).map((r): [string, number] => [cellKey(m, p, r, TOT), 1]), [cellKey(m, p, TOT, TOT), -1]], op: 'eq' });
      rel.push({ terms: [...cols(p).map((c): [string, number] => [cellKey(m, p, TOT, c), 1]), [cellKey(m, p, TOT, TOT), -1]], op: 'eq' });
    }
    for (const m of ['received', 'resolved']) {
      rel.push({
        terms: [...structure.buckets[p].map(([f, t]): [string, number] => [bucketKey(m, f, t), 1]), [cellKey(m, p, TOT, TOT), -1]],
        op: 'eq',
      });
    }
    const all: [string | null, string | null][] = [
      ...structure.cells[p],
      ...rows(p).map((r): [string | null, string] => [r, TOT]),
      ...cols(p).map((c): [string, string | null] => [TOT, c]),
      [TOT, TOT],
    ];
    for (const [r, c] of all) {
      rel.push({
        terms: [
          [cellKey('received', p, r, c), 1],
          [cellKey('resolved', p, r, c), -1],
          [cellKey('open', p, r, c), -1],
        ],
        op: 'le',
      });
      for (const q of PERIODS)
        if (SPAN[q] > SPAN[p])
          for (const m of ['received', 'resolved'])
            rel.push({
              terms: [
                [cellKey(m, p, r, c), 1],
                [cellKey(m, q, r, c), -1],
              ],
              op: 'le',
            });
    }
    for (const q of PERIODS) {
      if (SPAN[q] <= SPAN[p]) continue;
      for (const [lo, hi] of structure.buckets[q]) {
        const inside = structure.buckets[p].filter(([f, t]) => f >= lo && t <= hi && !(f === lo && t === hi));
        if (inside.length)
          for (const m of ['received', 'resolved'])
            rel.push({ terms: [...inside.map(([f, t]): [string, number] => [bucketKey(m, f, t), 1]), [bucketKey(m, lo, hi), -1]], op: 'le' });
      }
    }
  }
  return rel;
}

/** The truth of every key the attacker uses, from the database's complaints at `now`. */
function truthOf(
  rows: Truth[],
  now: number,
  structure: { cells: Record<P, [string | null, string | null][]>; buckets: Record<P, [number, number][]> },
) {
  const t = new Map<string, number>();
  const inc = (key: string) => t.set(key, (t.get(key) ?? 0) + 1);
  for (const p of PERIODS) {
    const from = now - SPAN[p];
    for (const r of rows) {
      const got = {
        received: r.opened > from && r.opened <= now,
        resolved: r.closed !== null && r.closed > from && r.closed <= now,
        open: r.opened <= now && (r.closed === null || r.closed > now),
      };
      for (const [m, yes] of Object.entries(got)) {
        if (!yes || (m === 'open' && p !== '24h')) continue;
        for (const [rr, cc] of [
          [r.region, r.category],
          [r.region, TOT],
          [TOT, r.category],
          [TOT, TOT],
        ] as [string | null, string | null][])
          inc(cellKey(m, p, rr, cc));
      }
    }
  }
  // a time range is one figure, whichever periods list it
  const ranges = new Map(PERIODS.flatMap((p) => structure.buckets[p]).map(([f, to]) => [`${f}|${to}`, [f, to] as const]));
  for (const [f, to] of ranges.values())
    for (const r of rows) {
      if (r.opened > f && r.opened <= to) inc(bucketKey('received', f, to));
      if (r.closed !== null && r.closed > f && r.closed <= to) inc(bucketKey('resolved', f, to));
    }
  return (key: string) => t.get(key) ?? 0;
}

/**
 * Runs the attacker; the hidden small counts (1..k−1) it pins, and how many it narrows below k − 1. Its priors
 * are what the published markers say ("< k": 0..k−1, a hidden count without it: ≥ k); `below` overrides them
 * (for boards rebuilt here, which carry no markers). A pinned zero or cover ≥ k is counted apart: it tells
 * nothing that could not have been published.
 */
function attack(board: Board, relations: Relation[], truth: (key: string) => number, below?: (key: string) => boolean) {
  const hidden = board.hidden;
  const prior = (key: string) => ((below ? below(key) : board.below.get(key) !== false) ? { lo: 0, hi: K - 1 } : { lo: K, hi: Infinity });
  // a relation term the attacker has never seen published is a count the answers imply is 0 (not listed)
  const listed = new Set([...board.shown.keys(), ...hidden]);
  const known = new Map(board.shown);
  for (const r of relations) for (const [key] of r.terms) if (!listed.has(key)) known.set(key, 0);
  known.set('const|1', 1); // the unit figure that carries a relation's constant (openHistoryRelations)
  const p = propagate(known, relations, prior);
  const pinned: string[] = [];
  let pinnedCovers = 0;
  let narrowed = 0;
  for (const key of hidden) {
    const b = p.bounds.get(key) ?? prior(key);
    const v = truth(key);
    // the attacker's bounds always hold the truth (a wrong relation or a lying marker would show here)
    expect(b.lo <= v && v <= b.hi, `${key}: ${v} outside ${JSON.stringify(b)}`).toBe(true);
    const small = v >= 1 && v < K;
    if (exposure(b)) {
      if (small) pinned.push(`${key}=${v}`);
      else pinnedCovers++;
    } else if (small && b.hi < K - 1) narrowed++;
  }
  return { pinned, pinnedCovers, narrowed, hidden: hidden.length };
}

describe.each(backends)('differencing attack on every public complaint figure (%s)', (_name, adminUrl) => {
  let server: TestServer;
  const truthRows: Truth[] = [];

  beforeAll(async () => {
    server = await startTestServer(adminUrl, { publicCacheMs: 120_000 });
    const key = await server.key('DISKOMINFO');
    const { rows: regions } = await server.storage.pool.query<{ code: string }>(
      `SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 14`,
    );
    expect(regions.length).toBeGreaterThanOrEqual(10);
    // A realistic month: two busy kelurahan, a middle, and a long tail of ones and twos; categories skewed.
    const rnd = mulberry32(2026);
    const now = Date.now();
    const weights = regions.map((_, i) => (i < 2 ? 12 : i < 5 ? 4 : 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 420; i++) {
      let x = rnd() * total;
      let ri = 0;
      while (x > weights[ri]!) x -= weights[ri++]!;
      const region = i % 53 === 0 ? null : regions[ri]!.code;
      const category = i % 61 === 0 ? null : COMPLAINT_CATEGORIES[Math.floor(rnd() ** 2.2 * COMPLAINT_CATEGORIES.length)]!;
      const opened = now - 60_000 - Math.floor(rnd() ** 1.4 * 34 * DAY);
      const closed = rnd() < 0.65 ? opened + Math.floor(rnd() * 6 * DAY) : null;
      const c = closed !== null && closed < now - 30_000 ? closed : null;
      truthRows.push({ region, category, opened, closed: c });
      const base = { kind: 'complaint', id: `LPR-ATK-${i}`, ...(region ? { region } : {}), ...(category ? { category } : {}), title: `aduan ${i}` };
      events.push({ ...base, status: 'received', time: opened });
      if (c !== null) events.push({ ...base, status: 'resolved', time: c });
    }
    for (let i = 0; i < events.length; i += 200)
      expect((await server.post('/api/v1/events', { events: events.slice(i, i + 200) }, key)).status).toBe(202);
    // The agency's open count as a complaint system publishes it: a reading at every change (each complaint
    // received or closed), then the current one. Its history, if published, would give received − closed per bucket.
    const changes = [...new Set(truthRows.flatMap((r) => (r.closed === null ? [r.opened] : [r.opened, r.closed])))].sort((a, b) => a - b);
    const openAt = (t: number) => truthRows.filter((r) => r.opened <= t && (r.closed === null || r.closed > t)).length;
    const readings = [...changes.map((t) => ({ t, v: openAt(t) })), { t: now - 30_000, v: openAt(now - 30_000) }];
    for (let i = 0; i < readings.length; i += 500) {
      const points = readings.slice(i, i + 500).map((r) => ({ metric: 'complaints_open', entity: 'kota', time: r.t, value: r.v }));
      expect((await server.post('/api/v1/ingest', { points }, key)).status).toBe(202);
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('recovers no hidden count from everything published, and would have from per-table protection', async () => {
    const board = new Board();
    const get = async (path: string) => {
      const res = await server.get(path);
      expect(res.status, path).toBe(200);
      return res.body;
    };
    const structure = { cells: {} as Record<P, [string | null, string | null][]>, buckets: {} as Record<P, [number, number][]> };
    let now = 0;
    type Pc = { n: number | null; lessThan?: number };
    const c = (x: Pc) => x.n;
    const lt = (x: Pc) => x.lessThan;
    for (const p of PERIODS) {
      const s = await get(`/api/public/v1/complaints/summary?period=${p}`);
      now = s.to;
      structure.cells[p] = [];
      for (const r of s.kelurahan) {
        for (const m of ['received', 'resolved', 'open']) board.note(cellKey(m, p, r.code, TOT), c(r[m]), lt(r[m]));
        for (const cell of r.cells) {
          structure.cells[p].push([r.code, cell.category]);
          for (const m of ['received', 'resolved', 'open']) board.note(cellKey(m, p, r.code, cell.category), c(cell[m]), lt(cell[m]));
        }
      }
      for (const cat of s.categories)
        for (const m of ['received', 'resolved', 'open']) board.note(cellKey(m, p, TOT, cat.category), c(cat[m]), lt(cat[m]));
      for (const m of ['received', 'resolved', 'open']) board.note(cellKey(m, p, TOT, TOT), c(s.total[m]), lt(s.total[m]));
      const map = await get(`/api/public/v1/complaints/map?period=${p}`);
      for (const r of map.kelurahan) for (const m of ['received', 'resolved', 'open']) board.note(cellKey(m, p, r.code, TOT), c(r[m]), lt(r[m]));
      const perf = await get(`/api/public/v1/complaints/performance?period=${p}`);
      expect(perf.to).toBe(now);
      structure.buckets[p] = perf.buckets.map((b: { from: number; to: number }) => [b.from, b.to]);
      for (const b of perf.buckets) for (const m of ['received', 'resolved']) board.note(bucketKey(m, b.from, b.to), c(b[m]), lt(b[m]));
      for (const m of ['received', 'resolved']) board.note(cellKey(m, p, TOT, TOT), c(perf.total[m]), lt(perf.total[m]));
      // open data: CSV, JSON and the CKAN DataStore of the same view
      const csv: string = (await server.get(`/api/public/v1/datasets/aduan-warga-per-kelurahan/data.csv?view=${p}`)).body;
      const [head, ...lines] = csv.trim().split('\r\n');
      const cols = head!.split(',');
      const json = await get(`/api/public/v1/datasets/aduan-warga-per-kelurahan/data.json?view=${p}`);
      const ckan = await get(`/api/3/action/datastore_search?resource_id=aduan-warga-per-kelurahan.${p}&limit=32000`);
      const records: Record<string, string | number | null>[] = [
        ...lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v === '' ? null : /^\d+$/.test(v) ? Number(v) : v]))),
        ...json.data,
        ...ckan.result.records,
      ];
      expect(records.length).toBe(3 * structure.cells[p].length);
      for (const r of records)
        for (const m of ['received', 'resolved', 'open'])
          board.note(cellKey(m, p, (r.kelurahan_code as string | null) ?? null, (r.category as string | null) ?? null), r[m] as number | null);
    }
    // the city's open count, as the publik metric gives it
    const metrics = await get('/api/public/v1/metrics');
    const open = metrics.metrics.find((m: { code: string }) => m.code === 'complaints_open').series[0].value as number;
    board.note(cellKey('open', '24h', TOT, TOT), open);
    // ... and every other value of complaints_open anyone may read: the current value at several times, every
    // series and bucket level of anonymous /api/v1/series, the /public socket's snapshot, open data and CKAN
    const published = await openCountSamples(server, now);
    expect(published.samples.length).toBeGreaterThan(0);
    // every answer came from one snapshot, and no two answers disagree about a count
    for (const p of PERIODS) expect((await get(`/api/public/v1/complaints/summary?period=${p}`)).to).toBe(now);
    expect(board.conflicts).toEqual([]);

    const relations = [...relationsOf(structure), ...openHistoryRelations(published, structure, now)];
    const truth = truthOf(truthRows, now, structure);
    for (const [key, v] of board.shown) expect(v, key).toBe(truth(key));
    expect(board.hidden.length).toBeGreaterThan(20);
    expect(board.hidden.some((key) => truth(key) >= 1 && truth(key) < K)).toBe(true);

    const real = attack(board, relations, truth);
    console.log(
      `published: ${board.shown.size} shown, ${real.hidden} hidden; pinned ${real.pinned.length} (covers pinned: ${real.pinnedCovers}); small counts narrowed below k-1: ${real.narrowed}`,
    );
    expect(real.pinned).toEqual([]);
    // every hidden count carries the marker on the JSON answers, and it tells the truth (the bounds above hold it)
    for (const key of board.hidden) expect(board.below.get(key), key).toBe(truth(key) < K);

    // Issue 21: only what k-anonymity needs. The city totals of every period and measure that are ≥ k are shown;
    // only where a category's city total is itself small may another hide with it (else the grand total minus
    // the others gives it back), and the grand total never does.
    let categoryTotalsChecked = 0;
    for (const p of PERIODS)
      for (const m of ['received', 'resolved']) {
        const keys = [...new Set([...board.shown.keys(), ...board.hidden])].filter((key) => key.startsWith(`${m}|${p}|${TOT}|`));
        const grand = cellKey(m, p, TOT, TOT);
        if (truth(grand) >= K) expect(board.shown.get(grand), grand).toBe(truth(grand));
        const smallSibling = keys.some((key) => key !== grand && truth(key) >= 1 && truth(key) < K);
        if (smallSibling) continue;
        for (const key of keys)
          if (truth(key) >= K) {
            expect(board.shown.get(key), `${key} = ${truth(key)}`).toBe(truth(key));
            categoryTotalsChecked++;
          }
      }
    expect(categoryTotalsChecked).toBeGreaterThan(5);

    // Can fail: the same attacker, given the same answers with only the small counts hidden (the covers
    // switched off), pins small counts.
    const smallOnly = new Board();
    for (const key of [...board.shown.keys(), ...board.hidden]) {
      const v = truth(key);
      smallOnly.note(key, v >= 1 && v < K ? null : v, v >= 1 && v < K ? K : undefined);
    }
    smallOnly.note(cellKey('open', '24h', TOT, TOT), open);
    const uncovered = attack(smallOnly, relations, truth);
    console.log(
      `small counts hidden alone: ${uncovered.hidden} hidden, pinned ${uncovered.pinned.length}, e.g. ${uncovered.pinned.slice(0, 5).join(', ')}`,
    );
    expect(uncovered.pinned.length).toBeGreaterThan(0);

    // The same attacker against per-table protection (the server before issue 13): each table with its own
    // totals (protectTable), the performance view's city totals from its bucket table.
    const naive = new Board();
    for (const p of PERIODS) {
      const rs = [...new Set(structure.cells[p].map(([r]) => r))];
      const cs = [...new Set(structure.cells[p].map(([, x]) => x))];
      for (const m of ['received', 'resolved', 'open']) {
        const t = protectTable(
          rs.map((r) => cs.map((x) => truth(cellKey(m, p, r, x)))),
          cs.length,
          K,
        );
        rs.forEach((r, i) => {
          naive.note(cellKey(m, p, r, TOT), t.rowTotals[i]!.n);
          cs.forEach((x, j) => {
            if (structure.cells[p].some(([a, b]) => a === r && b === x)) naive.note(cellKey(m, p, r, x), t.cells[i]![j]!.n);
          });
        });
        cs.forEach((x, j) => naive.note(cellKey(m, p, TOT, x), t.colTotals[j]!.n));
        naive.note(cellKey(m, p, TOT, TOT), t.total.n);
      }
      for (const m of ['received', 'resolved']) {
        const b = structure.buckets[p];
        const t = protectTable(
          b.map(([f, to]) => [truth(bucketKey(m, f, to))]),
          1,
          K,
        );
        b.forEach(([f, to], i) => naive.note(bucketKey(m, f, to), t.cells[i]![0]!.n));
        naive.note(cellKey(m, p, TOT, TOT), t.colTotals[0]!.n);
      }
    }
    naive.note(cellKey('open', '24h', TOT, TOT), open);
    const before = attack(naive, relations, truth, (key) => truth(key) < K);
    console.log(`per-table protection: ${before.hidden} hidden, pinned ${before.pinned.length}, e.g. ${before.pinned.slice(0, 5).join(', ')}`);
    expect(before.pinned.length).toBeGreaterThan(0);

    // Not vacuous either: the open count's history — what a signed-in operator still reads — turns into
    // received − closed per bucket, and the same attacker then pins counts the joint rule hides.
    const operator = await server.token('operator');
    const history = await openCountSamples(server, now, operator);
    expect(history.samples.length).toBeGreaterThan(published.samples.length);
    const withHistory = attack(board, [...relationsOf(structure), ...openHistoryRelations(history, structure, now)], truth);
    console.log(`with the open count's history: pinned ${withHistory.pinned.length}, e.g. ${withHistory.pinned.slice(0, 5).join(', ')}`);
    expect(withHistory.pinned.length).toBeGreaterThan(0);
  });
});

/**
 * Every value of `complaints_open` a caller (anonymous, or with `token`) can read, as (time, open count) samples
 * of a step function: raw readings over 35 days (6-hour windows), the `last` of every bucket at 1m / 1h / 1d
 * (the count at the bucket's end, the publisher reporting every change), the latest reading of every answer, the
 * /public socket's snapshot (anonymous only) and the open-data and CKAN rows. `complete` is the time from which
 * the samples are known to hold every change (the first raw reading), or null.
 */
async function openCountSamples(server: TestServer, now: number, token?: string) {
  const samples: { t: number; v: number }[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  const series = async (from: number, to: number, bucket: string) => {
    const res = await server.get(`/api/v1/series?metric=complaints_open&from=${iso(from)}&to=${iso(to)}&bucket=${bucket}`, token);
    expect(res.status, `${bucket} ${res.status}`).toBe(200);
    for (const s of res.body.series) {
      if (s.latest) samples.push({ t: s.latest.t, v: s.latest.v });
      for (const b of s.buckets) samples.push(bucket === 'raw' ? { t: b.t, v: b.last } : { t: b.t + res.body.bucketMs - 1, v: b.last });
    }
    return res.body.series.flatMap((s: { buckets: unknown[] }) => s.buckets).length as number;
  };
  let raw = 0;
  for (let to = now + 60_000; to > now - 35 * DAY; to -= 6 * 3_600_000) raw += await series(to - 6 * 3_600_000, to, 'raw');
  for (let to = now + 60_000; to > now - 35 * DAY; to -= 7 * DAY) await series(to - 7 * DAY, to, '1m');
  await series(now - 35 * DAY, now + 60_000, '1h');
  await series(now - 35 * DAY, now + 60_000, '1d');
  for (let i = 0; i < 3; i++) {
    const m = (await server.get('/api/public/v1/metrics')).body.metrics.find((x: { code: string }) => x.code === 'complaints_open');
    for (const s of m.series) samples.push({ t: s.t, v: s.value });
  }
  if (!token) {
    const sock = server.socket('/public');
    await connected(sock);
    const ack = (await (sock.timeout(10_000) as unknown as { emitWithAck(e: string, a: unknown): Promise<Ack<Snapshot>> }).emitWithAck(
      'series:subscribe',
      { metrics: ['complaints_open'], historyMinutes: 1440 },
    )) as Ack<Snapshot>;
    expect(ack.ok).toBe(true);
    if (ack.ok)
      for (const s of ack.data.metrics[0]!.series) {
        if (s.latest) samples.push(s.latest);
        for (const b of s.history) samples.push({ t: b.t + 60_000 - 1, v: b.last });
      }
    sock.disconnect();
    const list = (await server.get('/api/public/v1/datasets')).body.datasets as { id: string; description: string; resources: { view: string }[] }[];
    const ds = list.find((d) => d.description.includes('complaints_open'))!;
    for (const r of ds.resources) {
      const rows = (await server.get(`/api/public/v1/datasets/${ds.id}/data.json?view=${r.view}`)).body.data as Record<string, string | number>[];
      const ckan = (await server.get(`/api/3/action/datastore_search?resource_id=${ds.id}.${r.view}&limit=32000`)).body.result.records;
      for (const row of [...rows, ...ckan]) if (typeof row.value === 'number') samples.push({ t: Date.parse(String(row.time)), v: row.value });
    }
  }
  samples.sort((a, b) => a.t - b.t);
  return { samples, complete: raw > 0 ? samples[0]!.t : null };
}

/**
 * What the open count's samples say about the complaint figures: open(hi) − open(lo) = received − closed in
 * (lo, hi], for every performance bucket and every period whose two ends the samples fix. A time is fixed when
 * it is at or after the newest sample (nothing changed since: the current value), or — with a complete history —
 * by the newest sample at or before it.
 */
function openHistoryRelations(
  published: { samples: { t: number; v: number }[]; complete: number | null },
  structure: { cells: Record<P, [string | null, string | null][]>; buckets: Record<P, [number, number][]> },
  now: number,
): Relation[] {
  const { samples, complete } = published;
  const newest = samples.at(-1)!;
  const at = (t: number): number | null => {
    if (t >= newest.t) return newest.v;
    if (complete === null || t < complete) return null;
    let v: number | null = null;
    for (const s of samples) if (s.t <= t) v = s.v;
    return v;
  };
  const rel: Relation[] = [];
  const delta = (lo: number, hi: number, received: string, resolved: string) => {
    const a = at(lo);
    const b = at(hi);
    if (a === null || b === null) return;
    // received − resolved − (b − a) = 0, the constant carried by a figure pinned to 1
    rel.push({
      terms: [
        [received, 1],
        [resolved, -1],
        ['const|1', a - b],
      ],
      op: 'eq',
    });
  };
  for (const p of PERIODS) {
    for (const [lo, hi] of structure.buckets[p]) delta(lo, hi, bucketKey('received', lo, hi), bucketKey('resolved', lo, hi));
    delta(now - SPAN[p], now, cellKey('received', p, TOT, TOT), cellKey('resolved', p, TOT, TOT));
  }
  return rel;
}
