/**
 * The time-series store, one suite on every backend: the embedded PostgreSQL, TEST_DATABASE_URL (required
 * under CI=true by the global setup) and TimescaleDB (the WASM PGlite build, in process, always present).
 * Every answer is compared with a reference computed in JS from the readings the test wrote.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKET_MS } from '../../shared/buckets';
import {
  bucketedSeries,
  COPY_MIN_POINTS,
  correctPoints,
  insertPoints,
  latestPoints,
  upsertSeries,
  type AggregateBucket,
  type ResolvedPoint,
} from '../../db/queries/points';
import { openStorage, type Storage } from '../../db/storage';
import { applyTimescalePolicies, DEFAULT_STORE_POLICY, refreshRollupsRange, runStoreJobs, startStoreJobs } from '../../db/store-jobs';
import { createSeriesService } from '../../server/series/service';
import { BucketCache, DEFAULT_BUCKET_CACHE, type CachedLevel } from '../../db/bucket-cache';
import { createTestDatabase } from '../support/db';
import { waitFor } from '../support/server';
import { startTimescaleBackend, type TimescaleBackend } from '../support/timescale';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WIB_ORIGIN = Date.parse('2000-01-01T00:00:00+07:00');
const backends = [...Object.entries(inject('backends')), ['timescaledb', 'in-process']] as [string, string][];

interface RefBucket {
  t: number;
  avg: number;
  min: number;
  max: number;
  last: number;
}

/** The store's documented semantics, in plain JS: whole buckets overlapping [from, to), days at 00:00 WIB. */
function reference(values: Map<number, Map<number, number>>, ids: number[], from: number, to: number, bucket: AggregateBucket | 'raw') {
  const out: Record<number, RefBucket[]> = {};
  for (const id of ids) {
    const pts = [...(values.get(id) ?? new Map<number, number>()).entries()].sort((a, b) => a[0] - b[0]);
    if (bucket === 'raw') {
      const list = pts.filter(([t]) => t >= from && t < to).map(([t, v]) => ({ t, avg: v, min: v, max: v, last: v }));
      if (list.length) out[id] = list;
      continue;
    }
    const width = BUCKET_MS[bucket];
    const origin = bucket === '1d' ? WIB_ORIGIN : 0;
    const start = (t: number) => Math.floor((t - origin) / width) * width + origin;
    const groups = new Map<number, number[]>();
    for (const [t, v] of pts) {
      const b = start(t);
      if (b + width <= from || b >= to) continue;
      let g = groups.get(b);
      if (!g) groups.set(b, (g = []));
      g.push(v);
    }
    const list = [...groups.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, vs]) => ({ t, avg: vs.reduce((a, v) => a + v, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs), last: vs.at(-1)! }));
    if (list.length) out[id] = list;
  }
  return out;
}

describe.each(backends)('store on %s', (name, adminUrl) => {
  let storage: Storage;
  let tsdb: TimescaleBackend | null = null;
  let drop: (() => Promise<void>) | null = null;
  const values = new Map<number, Map<number, number>>();
  const ids: Record<'A' | 'B' | 'C' | 'D', number> = { A: 0, B: 0, C: 0, D: 0 };
  // minute-aligned, so the gap below covers whole minutes; readings end 30 s ago
  const NOW = Math.floor(Date.now() / MIN) * MIN;
  const GAP = [NOW - 20 * HOUR, NOW - 18 * HOUR] as const;

  const open = async (url: string) => openStorage({ databaseUrl: url, dataDir: '/nonexistent', poolSize: name === 'timescaledb' ? 1 : 4 });

  const remember = (points: readonly ResolvedPoint[]) => {
    for (const p of points) {
      let m = values.get(p.seriesId);
      if (!m) values.set(p.seriesId, (m = new Map()));
      m.set(p.t, p.v);
    }
  };
  // the server's bucket cache in front of the same store: every write below reports what it wrote, as the
  // ingest service does after commit, and every check compares the cached answer with the reference too
  const fetchBuckets = (list: readonly number[], from: number, to: number, level: CachedLevel, small = false) =>
    bucketedSeries(storage.pool, list, from, to, level, { serial: small });
  const cache = new BucketCache(fetchBuckets);
  /** Runs the store's jobs as the app-run refresher does, and tells the cache (see StoreJobRunner.onRefreshed). */
  const runJobs = async (kind: 'refresh' | 'maintenance') => {
    const started = Date.now();
    const { refreshed } = await runStoreJobs(storage.pool, storage.dialect, kind);
    expect(refreshed).toBe(true);
    cache.refreshed(started);
  };
  const write = async (points: ResolvedPoint[]) => {
    const written = await insertPoints(storage.pool, points);
    cache.invalidate(written);
    remember(points.filter((p) => !values.get(p.seriesId)?.has(p.t))); // a stored reading keeps its first value
    return written;
  };
  // explicit corrections (issue 14.5): each call one revision above the last
  let revision = 0;
  const correct = async (points: ResolvedPoint[], rev = ++revision) => {
    const client = await storage.pool.connect();
    try {
      await client.query('BEGIN');
      const r = await correctPoints(
        client,
        points.map((p) => ({ ...p, revision: rev })),
        'key:0@TEST',
      );
      await client.query('COMMIT');
      cache.invalidate(r.written);
      remember(points.filter((p) => r.written.some((w) => w.seriesId === p.seriesId && w.t === p.t)));
      return r;
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    } finally {
      client.release();
    }
  };
  const answer = async (list: number[], from: number, to: number, bucket: AggregateBucket | 'raw') =>
    Object.fromEntries(await bucketedSeries(storage.pool, list, from, to, bucket));
  const cachedAnswer = async (c: BucketCache, list: number[], from: number, to: number, level: CachedLevel) =>
    Object.fromEntries(await c.read(list, from, to, level));
  const expectAllBucketsMatch = async () => {
    const list = [ids.A, ids.B];
    const ranges: [AggregateBucket | 'raw', number, number][] = [
      ['raw', NOW - 30 * MIN, NOW],
      ['1m', NOW - 24 * HOUR - 30_000, NOW + MIN],
      ['1h', NOW - 48 * HOUR, NOW + MIN],
      ['1d', NOW - 3 * DAY, NOW + MIN],
    ];
    for (const [bucket, from, to] of ranges) {
      if (process.env.STORE_DEBUG) {
        const got = await answer(list, from, to, bucket);
        const want = reference(values, list, from, to, bucket);
        for (const id of list) {
          const g = new Map((got[id] ?? []).map((x) => [x.t, JSON.stringify(x)]));
          const w = new Map((want[id] ?? []).map((x) => [x.t, JSON.stringify(x)]));
          for (const t of new Set([...g.keys(), ...w.keys()]))
            if (g.get(t) !== w.get(t)) console.log(bucket, id, new Date(t).toISOString(), 'got', g.get(t), 'want', w.get(t));
        }
      }
      const want = reference(values, list, from, to, bucket);
      expect(await answer(list, from, to, bucket), `${bucket} buckets`).toEqual(want);
      if (bucket === '1m' || bucket === '1h') {
        const got = await cachedAnswer(cache, list, from, to, bucket);
        if (process.env.STORE_DEBUG) {
          for (const id of list) {
            const g = new Map((got[id] ?? []).map((x) => [x.t, JSON.stringify(x)]));
            const w = new Map((want[id] ?? []).map((x) => [x.t, JSON.stringify(x)]));
            for (const t of new Set([...g.keys(), ...w.keys()]))
              if (g.get(t) !== w.get(t)) console.log('cached', bucket, id, new Date(t).toISOString(), 'got', g.get(t), 'want', w.get(t));
          }
        }
        expect(got, `${bucket} buckets, cached`).toEqual(want);
      }
    }
  };
  const sleepyRange = (id: number, from: number, to: number, step: number, value: (i: number) => number): ResolvedPoint[] => {
    const out: ResolvedPoint[] = [];
    for (let t = from, i = 0; t < to; t += step, i++) out.push({ seriesId: id, t, v: value(i), lon: null, lat: null });
    return out;
  };

  beforeAll(async () => {
    if (name === 'timescaledb') {
      tsdb = await startTimescaleBackend();
      storage = await open(tsdb.url);
      // what the server's job runner does at start
      expect(await applyTimescalePolicies(storage.pool, DEFAULT_STORE_POLICY)).toBe(true);
    } else {
      const db = await createTestDatabase(adminUrl);
      drop = db.drop;
      storage = await open(db.url);
    }
    await storage.pool.query(`INSERT INTO opd (code, name) VALUES ('TST', 'Test OPD')`);
    await storage.pool.query(
      `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s)
       VALUES ('tst_level', 'floods', 'TST', 'publik', 'cm', 'Tinggi uji', 'Test level', 30)`,
    );
    const series = await upsertSeries(
      storage.pool,
      ['A', 'B', 'C', 'D'].map((entity) => ({ metric: 'tst_level', entity, region: null, lon: null, lat: null })),
    );
    for (const s of series) ids[s.entity as 'A'] = s.id;
  }, 120_000);

  afterAll(async () => {
    await storage?.close();
    await tsdb?.close();
    await drop?.();
  });

  it('runs on the expected dialect', () => {
    expect(storage.dialect).toBe(name === 'timescaledb' ? 'timescaledb' : 'postgres');
  });

  it('answers raw, 1m, 1h and 1d like a JS reference, before and after the roll-ups are materialised', async () => {
    // values on a 0.25 grid: every sum is exact, so averages match the reference bit for bit
    const a = sleepyRange(ids.A, NOW - 50 * HOUR, NOW, 30_000, (i) => 100 + (i % 17) * 0.25);
    const b = sleepyRange(ids.B, NOW - 50 * HOUR, NOW, 30_000, (i) => 50 + (i % 13) * 0.5).filter((p) => p.t < GAP[0] || p.t >= GAP[1]);
    // large batches take the COPY path, small ones unnest
    for (let i = 0; i < a.length; i += 1_500) expect(await write(a.slice(i, i + 1_500))).toHaveLength(Math.min(1_500, a.length - i));
    for (let i = 0; i < b.length; i += 400) await write(b.slice(i, i + 400));
    // not yet materialised: everything comes from the real-time part
    await expectAllBucketsMatch();
    await runJobs('refresh');
    await expectAllBucketsMatch();
  });

  it('leaves gaps as missing buckets, never invented values', async () => {
    const b1m = (await answer([ids.B], GAP[0] - HOUR, GAP[1] + HOUR, '1m'))[ids.B] as RefBucket[];
    expect(b1m.filter((x) => x.t >= GAP[0] && x.t < GAP[1])).toEqual([]);
    expect(b1m.filter((x) => x.t < GAP[0])).toHaveLength(60);
    expect(b1m.filter((x) => x.t >= GAP[1])).toHaveLength(60);
    const b1h = ((await answer([ids.B], GAP[0] - HOUR, GAP[1] + HOUR, '1h'))[ids.B] as RefBucket[]).map((x) => x.t);
    const wholeHourInGap = Math.ceil(GAP[0] / HOUR) * HOUR;
    expect(b1h).not.toContain(wholeHourInGap);
    // a series with no readings in range has no buckets at all
    expect(await answer([ids.D], NOW - HOUR, NOW, '1m')).toEqual({});
  });

  it('gives the latest value and its age for every series', async () => {
    const latest = await latestPoints(storage.pool, [ids.A, ids.B, ids.D]);
    const lastA = [...values.get(ids.A)!.entries()].sort((x, y) => x[0] - y[0]).at(-1)!;
    expect(latest.get(ids.A)).toMatchObject({ t: lastA[0], v: lastA[1] });
    expect(latest.has(ids.D)).toBe(false);
    const service = createSeriesService(storage.pool, () => NOW + 5_000);
    const r = await service.range('tst_level', NOW - 10 * MIN, NOW, '1m');
    if ('error' in r) throw new Error(r.error);
    const byEntity = Object.fromEntries(r.series.map((s) => [s.entity, s.latest]));
    expect(byEntity.A).toEqual({ t: lastA[0], v: lastA[1], ageMs: NOW + 5_000 - lastA[0] });
    expect(byEntity.D).toBeNull();
  });

  it('changes nothing when the same batch is sent again (small and COPY-sized)', async () => {
    const before = Number((await storage.pool.query('SELECT count(*) AS n FROM point')).rows[0].n);
    const all = [...values.get(ids.A)!.entries()].map(([t, v]) => ({ seriesId: ids.A, t, v, lon: null, lat: null }));
    expect(all.length).toBeGreaterThan(COPY_MIN_POINTS);
    expect(await insertPoints(storage.pool, all)).toEqual([]);
    expect(await insertPoints(storage.pool, all.slice(0, 50))).toEqual([]);
    expect(Number((await storage.pool.query('SELECT count(*) AS n FROM point')).rows[0].n)).toBe(before);
    await runJobs('refresh');
    await expectAllBucketsMatch();
  });

  it('corrects the roll-ups for late and corrected points', async () => {
    // late: readings between the existing ones, 20–30 h ago; corrected: new values at existing times
    const late = sleepyRange(ids.A, NOW - 30 * HOUR + 15_000, NOW - 20 * HOUR, 10 * MIN, (i) => 500 + i * 0.25);
    const correctedTimes = [NOW - 30 * HOUR, NOW - 29 * HOUR - 30_000, NOW - 2 * HOUR];
    const corrected = correctedTimes.map((t) => ({ seriesId: ids.B, t, v: -7.5, lon: null, lat: null }));
    const stored = correctedTimes.map((t) => values.get(ids.B)!.get(t)!);
    expect(await write(late)).toHaveLength(late.length);
    // a plain resend with other values keeps the first ones (idempotent; the last arrival no longer wins)
    expect(await insertPoints(storage.pool, corrected)).toEqual([]);
    const kept = await answer([ids.B], NOW - 31 * HOUR, NOW, 'raw');
    for (const [i, t] of correctedTimes.entries()) expect((kept[ids.B] as RefBucket[]).find((b) => b.t === t)!.last).toBe(stored[i]);
    // an explicit correction (a higher revision) replaces them, and is recorded with the values it replaced
    const rev = ++revision;
    const c = await correct(corrected, rev);
    expect(c.stale).toBe(0);
    expect(c.written.map((w) => [w.t, w.v, w.was])).toEqual(correctedTimes.map((t, i) => [t, -7.5, stored[i]]));
    const log = await storage.pool.query<{ old: number; new: number; revision: number; actor: string }>(
      `SELECT old_value AS old, new_value AS new, revision, actor FROM point_correction WHERE series_id = $1 ORDER BY time`,
      [ids.B],
    );
    expect(log.rows).toEqual(stored.map((old) => ({ old, new: -7.5, revision: rev, actor: 'key:0@TEST' })));
    // the same correction again, or an older one, is a no-op (counted stale)
    expect(await correct(corrected, rev)).toEqual({ written: [], stale: 3 });
    expect(
      await correct(
        corrected.map((p) => ({ ...p, v: 12 })),
        rev - 1,
      ),
    ).toEqual({ written: [], stale: 3 });
    expect(
      await insertPoints(
        storage.pool,
        corrected.map((p) => ({ ...p, v: 99 })),
      ),
    ).toEqual([]);
    await runJobs('refresh');
    await expectAllBucketsMatch();
    // the correction reached the 1-day level too
    const days = (await answer([ids.B], NOW - 2 * DAY, NOW + MIN, '1d'))[ids.B] as RefBucket[];
    expect(days.some((d) => d.min === -7.5)).toBe(true);
  });

  it('runs the roll-up refresh on its own schedule where the database does not', async () => {
    const late = [{ seriesId: ids.A, t: NOW - 10 * HOUR + 1_000, v: 2_000, lon: null, lat: null }];
    await write(late);
    const runner = await startStoreJobs({
      pool: storage.pool,
      dialect: storage.dialect,
      policy: DEFAULT_STORE_POLICY,
      refreshMs: 1_000,
      maintenanceMs: 3_600_000,
      log: () => {},
    });
    const refreshes: number[] = [];
    runner.onRefreshed((startedAt) => {
      refreshes.push(startedAt);
      cache.refreshed(startedAt);
    });
    try {
      // neither plain PostgreSQL nor the WASM build runs a TimescaleDB scheduler: the app does
      expect(runner.mode).toBe('app');
      const from = NOW - 10 * HOUR - MIN;
      const want = reference(values, [ids.A], from, NOW - 9 * HOUR, '1m');
      await waitFor(
        'the app-run refresh',
        async () => JSON.stringify(await answer([ids.A], from, NOW - 9 * HOUR, '1m')) === JSON.stringify(want),
        30_000,
      );
      // the runner told its listeners; the late reading's chunk is no longer pending, so the cache keeps it again
      await waitFor('a reported refresh', async () => refreshes.length > 0, 10_000);
      expect(cache.stats().pending).toBe(0);
      expect(await cachedAnswer(cache, [ids.A], from, NOW - 9 * HOUR, '1m')).toEqual(want);
    } finally {
      await runner.stop();
    }
    await expectAllBucketsMatch();
  });

  if (name !== 'timescaledb') {
    it('loses no reading written while a refresh moves the watermark (writer commits during the refresh)', async () => {
      const writer = await storage.pool.connect();
      try {
        await writer.query('BEGIN');
        // one reading just behind "now − 1 min" (what the refresh will materialise up to), one well behind it
        const t1 = Math.floor((Date.now() - 90_000) / 1_000) * 1_000 + 500;
        const pending = [
          { seriesId: ids.B, t: t1, v: 4_242, lon: null, lat: null },
          { seriesId: ids.B, t: NOW - 5 * HOUR + 500, v: 4_343, lon: null, lat: null },
        ];
        expect(await insertPoints(writer, pending)).toHaveLength(2);
        // the refresh must wait for this writer (it holds the writers' lock until commit)
        let refreshed = false;
        const refresh = runStoreJobs(storage.pool, storage.dialect, 'refresh').then(() => (refreshed = true));
        await new Promise((r) => setTimeout(r, 200));
        expect(refreshed).toBe(false);
        await writer.query('COMMIT');
        cache.invalidate(pending);
        remember(pending);
        await refresh;
      } finally {
        writer.release();
      }
      await expectAllBucketsMatch();
    });
  }

  it('writes large batches through COPY, inside a caller transaction or its own', async () => {
    const t0 = NOW - 3 * HOUR;
    const batch = Array.from({ length: 2_000 }, (_, i) => ({ seriesId: ids.D, t: t0 + i * 5_000, v: i * 0.5, lon: 110.5, lat: -6.75 }));
    // in a transaction that rolls back: nothing stays
    const client = await storage.pool.connect();
    try {
      await client.query('BEGIN');
      expect(await insertPoints(client, batch)).toHaveLength(2_000);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await latestPoints(storage.pool, [ids.D])).toEqual(new Map());
    expect(await write(batch)).toHaveLength(2_000);
    expect(await insertPoints(storage.pool, batch)).toEqual([]);
    // a COPY-sized resend with one value changed: the first value stays (only a revision corrects)
    const changed = batch.map((p, i) => (i === 1_234 ? { ...p, v: 9_999 } : p));
    expect(await write(changed)).toEqual([]);
    expect((await correct([changed[1_234]!])).written).toEqual([{ ...batch[1_234]!, v: 9_999, was: batch[1_234]!.v, revision: revision }]);
    const { rows } = await storage.pool.query(
      `SELECT count(*)::int AS n, sum(value) AS s, min(lon) AS lon, max(lat) AS lat FROM point WHERE series_id = $1`,
      [ids.D],
    );
    expect(rows[0]).toEqual({ n: 2_000, s: batch.reduce((a, p) => a + p.v, 0) - batch[1_234]!.v + 9_999, lon: 110.5, lat: -6.75 });
    // written behind the watermark: like a TimescaleDB aggregate, rolled up at the next refresh
    await runJobs('refresh');
    const from = t0 - MIN;
    expect(await answer([ids.D], from, NOW, '1m')).toEqual(reference(values, [ids.D], from, NOW, '1m'));
  });

  it('drops raw points past retention and keeps their roll-ups', async () => {
    const t0 = Math.floor((NOW - 35 * DAY) / HOUR) * HOUR;
    const old = sleepyRange(ids.C, t0, t0 + 3 * HOUR, MIN, (i) => 10 + (i % 7) * 0.25);
    await write(old);
    // a backfill older than the refresh window is rolled up on request
    await refreshRollupsRange(storage.pool, storage.dialect, t0, t0 + 3 * HOUR);
    const hourly = await answer([ids.C], t0, t0 + 3 * HOUR, '1h');
    const minutely = await answer([ids.C], t0, t0 + 3 * HOUR, '1m');
    expect(hourly).toEqual(reference(values, [ids.C], t0, t0 + 3 * HOUR, '1h'));
    expect(minutely).toEqual(reference(values, [ids.C], t0, t0 + 3 * HOUR, '1m'));

    await runJobs('maintenance');
    const raw = await storage.pool.query(`SELECT count(*)::int AS n FROM point WHERE series_id = $1`, [ids.C]);
    expect(raw.rows[0].n).toBe(0);
    expect(await answer([ids.C], t0, t0 + 3 * HOUR, 'raw')).toEqual({});
    expect(await answer([ids.C], t0, t0 + 3 * HOUR, '1h')).toEqual(hourly);
    expect(await answer([ids.C], t0, t0 + 3 * HOUR, '1m')).toEqual(minutely);
    // recent data is untouched
    for (const p of old) values.get(ids.C)!.delete(p.t);
    await expectAllBucketsMatch();
  });

  describe('bucket cache (db/bucket-cache.ts)', () => {
    const from = NOW - 24 * HOUR;
    const to = NOW + MIN;

    it('serves settled chunks from memory on the next read, with the same answer as the store', async () => {
      const c = new BucketCache(fetchBuckets);
      const want = reference(values, [ids.A, ids.B], from, to, '1m');
      expect(await cachedAnswer(c, [ids.A, ids.B], from, to, '1m')).toEqual(want);
      const first = c.stats();
      expect(first.misses).toBeGreaterThan(200); // 24 h of 10-minute chunks for two series
      expect(first.hits).toBe(0);
      expect(await cachedAnswer(c, [ids.A, ids.B], from, to, '1m')).toEqual(want);
      const second = c.stats();
      expect(second.misses).toBe(first.misses); // nothing settled was read again
      expect(second.hits).toBe(first.misses);
      // the 1-hour level, and a window that starts and ends inside chunks
      const odd = [NOW - 29 * HOUR - 17 * MIN, NOW - 7 * HOUR + 3 * MIN] as const;
      expect(await cachedAnswer(c, [ids.A, ids.B], odd[0], odd[1], '1h')).toEqual(reference(values, [ids.A, ids.B], odd[0], odd[1], '1h'));
      expect(await cachedAnswer(c, [ids.A, ids.B], odd[0], odd[1], '1m')).toEqual(reference(values, [ids.A, ids.B], odd[0], odd[1], '1m'));
    });

    it('does not keep what a read saw when a write landed while it was under way', async () => {
      let hold: Promise<void> | null = null;
      let fetched = 0;
      const c = new BucketCache(async (list, f, t, level, small) => {
        const r = await fetchBuckets(list, f, t, level, small);
        fetched++;
        if (hold) await hold;
        return r;
      });
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      const reading = c.read([ids.A], from, to, '1m');
      // both of its queries (the missing chunks and the unsettled tail) have their rows
      await waitFor('the read to have queried the store', async () => fetched === 2, 10_000);
      // a correction of a settled reading, committed, reported and rolled up while the read still holds old rows
      const t = [...values.get(ids.A)!.keys()].find((x) => x >= NOW - 6 * HOUR)!;
      const fix = [{ seriesId: ids.A, t, v: -1_234.5, lon: null, lat: null }];
      expect((await correct(fix)).written).toHaveLength(1);
      c.invalidate(fix);
      expect(c.stats().pending).toBe(2); // its 10-minute and 6-hour chunks
      await new Promise((r) => setTimeout(r, 5)); // a refresh that starts in the same millisecond proves nothing
      const started = Date.now();
      await runJobs('refresh');
      c.refreshed(started);
      expect(c.stats().pending).toBe(0);
      release();
      await reading;
      hold = null;
      const after = await cachedAnswer(c, [ids.A], from, to, '1m');
      expect(after).toEqual(reference(values, [ids.A], from, to, '1m'));
      expect((after[ids.A] as RefBucket[]).some((b) => b.min === -1_234.5)).toBe(true);
    });

    it("keeps a late reading's chunks out until the roll-ups show it, also when no refresh is reported", async () => {
      // like the database's own scheduler: this cache never hears of the refresh
      const c = new BucketCache(fetchBuckets);
      const range = [NOW - 12 * HOUR, NOW - 11 * HOUR] as const;
      const t = [...values.get(ids.B)!.keys()].find((x) => x >= range[0] && x < range[1])!;
      const late = [{ seriesId: ids.B, t: t + 5_000, v: 999.5, lon: null, lat: null }];
      expect(await write(late)).toHaveLength(1);
      c.invalidate(late);
      // behind the watermark: not in the answers until the roll-ups are refreshed, so nothing of it is kept
      await cachedAnswer(c, [ids.B], range[0], range[1], '1m');
      const missesBefore = c.stats().misses;
      await cachedAnswer(c, [ids.B], range[0], range[1], '1m');
      expect(c.stats().misses - missesBefore).toBe(1); // the written chunk again, the others from memory
      await runJobs('refresh');
      const want = reference(values, [ids.B], range[0], range[1], '1m');
      expect(await cachedAnswer(c, [ids.B], range[0], range[1], '1m')).toEqual(want);
      expect((want[ids.B] as RefBucket[]).some((b) => b.max === 999.5)).toBe(true);
    });

    it('re-reads a chunk after its time to live (writes it was not told about)', async () => {
      let offset = 0;
      const c = new BucketCache(fetchBuckets, { clock: () => Date.now() + offset });
      const range = [NOW - 8 * HOUR, NOW - 7 * HOUR] as const;
      await cachedAnswer(c, [ids.B], range[0], range[1], '1m');
      // another process corrects a reading: this cache is not told
      const t = [...values.get(ids.B)!.keys()].find((x) => x >= range[0] && x < range[1])!;
      await correct([{ seriesId: ids.B, t, v: 77.25, lon: null, lat: null }]); // tells the suite's cache, not this one
      await runJobs('refresh');
      const want = reference(values, [ids.B], range[0], range[1], '1m');
      expect(await cachedAnswer(c, [ids.B], range[0], range[1], '1m')).not.toEqual(want);
      offset = DEFAULT_BUCKET_CACHE.ttlMs + 1_000;
      expect(await cachedAnswer(c, [ids.B], range[0], range[1], '1m')).toEqual(want);
    });

    it('holds at most its bound, least recently read first, and still answers right', async () => {
      const c = new BucketCache(fetchBuckets, { maxBuckets: 500 });
      const want = reference(values, [ids.A, ids.B], from, to, '1m');
      for (let i = 0; i < 2; i++) {
        expect(await cachedAnswer(c, [ids.A, ids.B], from, to, '1m')).toEqual(want);
        const st = c.stats();
        expect(st.buckets + st.chunks).toBeLessThanOrEqual(500);
        expect(st.evictions).toBeGreaterThan(0);
      }
      // the newest chunks survived the eviction: a read of the last hour is served from memory
      let before = c.stats().misses;
      const lastSettled = Math.floor((Date.now() - DEFAULT_BUCKET_CACHE.settleMs) / (10 * MIN)) * 10 * MIN;
      await c.read([ids.A, ids.B], lastSettled - HOUR, lastSettled, '1m');
      expect(c.stats().misses).toBe(before);
      // least recently read goes first, not oldest data: a window from 30 h ago, read last, outlives the
      // newer chunks that were read before it
      const old = [NOW - 30 * HOUR, NOW - 28 * HOUR] as const;
      expect(await cachedAnswer(c, [ids.A, ids.B], old[0], old[1], '1m')).toEqual(reference(values, [ids.A, ids.B], old[0], old[1], '1m'));
      expect(c.stats().evictions).toBeGreaterThan(0);
      before = c.stats().misses;
      await c.read([ids.A, ids.B], old[0], old[1], '1m');
      expect(c.stats().misses).toBe(before);
    });
  });

  if (name === 'timescaledb') {
    it('answers the same after compression and after a re-open of the database', async () => {
      const { rows } = await storage.pool.query(
        `SELECT count(*)::int AS n FROM (SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('point') c) x`,
      );
      expect(rows[0].n).toBeGreaterThan(0);
      const compressed = await storage.pool.query(
        `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'point' AND is_compressed`,
      );
      expect(compressed.rows[0].n).toBeGreaterThan(0);
      await expectAllBucketsMatch();

      await storage.close();
      storage = await open(await tsdb!.reopen());
      expect(storage.dialect).toBe('timescaledb');
      await expectAllBucketsMatch();

      // late data into a compressed chunk, then the same again
      const late = [{ seriesId: ids.A, t: NOW - 40 * HOUR + 5_000, v: 1_000, lon: null, lat: null }];
      expect(await write(late)).toEqual(late);
      expect(await insertPoints(storage.pool, late)).toEqual([]);
      // a correction of a reading in a compressed chunk
      const settled = [...values.get(ids.B)!.keys()].find((t) => t < NOW - 36 * HOUR)!;
      expect((await correct([{ seriesId: ids.B, t: settled, v: -99.5, lon: null, lat: null }])).written).toHaveLength(1);
      await runJobs('refresh');
      await expectAllBucketsMatch();
    });
  }
});
