/**
 * Event analytics against the real database on every backend: complaints ingested through the API, read back
 * through GET /api/v1/events/stats (counts by status, category and region per bucket; median and p90 time to
 * resolve per OPD and category; share within SLA; open items past their SLA) and compared with a reference
 * computed here in plain JS. Then the public share of it (/api/public/v1/complaints/performance): the same
 * medians and shares, with the groups of fewer than k complaints withheld.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_EVENT_SLA } from '../../demo/catalog';
import { startTestServer, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));
const H = 3_600_000;
const D = 24 * H;
const K = 5; // the default PUBLIC_K_ANONYMITY: startTestServer does not set it

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

const sla = (category: string) =>
  DEMO_EVENT_SLA.find((s) => s.kind === 'complaint' && s.category === category) ??
  DEMO_EVENT_SLA.find((s) => s.kind === 'complaint' && s.category === '')!;
/** Closed by refusing the work: never within SLA (db/queries/event-analytics.ts). */
const rejected = (f: Fixture) => f.transitions.at(-1)![0] === 'rejected';
const opdOf = (category: string) => sla(category).handlerOpd ?? 'DISKOMINFO';

interface Fixture {
  id: string;
  category: string;
  region: string;
  opened: number;
  /** [status, time] in order */
  transitions: [string, number][];
  closed: number | null;
}

describe.each(backends)('event analytics on %s', (_name, adminUrl) => {
  let server: TestServer;
  let regions: string[];
  const fixtures: Fixture[] = [];
  // whole hours, so buckets and targets are far from the clock's edges
  const T0 = Math.floor((Date.now() - 6 * D) / H) * H;
  // categories with their share: sampah has many (shown publicly), banjir only three (withheld publicly)
  const CATS = ['sampah', 'sampah', 'sampah', 'kemacetan', 'kemacetan', 'jalan_rusak', 'drainase', 'lampu_jalan'];

  beforeAll(async () => {
    server = await startTestServer(adminUrl);
    const { rows } = await server.storage.pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 3`);
    regions = rows.map((r) => r.code);
    const r = rng(7);
    for (let i = 0; i < 70; i++) {
      const category = i < 3 ? 'banjir' : CATS[Math.floor(r() * CATS.length)]!;
      const opened = T0 + i * 97 * 60_000; // spread over ~4.7 days
      const fate = r();
      const transitions: [string, number][] = [['received', opened]];
      let closed: number | null = null;
      if (fate < 0.75) {
        const verified = opened + Math.round(r() * 60) * 60_000 + 60_000;
        const spread = 0.5 + r() * 100;
        // every ninth closed one is refused within the hour: closed within any target, yet never "within SLA"
        const fastRejection = i % 9 === 4;
        const hours = fastRejection ? 0.5 : spread;
        closed = verified + Math.round(hours * 60) * 60_000;
        if (closed > Date.now() - 5 * 60_000) closed = null; // nothing in the future
        transitions.push(['verified', verified]);
        if (closed !== null) transitions.push([fate < 0.05 || fastRejection ? 'rejected' : 'resolved', closed]);
      } else if (fate < 0.85) {
        transitions.push(['verified', opened + 30 * 60_000]);
      }
      fixtures.push({ id: `LPR-STAT-${String(i).padStart(3, '0')}`, category, region: regions[i % regions.length]!, opened, transitions, closed });
    }
    const events = fixtures.flatMap((f) =>
      f.transitions.map(([status, time]) => ({
        kind: 'complaint',
        id: f.id,
        status,
        time,
        category: f.category,
        region: f.region,
        title: `Aduan ${f.id}`,
      })),
    );
    const res = await server.post('/api/v1/events', { events }, await server.key('DISKOMINFO'));
    expect(res.status).toBe(202);
  });
  afterAll(async () => {
    await server?.close();
  });

  const iso = (t: number) => new Date(t).toISOString();

  it('answers counts, time to resolve, SLA share and overdue items as the reference does', async () => {
    const from = T0;
    const to = T0 + 7 * D;
    const res = await server.get(`/api/v1/events/stats?kind=complaint&from=${iso(from)}&to=${iso(to)}&bucket=1d`, await server.token('operator'));
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s).toMatchObject({ kind: 'complaint', from, to, bucketMs: D, bucket: '1d' });
    const bucket = (t: number) => from + Math.floor((t - from) / D) * D;

    // status changes per bucket
    const byStatus = new Map<string, number>();
    for (const f of fixtures)
      for (const [status, t] of f.transitions) byStatus.set(`${bucket(t)}|${status}`, (byStatus.get(`${bucket(t)}|${status}`) ?? 0) + 1);
    expect(Object.fromEntries(s.byStatus.map((r: { t: number; status: string; n: number }) => [`${r.t}|${r.status}`, r.n]))).toEqual(
      Object.fromEntries(byStatus),
    );

    // received and closed per bucket and category, and per bucket and region
    const tally = (dim: (f: Fixture) => string) => {
      const m = new Map<string, { received: number; closed: number }>();
      const add = (key: string, what: 'received' | 'closed') => {
        const v = m.get(key) ?? { received: 0, closed: 0 };
        v[what]++;
        m.set(key, v);
      };
      for (const f of fixtures) {
        add(`${bucket(f.opened)}|${dim(f)}`, 'received');
        if (f.closed !== null) add(`${bucket(f.closed)}|${dim(f)}`, 'closed');
      }
      return Object.fromEntries(m);
    };
    expect(
      Object.fromEntries(
        s.byCategory.map((r: { t: number; category: string; received: number; closed: number }) => [
          `${r.t}|${r.category}`,
          { received: r.received, closed: r.closed },
        ]),
      ),
    ).toEqual(tally((f) => f.category));
    expect(
      Object.fromEntries(
        s.byRegion.map((r: { t: number; region: string; received: number; closed: number }) => [
          `${r.t}|${r.region}`,
          { received: r.received, closed: r.closed },
        ]),
      ),
    ).toEqual(tally((f) => f.region));

    // time to resolve per (OPD, category), per OPD and overall
    const groups = new Map<string, Fixture[]>();
    for (const f of fixtures) {
      if (f.closed === null) continue;
      for (const key of [`${opdOf(f.category)}|${f.category}`, `${opdOf(f.category)}|`, '|']) groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    // the fixtures hold a rejection closed within its target: counted closed and with a target, never within it
    expect(fixtures.some((f) => f.closed !== null && rejected(f) && (f.closed - f.opened) / H <= sla(f.category).targetHours)).toBe(true);
    expect(s.resolution).toHaveLength(groups.size);
    for (const row of s.resolution as {
      opd: string | null;
      category: string | null;
      n: number;
      medianHours: number;
      p90Hours: number;
      withTarget: number;
      withinSla: number;
      shareWithinSla: number;
    }[]) {
      const list = groups.get(`${row.opd ?? ''}|${row.category ?? ''}`);
      expect(list, `${row.opd}/${row.category}`).toBeDefined();
      const hours = list!.map((f) => (f.closed! - f.opened) / H);
      const within = list!.filter((f) => !rejected(f) && (f.closed! - f.opened) / H <= sla(f.category).targetHours).length;
      expect(row.n).toBe(list!.length);
      expect(row.medianHours).toBeCloseTo(percentileCont(hours, 0.5), 6);
      expect(row.p90Hours).toBeCloseTo(percentileCont(hours, 0.9), 6);
      expect(row.withTarget).toBe(list!.length);
      expect(row.withinSla).toBe(within);
      expect(row.shareWithinSla).toBeCloseTo(within / list!.length, 9);
    }

    // open now and past the target, oldest first
    const asOf = s.pastSla.asOf as number;
    const overdue = fixtures
      .filter((f) => f.closed === null && f.opened + sla(f.category).targetHours * H < asOf)
      .sort((a, b) => a.opened - b.opened);
    expect(overdue.length).toBeGreaterThan(0);
    expect(s.pastSla.total).toBe(overdue.length);
    expect(s.pastSla.items.map((i: { id: string }) => i.id)).toEqual(overdue.map((f) => f.id));
    const first = s.pastSla.items[0];
    expect(first).toEqual({
      id: overdue[0]!.id,
      opd: opdOf(overdue[0]!.category),
      category: overdue[0]!.category,
      region: overdue[0]!.region,
      status: overdue[0]!.transitions.at(-1)![0],
      openedAt: overdue[0]!.opened,
      dueAt: overdue[0]!.opened + sla(overdue[0]!.category).targetHours * H,
      overdueHours: Math.round(((asOf - overdue[0]!.opened - sla(overdue[0]!.category).targetHours * H) / H) * 10) / 10,
    });
    // no title leaves through the stats
    expect(JSON.stringify(s)).not.toContain('Aduan LPR');
  });

  it('applies the access rule and validates the query', async () => {
    const q = `kind=complaint&from=${iso(T0)}&to=${iso(T0 + D)}`;
    expect((await server.get(`/api/v1/events/stats?${q}`)).status).toBe(401);
    expect((await server.get(`/api/v1/events/stats?${q}`, 'not-a-token')).status).toBe(401);
    // complaints are terbatas to Diskominfo: DLH reads nothing without an agreement
    expect((await server.get(`/api/v1/events/stats?${q}`, await server.token('agency', 'DLH'))).status).toBe(403);
    expect((await server.get(`/api/v1/events/stats?${q}`, await server.token('agency', 'DISKOMINFO'))).status).toBe(200);
    const bad = await server.get(`/api/v1/events/stats?kind=complaint&from=${iso(T0 + D)}&to=${iso(T0)}`, await server.token('operator'));
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toContain('to');
    expect(
      (await server.get(`/api/v1/events/stats?kind=complaint&from=${iso(T0)}&to=${iso(T0 + 30 * D)}&bucket=15m`, await server.token('operator')))
        .status,
    ).toBe(400);
    expect(
      (await server.get(`/api/v1/events/stats?kind=no_such_kind&from=${iso(T0)}&to=${iso(T0 + D)}`, await server.token('operator'))).status,
    ).toBe(404);
    // auto bucket keeps the answer small
    const auto = await server.get(`/api/v1/events/stats?${q}`, await server.token('operator'));
    expect(auto.body.bucket).toBe('1h');
  });

  it('publishes medians and SLA shares only over at least k complaints', async () => {
    const res = await server.get('/api/public/v1/complaints/performance?period=7d');
    expect(res.status).toBe(200);
    const p = res.body;
    expect(p).toMatchObject({ period: '7d', k: K, bucketMs: D });
    // WIB days: the first and the last partial
    expect(p.buckets.length).toBeGreaterThanOrEqual(7);
    expect(p.buckets.length).toBeLessThanOrEqual(8);
    expect(p.buckets[0].from).toBe(p.from);
    expect(p.buckets.at(-1).to).toBe(p.to);
    for (const b of p.buckets.slice(1)) expect((b.from + 7 * H) % D).toBe(0);
    const from = p.from as number;
    const to = p.to as number;
    const closedIn = fixtures.filter((f) => f.closed !== null && f.closed > from && f.closed <= to);
    const receivedIn = fixtures.filter((f) => f.opened > from && f.opened <= to);
    // the city totals are exact where shown (the joint rule of issue 13 may hide them as covers)
    if (!p.total.received.suppressed) expect(p.total.received).toEqual({ n: receivedIn.length, suppressed: false });
    if (!p.total.resolved.suppressed) expect(p.total.resolved).toEqual({ n: closedIn.length, suppressed: false });
    // shown buckets are exact; hidden ones are small or hide a small one
    for (const b of p.buckets as { from: number; to: number; received: { n: number | null; suppressed: boolean } }[]) {
      const n = receivedIn.filter((f) => f.opened > b.from && f.opened <= b.to).length;
      if (b.received.suppressed) expect(b.received.n).toBeNull();
      else expect(b.received.n).toBe(n);
      if (n > 0 && n < K) expect(b.received.suppressed).toBe(true);
    }
    for (const g of p.groups as {
      opd: string | null;
      category: string | null;
      medianHoursToResolve: number | null;
      shareWithinSla: number | null;
      suppressed: boolean;
    }[]) {
      const list = closedIn.filter((f) => (g.opd === null || opdOf(f.category) === g.opd) && (g.category === null || f.category === g.category));
      if (list.length < K) {
        expect(g, `${g.opd}/${g.category}`).toMatchObject({ medianHoursToResolve: null, shareWithinSla: null, suppressed: true });
        continue;
      }
      // published only where the count behind them is (issue 13): exact when there, and `suppressed` says so
      const hours = list.map((f) => (f.closed! - f.opened) / H);
      if (g.medianHoursToResolve !== null) expect(g.medianHoursToResolve).toBeCloseTo(Math.round(percentileCont(hours, 0.5) * 10) / 10, 6);
      const within = list.filter((f) => !rejected(f) && (f.closed! - f.opened) / H <= sla(f.category).targetHours).length;
      if (g.shareWithinSla !== null) expect(g.shareWithinSla).toBeCloseTo(Math.round((within / list.length) * 100) / 100, 9);
      expect(g.suppressed).toBe(g.medianHoursToResolve === null || g.shareWithinSla === null);
    }
    // banjir: three complaints, so BPBD's figures are withheld
    const banjir = p.groups.filter((g: { category: string | null }) => g.category === 'banjir');
    expect(banjir.length).toBeGreaterThan(0);
    for (const g of banjir) expect(g).toMatchObject({ medianHoursToResolve: null, shareWithinSla: null, suppressed: true });
    // the city's median is there exactly when its resolved total is
    expect(p.groups.find((g: { opd: string | null }) => g.opd === null).medianHoursToResolve === null).toBe(p.total.resolved.suppressed);

    // the same figures as open data, with a data dictionary
    const od = await server.get('/api/public/v1/datasets/kinerja-penanganan-aduan/data.json?view=7d');
    expect(od.status).toBe(200);
    expect(od.body.fields.map((x: { field: string }) => x.field)).toEqual([
      'period_start',
      'period_end',
      'opd_code',
      'opd_name',
      'category',
      'median_hours_to_resolve',
      'share_within_sla',
      'sla_target_hours',
    ]);
    const again = (await server.get('/api/public/v1/complaints/performance?period=7d')).body;
    expect(od.body.data.map((r: Record<string, unknown>) => [r.opd_code, r.category, r.median_hours_to_resolve, r.share_within_sla])).toEqual(
      again.groups.map((g: Record<string, unknown>) => [g.opd, g.category, g.medianHoursToResolve, g.shareWithinSla]),
    );
    const meta = await server.get('/api/public/v1/datasets/kinerja-penanganan-aduan');
    expect(meta.status).toBe(200);
    expect(JSON.stringify(meta.body)).toContain('median_hours_to_resolve');
  });
});
