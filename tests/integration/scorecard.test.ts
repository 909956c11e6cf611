/**
 * The OPD scorecard against the real server and database (issue 19). Complaints and incidents are written as
 * rows over 65 days on a fake clock; the test then reads the same rows back and computes its own reference —
 * handler OPD from event_sla, outcome, shares, medians, open and overdue — and the API must answer exactly that.
 * A feed stopped for one hour, as the leader's watcher sees it, lowers its 24 h score by 100/24 ≈ 4.2 points.
 * Access: an OPD sees its own scorecard only; the ranking is for every signed-in caller; the public figures
 * exist only behind SCORECARD_PUBLIC and hide shares behind counts below k.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OpdScorecard, RankingRow } from '../../shared/scorecard';
import { startTestServer, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.UTC(2026, 11, 6, 5, 0, 0); // Sunday 12:00 WIB

let now = NOW;
let server: TestServer;
let operator: string;

/** A deterministic generator (mulberry32): the same rows every run. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Item {
  opd: string;
  type: 'complaint' | 'incident';
  id: string;
  status: string;
  opened: number;
  closed: number | null;
  target: number; // hours
  category: string | null;
  region: string | null;
}

/** The reference, written here independently of shared/scorecard.ts. */
function referenceWindow(items: readonly Item[], opd: string, from: number, to: number) {
  const closed = items.filter((i) => i.opd === opd && i.closed !== null && i.closed >= from && i.closed < to);
  const rejected = closed.filter((i) => i.status === 'rejected' || i.status === 'ditolak');
  const resolved = closed.filter((i) => !rejected.includes(i));
  const hours = (i: Item) => (i.closed! - i.opened) / H;
  const met = resolved.filter((i) => hours(i) <= i.target).length;
  const missed = resolved.length - met;
  const decided = met + missed + rejected.length;
  const sorted = resolved.map(hours).sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const median = sorted.length === 0 ? null : sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
  return {
    closed: closed.length,
    met,
    missed,
    rejected: rejected.length,
    shareWithinSla: decided ? met / decided : null,
    shareRejected: decided ? rejected.length / decided : null,
    medianHours: median,
  };
}

const items: Item[] = [];

beforeAll(async () => {
  server = await startTestServer(adminUrl, { clock: () => now });
  operator = await server.token('operator');
  const pool = server.storage.pool;
  const sla = (
    await pool.query<{ category: string; target_hours: number; handler_opd: string | null }>(
      `SELECT category, target_hours, handler_opd FROM event_sla WHERE kind = 'complaint'`,
    )
  ).rows;
  const owner = (await pool.query<{ owner_opd: string }>(`SELECT owner_opd FROM event_kind WHERE code = 'complaint'`)).rows[0]!.owner_opd;
  const def = sla.find((s) => s.category === '')!;
  const kel = (await pool.query<{ code: string }>(`SELECT code FROM region WHERE level = 'kelurahan' ORDER BY code LIMIT 6`)).rows.map((r) => r.code);
  const cats = [...sla.filter((s) => s.category !== '').map((s) => s.category), 'lainnya'];
  const r = rng(19);

  // complaints: opened over the last 65 days; three quarters closed (a tenth of those rejected), some after their target
  const ev: unknown[][] = [[], [], [], [], [], [], []];
  for (let i = 0; i < 400; i++) {
    const category = cats[Math.floor(r() * cats.length)]!;
    const s = sla.find((x) => x.category === category) ?? def;
    const opened = NOW - Math.floor(r() * 65 * DAY);
    const closes = r() < 0.75;
    const dur = r() * 2.2 * s.target_hours * H;
    const closed = closes && opened + dur < NOW ? opened + Math.floor(dur) : null;
    const status = closed === null ? 'verified' : r() < 0.1 ? 'rejected' : 'resolved';
    const region = kel[i % kel.length]!;
    const it: Item = {
      opd: s.handler_opd ?? def.handler_opd ?? owner,
      type: 'complaint',
      id: `SC-${i}`,
      status,
      opened,
      closed,
      target: s.target_hours,
      category,
      region,
    };
    items.push(it);
    [it.id, status, opened, closed, category, region, closed ?? opened].forEach((v, j) => ev[j]!.push(v));
  }
  await pool.query(
    `INSERT INTO event (kind, id, status, opened_at, closed_at, category, region_code, time)
     SELECT 'complaint', id, status, to_timestamp(o / 1000.0), to_timestamp(c / 1000.0), cat, reg, to_timestamp(t / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::text[], $7::float8[]) AS u(id, status, o, c, cat, reg, t)`,
    ev,
  );

  // incidents: handled by four OPD; some done (selesai) in or past their target, some refused (ditolak), one merged (not counted)
  const opds = ['BPBD', 'DLH', 'DPUPR', 'DISHUB'];
  for (let i = 0; i < 80; i++) {
    const opd = opds[i % opds.length]!;
    const created = NOW - Math.floor(r() * 65 * DAY);
    const targetH = 2 + Math.floor(r() * 46);
    const dur = r() * 2 * targetH * H;
    const closed = r() < 0.7 && created + dur < NOW ? created + Math.floor(dur) : null;
    const status = closed === null ? 'dikerjakan' : r() < 0.15 ? 'ditolak' : 'selesai';
    const merged = i === 7;
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO incident (source_type, title, severity, handling_opd, status, target_at, created_by, created_at, updated_at, closed_at, region_code)
       VALUES ('manual', $1, 'siaga', $2, $3, to_timestamp($4 / 1000.0), 'test', to_timestamp($5 / 1000.0), to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0), $7)
       RETURNING id::text`,
      [`Insiden ${i}`, opd, status, created + targetH * H, created, closed, kel[i % kel.length]],
    );
    if (merged) {
      await pool.query(`UPDATE incident SET merged_into = (SELECT min(id) FROM incident) WHERE id = $1`, [rows[0]!.id]);
      continue;
    }
    items.push({
      opd,
      type: 'incident',
      id: rows[0]!.id,
      status,
      opened: created,
      closed,
      target: targetH,
      category: null,
      region: kel[i % kel.length]!,
    });
  }
});
afterAll(async () => server?.close());

describe('the service SLA of each OPD equals a reference computed from the same rows', () => {
  it('the rows hold every outcome: met, missed, rejected (both spellings), open and overdue', () => {
    const closed = items.filter((i) => i.closed !== null);
    expect(closed.some((i) => i.status === 'rejected')).toBe(true);
    expect(closed.some((i) => i.status === 'ditolak')).toBe(true);
    expect(closed.some((i) => i.status !== 'rejected' && (i.closed! - i.opened) / H > i.target)).toBe(true);
    expect(items.some((i) => i.closed === null && i.opened + i.target * H < NOW)).toBe(true);
  });

  it.each(['DPUPR', 'DLH', 'BPBD', 'DISHUB', 'DISKOMINFO'])('%s', async (opd) => {
    const res = await server.get(`/api/v1/scorecard?opd=${opd}`, operator);
    expect(res.status).toBe(200);
    const card = res.body.scorecard as OpdScorecard;
    expect(res.body.asOf).toBe(NOW);
    for (const [w, len] of [
      ['7d', 7 * DAY],
      ['30d', 30 * DAY],
    ] as const) {
      const ref = referenceWindow(items, opd, NOW - len, NOW);
      const prev = referenceWindow(items, opd, NOW - 2 * len, NOW - len);
      const got = card.service.windows[w];
      if (w === '30d') expect(ref.closed, 'rows behind the figure').toBeGreaterThan(3);
      expect({ closed: got.closed, met: got.met, missed: got.missed, rejected: got.rejected }, `${opd} ${w}`).toEqual({
        closed: ref.closed,
        met: ref.met,
        missed: ref.missed,
        rejected: ref.rejected,
      });
      const close = (a: number | null, b: number | null) => (b === null ? expect(a).toBeNull() : expect(a).toBeCloseTo(b, 6));
      close(got.shareWithinSla, ref.shareWithinSla);
      close(got.shareRejected, ref.shareRejected);
      close(got.medianHours, ref.medianHours);
      close(got.previous.shareWithinSla, prev.shareWithinSla);
      close(got.previous.medianHours, prev.medianHours);
      expect(got.previous.closed).toBe(prev.closed);
      if (ref.shareWithinSla !== null && prev.shareWithinSla !== null)
        close(got.trend.shareWithinSla.delta, ref.shareWithinSla - prev.shareWithinSla);
    }
    const open = items.filter((i) => i.opd === opd && i.closed === null);
    expect(open.length).toBeGreaterThan(0);
    const overdue = open.filter((i) => i.opened + i.target * H < NOW).sort((a, b) => a.opened + a.target * H - (b.opened + b.target * H));
    expect(card.service.open).toBe(open.length);
    expect(card.service.overdue).toBe(overdue.length);
    expect(card.service.overdueItems.map((o) => `${o.type}:${o.id}`)).toEqual(overdue.slice(0, 50).map((o) => `${o.type}:${o.id}`));
    for (const o of card.service.overdueItems) {
      const src = items.find((i) => i.type === o.type && i.id === o.id)!;
      expect(o.category).toBe(src.category);
      expect(o.region).toBe(src.region);
      expect(o.regionName).toEqual(expect.any(String));
      expect(o.targetHours).toBeCloseTo(src.target, 6);
      expect(o.ageHours).toBeCloseTo((NOW - src.opened) / H, 1);
      expect(o.overdueHours).toBeCloseTo((NOW - src.opened) / H - src.target, 1);
    }
  });

  it('a rejection is never met: rejecting rows lowers the met share and shows as the rejected share', async () => {
    const before = (await server.get('/api/v1/scorecard?opd=DLH', operator)).body.scorecard.service.windows['30d'];
    await server.storage.pool.query(
      `INSERT INTO event (kind, id, status, opened_at, closed_at, category, time)
       VALUES ('complaint', 'SC-REJ-1', 'rejected', to_timestamp($1 / 1000.0), to_timestamp($2 / 1000.0), 'sampah', to_timestamp($2 / 1000.0))`,
      [NOW - 2 * H, NOW - H],
    );
    const after = (await server.get('/api/v1/scorecard?opd=DLH', operator)).body.scorecard.service.windows['30d'];
    expect(after.met).toBe(before.met);
    expect(after.rejected).toBe(before.rejected + 1);
    expect(after.shareWithinSla).toBeLessThan(before.shareWithinSla);
    expect(after.shareRejected).toBeGreaterThan(before.shareRejected);
    await server.storage.pool.query(`DELETE FROM event WHERE id = 'SC-REJ-1'`);
  });
});

describe('the data SLA', () => {
  it('a feed stopped for 1 h, seen by the watcher, lowers its 24 h score by 100/24 points; another feed stays at 100', async () => {
    const key = await server.key('BPBD');
    const report = (source: string, lastSuccess: number) => ({
      source,
      type: 'http-poll',
      opd: 'BPBD',
      expectedIntervalMs: 60_000,
      reportIntervalMs: 10_000,
      lastSuccess,
      lastError: null,
      lastErrorAt: null,
      recordsPerSecond: 1,
      quarantined: 0,
      spoolDepth: 0,
    });
    const tick = async (t: number, stoppedSince: number | null) => {
      now = t;
      const sources = [report('pintu-air', stoppedSince ?? t), report('pompa', t)];
      expect((await server.post('/api/v1/sources/health', { sources }, key)).status).toBe(202);
      expect(await server.app.watcher.tick()).toBe(true);
    };
    const stop = NOW + 10 * 60_000;
    await tick(stop, null);
    // stopped: late after 3 × 60 s + 10 s, seen at every round until data returns one hour after the last success
    for (let m = 1; m < 60; m += 5) await tick(stop + m * 60_000, stop);
    await tick(stop + H, null);
    const rows = (await server.storage.pool.query(`SELECT source, metric, started_at, ended_at FROM feed_lateness ORDER BY id`)).rows;
    expect(rows).toEqual([{ source: 'pintu-air', metric: '', started_at: new Date(stop), ended_at: new Date(stop + H) }]);

    now = stop + 3 * H;
    const card = (await server.get('/api/v1/scorecard', await server.token('agency', 'BPBD'))).body.scorecard as OpdScorecard;
    const feed = (s: string) => card.data.feeds.find((f) => f.source === s)!;
    expect(100 * (1 - feed('pintu-air').fresh['24h'])).toBeCloseTo(100 / 24, 9);
    expect((100 * (1 - feed('pintu-air').fresh['24h'])).toFixed(1)).toBe('4.2');
    expect(feed('pintu-air').fresh['7d']).toBeCloseTo(1 - 1 / 168, 9);
    expect(feed('pompa').fresh['24h']).toBe(1);
    expect(feed('pintu-air').lateNow).toBe(false);
    expect(card.data.fresh['24h']).toBeCloseTo((2 - 1 / 24) / 2, 9);
    now = NOW;
  });

  it('a metric silent for 1 h while another continues loses 100/24 points of its 24 h score; its interval closes when readings return', async () => {
    const pool = server.storage.pool;
    // two metrics of one OPD with cadences short enough that 3 of them fit in the hour
    const { rows: ms } = await pool.query<{ code: string; owner_opd: string; cadence_s: number }>(
      `SELECT code, owner_opd, cadence_s FROM metric
        WHERE cadence_s <= 600 AND owner_opd = (SELECT owner_opd FROM metric WHERE cadence_s <= 600 GROUP BY owner_opd HAVING count(*) >= 2 ORDER BY owner_opd LIMIT 1)
        ORDER BY code LIMIT 2`,
    );
    expect(ms).toHaveLength(2);
    const [quiet, busy] = ms as [(typeof ms)[number], (typeof ms)[number]];
    // no feed of the OPD reports late (a late feed's own watch alert would stand for its quiet metrics)
    await pool.query(`DELETE FROM source_health WHERE opd_code = $1`, [quiet.owner_opd]);
    const ids = new Map<string, number>();
    for (const m of ms) {
      const { rows } = await pool.query<{ id: number }>(`INSERT INTO series (metric, entity) VALUES ($1, 'sc-test') RETURNING id`, [m.code]);
      ids.set(m.code, rows[0]!.id);
    }
    const read = async (m: (typeof ms)[number], from: number, to: number) => {
      const times: number[] = [];
      for (let t = from; t <= to; t += m.cadence_s * 1000) times.push(t);
      await pool.query(
        `INSERT INTO point (series_id, time, value) SELECT $1, to_timestamp(t / 1000.0), 1 FROM unnest($2::float8[]) AS t ON CONFLICT DO NOTHING`,
        [ids.get(m.code), times],
      );
    };
    const start = NOW + 6 * H;
    const stop = start + H;
    const back = stop + H;
    // both read for an hour; then the quiet one stops for exactly one hour while the busy one goes on
    await read(quiet, start, stop);
    await read(busy, start, stop);
    const tick = async (t: number) => {
      now = t;
      expect(await server.app.watcher.tick()).toBe(true);
    };
    await tick(stop);
    const metricRows = async () =>
      (await pool.query(`SELECT source, opd_code, metric, started_at, ended_at FROM feed_lateness WHERE metric <> '' ORDER BY id`)).rows;
    expect(await metricRows()).toEqual([]);
    let last = stop;
    for (let t = stop + 5 * 60_000; t < back; t += 5 * 60_000) {
      await read(busy, last + busy.cadence_s * 1000, t);
      last = t;
      await tick(t);
    }
    // late, and open from its last reading
    expect(await metricRows()).toEqual([{ source: '', opd_code: quiet.owner_opd, metric: quiet.code, started_at: new Date(stop), ended_at: null }]);
    // and its owner OPD is told while it lasts: one watch alert for the quiet metric, none for the busy one
    const watches = async () =>
      (await pool.query(`SELECT subject, opd_code, severity, cleared_at, detail FROM watch_alert WHERE kind = 'metric_late' ORDER BY id`)).rows;
    const opened = await watches();
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ subject: quiet.code, opd_code: quiet.owner_opd, severity: 'waspada', cleared_at: null });
    expect(opened[0].detail.name).toBeTruthy();
    // readings return at `back`; the watcher sees them a few minutes later and closes at the first of them
    await read(quiet, back, back + 4 * 60_000);
    await read(busy, last + busy.cadence_s * 1000, back + 4 * 60_000);
    await tick(back + 4 * 60_000);
    expect(await metricRows()).toEqual([
      { source: '', opd_code: quiet.owner_opd, metric: quiet.code, started_at: new Date(stop), ended_at: new Date(back) },
    ]);
    expect((await watches()).map((w) => [w.subject, w.cleared_at])).toEqual([[quiet.code, new Date(back + 4 * 60_000)]]);

    now = back + 2 * H;
    const card = (await server.get('/api/v1/scorecard', await server.token('agency', quiet.owner_opd))).body.scorecard as OpdScorecard;
    const metric = (code: string) => card.data.metrics.find((m) => m.metric === code)!;
    expect(100 * (1 - metric(quiet.code).fresh['24h'])).toBeCloseTo(100 / 24, 9);
    expect((100 * (1 - metric(quiet.code).fresh['24h'])).toFixed(2)).toBe('4.17');
    expect(metric(quiet.code).lateNow).toBe(false);
    expect(metric(busy.code).fresh['24h']).toBe(1);
    // the OPD figure: its feeds and metrics together, each counting once
    const all = [...card.data.feeds, ...card.data.metrics];
    expect(card.data.fresh['24h']).toBeCloseTo(all.reduce((s, f) => s + f.fresh['24h'], 0) / all.length, 12);
    now = NOW;
  });
});

describe('access and the ranking', () => {
  it('an OPD reads its own scorecard only; the public none; bad input is a 400', async () => {
    const dlh = await server.token('agency', 'DLH');
    const own = await server.get('/api/v1/scorecard', dlh);
    expect(own.status).toBe(200);
    expect(own.body.scorecard.opd).toBe('DLH');
    expect((await server.get('/api/v1/scorecard?opd=BPBD', dlh)).status).toBe(403);
    expect((await server.get('/api/v1/scorecard?opd=DLH')).status).toBe(401);
    expect((await server.get('/api/v1/scorecard?opd=dlh;drop', operator)).status).toBe(400);
    expect((await server.get('/api/v1/scorecard', operator)).status).toBe(400);
    expect((await server.get('/api/v1/scorecard?opd=NOPE', operator)).status).toBe(404);
  });

  it('the ranking lists every OPD once, ordered by the 30-day share, with the scorecard’s figures', async () => {
    const res = await server.get('/api/v1/scorecard/ranking', await server.token('agency', 'DLH'));
    expect(res.status).toBe(200);
    const rows = res.body.opds as RankingRow[];
    const opds = (await server.storage.pool.query<{ code: string }>(`SELECT code FROM opd`)).rows.map((r) => r.code).sort();
    expect(rows.map((r) => r.opd).sort()).toEqual(opds);
    expect(rows.map((r) => r.rank)).toEqual(rows.map((_, i) => i + 1));
    const shares = rows.map((r) => r.serviceShare30d).filter((s): s is number => s !== null);
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    const dpupr = (await server.get('/api/v1/scorecard?opd=DPUPR', operator)).body.scorecard as OpdScorecard;
    expect(rows.find((r) => r.opd === 'DPUPR')).toMatchObject({
      serviceShare30d: dpupr.service.windows['30d'].shareWithinSla,
      overdue: dpupr.service.overdue,
      open: dpupr.service.open,
    });
  });

  it('the public figures are off by default: the answer says so and lists no OPD', async () => {
    const res = await server.get('/api/public/v1/scorecard');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ published: false, opds: [] });
  });
});

describe('the public scorecard behind SCORECARD_PUBLIC', () => {
  it('publishes shares only where the counts behind them reach k', async () => {
    const pub = await startTestServer(adminUrl, { scorecardPublic: true, clock: () => NOW });
    try {
      const pool = pub.storage.pool;
      // DLH: 20 closed (14 met, 6 rejected), DPUPR: 25 met, BPBD: 2 closed (below k = 5: hidden)
      const rows: [string, string, string, number][] = [];
      for (let i = 0; i < 20; i++) rows.push([`P-DLH-${i}`, 'sampah', i < 6 ? 'rejected' : 'resolved', 2]);
      for (let i = 0; i < 25; i++) rows.push([`P-PU-${i}`, 'jalan_rusak', 'resolved', 3]);
      for (let i = 0; i < 2; i++) rows.push([`P-BPBD-${i}`, 'banjir', 'resolved', 1]);
      for (const [id, cat, status, h] of rows)
        await pool.query(
          `INSERT INTO event (kind, id, status, opened_at, closed_at, category, time) VALUES ('complaint', $1, $2, to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), $5, to_timestamp($4 / 1000.0))`,
          [id, status, NOW - DAY - h * H, NOW - DAY, cat],
        );
      const res = await pub.get('/api/public/v1/scorecard');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ k: 5, published: true });
      type Row = {
        opd: string;
        closed30d: number | null;
        serviceShare30d: number | null;
        rejectedShare30d: number | null;
        medianHours30d: number | null;
      };
      const by = new Map((res.body.opds as Row[]).map((o) => [o.opd, o]));
      expect(by.get('BPBD')).toMatchObject({ closed30d: null, serviceShare30d: null, rejectedShare30d: null, medianHours30d: null });
      const shown = [...by.values()].filter((o) => o.serviceShare30d !== null);
      expect(shown.length).toBeGreaterThan(0);
      const op = await pub.token('operator');
      for (const o of shown) {
        expect(o.closed30d).toBeGreaterThanOrEqual(5);
        const w = (await pub.get(`/api/v1/scorecard?opd=${o.opd}`, op)).body.scorecard.service.windows['30d'];
        expect(o.serviceShare30d).toBe(Math.round(w.shareWithinSla * 100) / 100);
        expect(o.rejectedShare30d).toBe(Math.round(w.shareRejected * 100) / 100);
      }
      // no free text, no item, no place: shares and counts only
      expect(JSON.stringify(res.body)).not.toMatch(/P-DLH|overdueItems|region/);
    } finally {
      await pub.close();
    }
  });
});
