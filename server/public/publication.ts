/**
 * Everything the public view publishes about complaints, decided jointly. Pure (clock and k are arguments).
 *
 * One base per period: the counts per kelurahan × category × measure (received, resolved in the period;
 * open now, which is one table whatever the period), their row, column and city totals, and the received and
 * resolved counts per time bucket (whose city totals are the same figures as the summary's). Every public
 * answer about complaints — summary, map, performance view, open-data CSV and JSON, CKAN, the page shell — is
 * assembled from this one decision (aggregation.ts assembleSummary, performance.ts assemblePerformance), so a
 * count is shown or hidden alike wherever it appears, and no answer publishes a total the others hide.
 *
 * The decision: the small counts (1..k−1) of every table, then disclosure.ts audits them against every relation
 * an outsider knows — the tables' sums, buckets summing to the city total, 24 h ⊂ 7 d ⊂ 30 d (count by count
 * and bucket by bucket), and open ≥ received − resolved — and hides more (zeros first) until interval
 * propagation over all of it pins no hidden small count. Fixed figures (known, never hidden, never a cover):
 * the city's open total (the publik metric `complaints_open` publishes it) and every city total — per category
 * and overall, per measure and period — that is ≥ k (issue 21: "city-level totals per category are shown when
 * they are ≥ k"). A hidden count is published with the marker "< k" when it is below k (a small count or a
 * zero cover), and without it when it is a cover ≥ k (assembleSummary, assemblePerformance); the attacker's
 * priors are exactly those markers.
 *
 * The history of `complaints_open` is not published to anyone anonymous: its change over a time bucket is
 * received − closed in that bucket, so where nothing closed the bucket's received count would follow, whatever
 * is hidden here. The catalog marks the metric `publicHistory: false` (migration 055) and every anonymous door
 * gives its current value only (current-only.ts), which is the one figure this rule already takes as known.
 * tests/integration/disclosure-attack.test.ts reads every published value of it and pins nothing, and shows the
 * history (what a signed-in operator still reads) would pin counts.
 */
import {
  assembleSummary,
  countKey,
  MEASURES,
  PERIOD_NAMES,
  tallyComplaints,
  tallyCount,
  TOTAL,
  type ComplaintRow,
  type ComplaintSummary,
  type Measure,
  type Period,
  type RegionInfo,
  type SummaryOptions,
  type Tally,
} from './aggregation';
import { protectJointly, type Figure, type JointResult, type Key, type Relation } from './disclosure';
import { assemblePerformance, bucketKey, tallyPerformance, type ComplaintPerformance, type PerformanceTally } from './performance';

export interface Publication {
  summaries: Record<Period, ComplaintSummary>;
  performance: Record<Period, ComplaintPerformance>;
  /** What the joint rule did: figures considered, hidden, audit rounds, and any it could not protect. */
  disclosure: { figures: number; hidden: number; rounds: number; unprotected: string[] };
}

const COUNTED: readonly Exclude<Measure, 'open'>[] = ['received', 'resolved'];

/** The figures, relations and per-table patterns of one publication. Exported for the tests. */
export function complaintFigures(rows: readonly ComplaintRow[], k: number, now: number) {
  const tallies = Object.fromEntries(PERIOD_NAMES.map((p) => [p, tallyComplaints(rows, p, now)])) as Record<Period, Tally>;
  const perf = Object.fromEntries(PERIOD_NAMES.map((p) => [p, tallyPerformance(rows, p, now)])) as Record<Period, PerformanceTally>;
  // The open table: every kelurahan and category with an open complaint (the longest period's tally holds them all).
  const longest = tallies[PERIOD_NAMES.reduce((a, b) => (tallies[a].from <= tallies[b].from ? a : b))];
  const figures = new Map<Key, Figure>();
  const hidden = new Set<Key>();
  const relations: Relation[] = [];
  const small = (n: number) => n >= 1 && n < k;
  const cityTotals = new Set<Key>();
  const add = (key: Key, value: number) => {
    if (!figures.has(key)) figures.set(key, { key, value, primary: value >= 1 && value < k });
  };

  /** One two-way table with its margins: figures, sum relations and its small counts. */
  const table = (m: Measure, period: Period, t: Tally, rowKeys: string[], colKeys: string[], keepGrand: boolean) => {
    const R = rowKeys.length;
    const C = colKeys.length;
    const keyAt = (i: number, j: number) => countKey(m, period, i === R ? TOTAL : rowKeys[i]!, j === C ? TOTAL : colKeys[j]!);
    const x = Array.from({ length: R + 1 }, (_, i) =>
      Array.from({ length: C + 1 }, (_, j) => tallyCount(t, m, i === R ? TOTAL : rowKeys[i]!, j === C ? TOTAL : colKeys[j]!)),
    );
    for (let i = 0; i <= R; i++) for (let j = 0; j <= C; j++) add(keyAt(i, j), x[i]![j]!);
    for (let i = 0; i <= R; i++) for (let j = 0; j <= C; j++) if (small(x[i]![j]!) && !(keepGrand && i === R && j === C)) hidden.add(keyAt(i, j));
    // the city's totals (per category and overall) are never covers: shown whenever they are ≥ k
    for (let j = 0; j <= C; j++) if (!small(x[R]![j]!)) cityTotals.add(keyAt(R, j));
    for (let i = 0; i <= R; i++) {
      const terms: [Key, number][] = colKeys.map((_, j) => [keyAt(i, j), 1]);
      terms.push([keyAt(i, C), -1]);
      relations.push({ terms, op: 'eq' });
    }
    for (let j = 0; j <= C; j++) {
      const terms: [Key, number][] = rowKeys.map((_, i) => [keyAt(i, j), 1]);
      terms.push([keyAt(R, j), -1]);
      relations.push({ terms, op: 'eq' });
    }
  };

  for (const p of PERIOD_NAMES) {
    const t = tallies[p];
    for (const m of COUNTED) table(m, p, t, t.rowKeys, t.colKeys, false);
    // buckets: a one-column table whose total is the city's count of the period
    const b = perf[p];
    for (const m of COUNTED) {
      const counts = m === 'received' ? b.received : b.resolved;
      const keys = counts.map((_, i) => bucketKey(m, b.edges[i]!, b.edges[i + 1]!));
      const grand = countKey(m, p, TOTAL, TOTAL);
      counts.forEach((n, i) => add(keys[i]!, n));
      counts.forEach((n, i) => small(n) && hidden.add(keys[i]!));
      relations.push({ terms: [...keys.map((key): [Key, number] => [key, 1]), [grand, -1]], op: 'eq' });
    }
  }
  // the open table, once (the same whatever the period); its city total is known to everyone
  const openRows = longest.rowKeys.filter((rk) => tallyCount(longest, 'open', rk, TOTAL) > 0);
  const openCols = longest.colKeys.filter((ck) => tallyCount(longest, 'open', TOTAL, ck) > 0);
  table('open', longest.period, longest, openRows, openCols, true);
  const openGrand = countKey('open', longest.period, TOTAL, TOTAL);
  add(openGrand, tallyCount(longest, 'open', TOTAL, TOTAL));

  // every count of a period and its margins, as keys
  const keysOf = (t: Tally) => {
    const out: [string, string][] = [[TOTAL, TOTAL]];
    for (const rk of t.rowKeys) {
      out.push([rk, TOTAL]);
      for (const ck of t.counts.get(rk)!.keys()) out.push([rk, ck]);
    }
    for (const ck of t.colKeys) out.push([TOTAL, ck]);
    return out;
  };
  const term = (key: Key, a: number): [Key, number][] => (figures.has(key) ? [[key, a]] : []);
  for (const p of PERIOD_NAMES) {
    const t = tallies[p];
    for (const [rk, ck] of keysOf(t)) {
      // a complaint received in the period and not closed is open now
      relations.push({
        terms: [...term(countKey('received', p, rk, ck), 1), ...term(countKey('resolved', p, rk, ck), -1), ...term(countKey('open', p, rk, ck), -1)],
        op: 'le',
      });
      // a shorter period's count is at most the longer one's
      for (const q of PERIOD_NAMES) {
        if (tallies[q].from >= t.from) continue;
        for (const m of COUNTED) {
          const a = countKey(m, p, rk, ck);
          const b = countKey(m, q, rk, ck);
          if (figures.has(a)) relations.push({ terms: [[a, 1], ...term(b, -1)], op: 'le' });
        }
      }
    }
    // buckets of a shorter period inside a bucket of a longer one
    for (const q of PERIOD_NAMES) {
      if (tallies[q].from >= t.from) continue;
      const inner = perf[p];
      const outer = perf[q];
      for (let j = 0; j < outer.edges.length - 1; j++) {
        const [lo, hi] = [outer.edges[j]!, outer.edges[j + 1]!];
        const inside: number[] = [];
        for (let i = 0; i < inner.edges.length - 1; i++) if (inner.edges[i]! >= lo && inner.edges[i + 1]! <= hi) inside.push(i);
        if (inside.length === 0) continue;
        for (const m of COUNTED) {
          const outerKey = bucketKey(m, lo, hi);
          const terms: [Key, number][] = inside
            .map((i) => bucketKey(m, inner.edges[i]!, inner.edges[i + 1]!))
            .filter((key) => key !== outerKey)
            .map((key) => [key, 1]);
          if (terms.length) relations.push({ terms: [...terms, [outerKey, -1]], op: 'le' });
        }
      }
    }
  }
  // Fixed, pass by pass (decideHidden): every city total ≥ k; then the grand totals ≥ k; then only what is
  // published elsewhere anyway (the city's open total).
  const grands = new Set([...cityTotals].filter((key) => key.endsWith(`|${TOTAL}|${TOTAL}`)));
  const passes = [new Set([openGrand, ...cityTotals]), new Set([openGrand, ...grands]), new Set([openGrand])];
  return { tallies, perf, figures, relations, hidden, fixed: passes[0]!, passes };
}

/**
 * The joint decision: first with every city total ≥ k shown (fixed). Where that leaves a small count pinned —
 * a city with one small category total, pinned by the grand total minus the others — the next pass may hide
 * category totals too, as few as it takes, still showing the grand totals; the last only keeps the city's open
 * total (known elsewhere).
 */
export function decideHidden(f: ReturnType<typeof complaintFigures>, k: number): JointResult {
  const figures = [...f.figures.values()];
  let hidden = f.hidden;
  let rounds = 0;
  let result: JointResult | null = null;
  for (const fixed of f.passes) {
    result = protectJointly({ figures, relations: f.relations, k, hidden, fixed });
    rounds += result.rounds;
    hidden = result.hidden;
    if (result.unprotected.length === 0) break;
  }
  return { ...result!, rounds };
}

/** The joint publication of every period (module comment). */
export function publishComplaints(
  rows: readonly ComplaintRow[],
  opts: { k: number; now: number; regions: ReadonlyMap<string, RegionInfo> },
): Publication {
  const { k, now, regions } = opts;
  const f = complaintFigures(rows, k, now);
  const joint = decideHidden(f, k);
  const shown = (key: Key) => !joint.hidden.has(key);
  const summaries = Object.fromEntries(
    PERIOD_NAMES.map((period) => [period, assembleSummary(f.tallies[period], { period, k, now, regions }, shown)]),
  ) as Record<Period, ComplaintSummary>;
  const performance = Object.fromEntries(PERIOD_NAMES.map((p) => [p, assemblePerformance(f.perf[p], k, shown)])) as Record<
    Period,
    ComplaintPerformance
  >;
  return {
    summaries,
    performance,
    disclosure: { figures: f.figures.size, hidden: joint.hidden.size, rounds: joint.rounds, unprotected: joint.unprotected },
  };
}

/** The summary of one period, as the joint publication has it. */
export function summarizeComplaints(rows: readonly ComplaintRow[], opts: SummaryOptions): ComplaintSummary {
  return publishComplaints(rows, opts).summaries[opts.period];
}

/** The performance view of one period, as the joint publication has it. */
export function complaintPerformance(rows: readonly ComplaintRow[], opts: { period: Period; k: number; now: number }): ComplaintPerformance {
  return publishComplaints(rows, { ...opts, regions: new Map() }).performance[opts.period];
}

export { MEASURES };
