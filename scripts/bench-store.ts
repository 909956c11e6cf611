/**
 * `npm run bench:store`: the time-series store on the machine's PostgreSQL and on the embedded one, in one run.
 * 1. Ingest through the storage layer's bulk path (insertPoints → binary COPY), as points/s and as a ratio to a
 *    raw COPY of the same rows into the same (empty) table, text and binary, measured in the same run.
 * 2. Dashboard snapshot p95 (buckets of 200 series + their latest values): 24 h at 1 minute, 30 days at 1 hour,
 *    with SERIES series present: raw readings at 1/10 s for the last RAW_HOURS (generated server-side, rolled up
 *    by the app's refresher), 1-hour roll-ups for the rest of the 30 days generated directly. The default (24 h)
 *    is scaled down and says so; BENCH_RAW_HOURS=720 is the full 30 days (~260 M rows, ~20 GB per backend).
 *    Measured twice: straight from the store (every bucket read from PostgreSQL: what a cold server pays), and
 *    through the server's bucket cache (db/bucket-cache.ts) while a writer ingests 100 readings/s (1,000 series at
 *    1/10 s, each batch reported to the cache as the ingest service does) and the app's refresher runs every 10 s
 *    and reports to it: what a wall, tablet or reconnecting client asking again pays.
 * 3. Growth: ingest rate from 100 to 10,000 series, query latency from 1 to 30 days; bytes per point on disk.
 *
 * 4. Bytes per point with compression: TimescaleDB through the WASM PGlite build (the only TimescaleDB on this
 *    machine; sizes are PostgreSQL's own page accounting, so they carry over, timings do not).
 *
 *   BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres; "none" skips it)
 *   BENCH_EMBEDDED (1; 0 skips the embedded PostgreSQL)  BENCH_COMPRESS_SERIES (100; 0 skips the TimescaleDB part)
 *   BENCH_INGEST_POINTS (1000000)  BENCH_SERIES (1000)  BENCH_RAW_HOURS (24)  BENCH_QUERY_RUNS (40)
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SingleBar } from 'cli-progress';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { startEmbedded, type EmbeddedHandle } from '../db/embedded';
import { encodePointsCopy } from '../db/copy-binary';
import { bucketedSeries, insertPoints, latestPoints, upsertSeries, type ResolvedPoint } from '../db/queries/points';
import { openStorage, type Storage } from '../db/storage';
import { DEFAULT_STORE_POLICY, refreshPostgres, startStoreJobs } from '../db/store-jobs';
import { BucketCache } from '../db/bucket-cache';
import { startTimescaleBackend } from '../tests/support/timescale';

const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const INGEST_POINTS = Number(process.env.BENCH_INGEST_POINTS ?? 1_000_000);
const SERIES = Number(process.env.BENCH_SERIES ?? 1_000);
const RAW_HOURS = Number(process.env.BENCH_RAW_HOURS ?? 24);
const RUNS = Number(process.env.BENCH_QUERY_RUNS ?? 40);
const BATCH = 10_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const bar = (label: string, total: number) => {
  const b = new SingleBar({ format: `  ${label.padEnd(28)} [{bar}] {percentage}% {value}/{total}`, hideCursor: true, stream: process.stderr });
  b.start(total, 0);
  return b;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function freshDatabase(adminUrl: string, name: string): Promise<Storage> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const s = await openStorage({ databaseUrl: url.toString(), dataDir: '/nonexistent', poolSize: 4 });
  await s.pool.query(`INSERT INTO opd (code, name) VALUES ('BENCH', 'Bench')`);
  await s.pool.query(
    `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s)
     VALUES ('bench_level', 'floods', 'BENCH', 'publik', 'cm', 'Bench', 'Bench', 10)`,
  );
  return s;
}

async function dropDatabase(adminUrl: string, name: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

async function makeSeries(s: Storage, n: number, prefix: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i += 5_000) {
    const keys = Array.from({ length: Math.min(5_000, n - i) }, (_, k) => ({
      metric: 'bench_level',
      entity: `${prefix}-${i + k}`,
      region: null,
      lon: null,
      lat: null,
    }));
    ids.push(...(await upsertSeries(s.pool, keys)).map((r) => r.id));
  }
  return ids.sort((a, b) => a - b);
}

/** Batches of readings, series-major within a time step like a live feed: 1 reading / 10 s per series. */
function batches(ids: number[], total: number, t0: number): ResolvedPoint[][] {
  const out: ResolvedPoint[][] = [];
  let batch: ResolvedPoint[] = [];
  for (let k = 0; k < total; k++) {
    batch.push({ seriesId: ids[k % ids.length]!, t: t0 + Math.floor(k / ids.length) * 10_000, v: ((k * 7919) % 10_000) / 8, lon: null, lat: null });
    if (batch.length === BATCH) {
      out.push(batch);
      batch = [];
    }
  }
  if (batch.length) out.push(batch);
  return out;
}

async function resetPoints(s: Storage) {
  await s.pool.query('TRUNCATE point, point_1m_mat, point_1h_mat, point_dirty');
  await s.pool.query(`UPDATE rollup_state SET sweep_from = '-infinity', mat_1m = '-infinity', mat_1h = '-infinity'`);
  await s.pool.query('CHECKPOINT').catch(() => {});
}

async function rawCopy(s: Storage, payloads: (Buffer | string)[], binary: boolean): Promise<number> {
  const client = await s.pool.connect();
  try {
    const started = performance.now();
    for (const p of payloads) {
      const stream = client.query(copyFrom(`COPY point (series_id, time, value, lon, lat) FROM STDIN${binary ? ' (FORMAT binary)' : ''}`));
      await pipeline(Readable.from([p]), stream);
    }
    return (performance.now() - started) / 1000;
  } finally {
    client.release();
  }
}

function textPayload(batch: ResolvedPoint[]): string {
  let out = '';
  for (const p of batch) out += `${p.seriesId}\t${new Date(p.t).toISOString()}\t${p.v}\t\\N\t\\N\n`;
  return out;
}

interface IngestFigures {
  storage: number;
  rawBinary: number;
  rawText: number;
  unnest: number;
}

async function ingestPhase(s: Storage, ids: number[], points: number): Promise<IngestFigures> {
  const t0 = Date.now() - 400 * DAY; // far behind any watermark of a fresh database
  const data = batches(ids, points, t0);
  const binary = data.map(encodePointsCopy);
  const text = data.map(textPayload);
  await resetPoints(s);
  const rawBinary = points / (await rawCopy(s, binary, true));
  await resetPoints(s);
  const rawText = points / (await rawCopy(s, text, false));
  await resetPoints(s);
  const b = bar('storage layer (COPY path)', points);
  let started = performance.now();
  for (const batch of data) {
    await insertPoints(s.pool, batch);
    b.increment(batch.length);
  }
  const storage = points / ((performance.now() - started) / 1000);
  b.stop();
  // the small-batch path, for reference: the same rows again in batches below the COPY threshold
  await resetPoints(s);
  const sample = data.slice(0, Math.max(1, Math.floor(data.length / 5))).flat();
  started = performance.now();
  for (let i = 0; i < sample.length; i += 500) await insertPoints(s.pool, sample.slice(i, i + 500));
  const unnest = sample.length / ((performance.now() - started) / 1000);
  await resetPoints(s);
  return { storage, rawBinary, rawText, unnest };
}

/** Raw readings for the last RAW_HOURS at 1/10 s, generated server-side an hour at a time, then rolled up. */
async function dashboardData(
  s: Storage,
  ids: number[],
  now: number,
): Promise<{ rawRows: number; seconds: number; firstDayRate: number; lastDayRate: number; refreshSeconds: number }> {
  const started = performance.now();
  const from = Math.floor((now - RAW_HOURS * HOUR) / HOUR) * HOUR;
  const hours = Math.ceil((now - from) / HOUR);
  const b = bar(`raw ${RAW_HOURS} h × ${ids.length} series`, hours);
  // rows/s of each hour's insert: how ingest cost grows with the data already stored
  const rates: number[] = [];
  for (let h = 0; h < hours; h++) {
    const lo = from + h * HOUR;
    const hi = Math.min(now, lo + HOUR);
    const t = performance.now();
    const inserted = await s.pool.query(
      `INSERT INTO point (series_id, time, value)
       SELECT s, t, 100 + 50 * sin(extract(epoch FROM t) / 3600 + s) FROM unnest($1::int[]) s,
              generate_series(to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0) - interval '1 microsecond', interval '10 seconds') t`,
      [ids, lo, hi],
    );
    rates.push((inserted.rowCount ?? 0) / ((performance.now() - t) / 1000));
    b.increment();
  }
  b.stop();
  process.stderr.write('  rolling up (app refresher)…\n');
  const refreshStarted = performance.now();
  await refreshPostgres(s.pool);
  const refreshSeconds = (performance.now() - refreshStarted) / 1000;
  // 1-hour roll-ups for the rest of the 30 days before the raw stretch, as the refresher would have left them
  process.stderr.write('  1-hour roll-ups for the rest of 30 days…\n');
  await s.pool.query(
    `INSERT INTO point_1h_mat (series_id, bucket, value_sum, value_count, value_min, value_max, value_last, last_time)
     SELECT s, b, 360 * 100, 360, 50, 150, 100, b + interval '59 minutes 50 seconds'
       FROM unnest($1::int[]) s, generate_series(to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0) - interval '1 hour', interval '1 hour') b
     ON CONFLICT DO NOTHING`,
    [ids, Math.floor((now - 30 * DAY) / HOUR) * HOUR, from],
  );
  await s.pool.query('VACUUM ANALYZE point, point_1m_mat, point_1h_mat');
  const rawRows = Number((await s.pool.query('SELECT count(*) AS n FROM point')).rows[0].n);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    rawRows,
    seconds: (performance.now() - started) / 1000,
    firstDayRate: mean(rates.slice(0, 24)),
    lastDayRate: mean(rates.slice(-24)),
    refreshSeconds,
  };
}

async function timeQuery(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await fn(); // warm
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return { p50: pct(xs, 50), p95: pct(xs, 95) };
}

const snapshot = (s: Storage, ids: number[], from: number, to: number, bucket: '1m' | '1h') => async () => {
  await Promise.all([bucketedSeries(s.pool, ids, from, to, bucket), latestPoints(s.pool, ids)]);
};

interface CachedFigures {
  first1m: number;
  first1h: number;
  snap1m: { p50: number; p95: number };
  snap1h: { p50: number; p95: number };
  buckets: number;
  bytesPerBucket: number | null;
  written: number;
  refreshes: number;
}

/** Snapshots through the bucket cache with live ingest and the app's refresher running (see the header). */
async function cachedSnapshots(s: Storage, all: number[], two: number[], now: number): Promise<CachedFigures> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const cache = new BucketCache((list, from, to, level, small) => bucketedSeries(s.pool, list, from, to, level, { serial: small }));
  const jobs = await startStoreJobs({
    pool: s.pool,
    dialect: s.dialect,
    policy: DEFAULT_STORE_POLICY,
    refreshMs: 10_000,
    maintenanceMs: 1e12,
    log: (level, msg, err) => console.error(level, msg, err),
  });
  let refreshes = 0;
  jobs.onRefreshed((startedAt) => {
    refreshes++;
    cache.refreshed(startedAt);
  });
  let written = 0;
  let next = 0;
  let writing: Promise<void> = Promise.resolve();
  const writer = setInterval(() => {
    writing = writing.then(async () => {
      const t = Date.now();
      const batch = Array.from({ length: 100 }, (_, i) => ({ seriesId: all[(next + i) % all.length]!, t, v: 100 + (i % 7), lon: null, lat: null }));
      next += 100;
      const w = await insertPoints(s.pool, batch);
      cache.invalidate(w);
      written += w.length;
    });
  }, 1_000);
  try {
    const read = (from: number, to: number, level: '1m' | '1h') => async () => {
      await Promise.all([cache.read(two, from, to, level), latestPoints(s.pool, two)]);
    };
    const once = async (fn: () => Promise<void>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const first1m = await once(read(now - DAY, now, '1m'));
    const first1h = await once(read(now - 30 * DAY, now, '1h'));
    gc?.();
    const buckets = cache.stats().buckets;
    const bytesPerBucket = gc ? (process.memoryUsage().heapUsed - heapBefore) / buckets : null;
    // the window moves with the clock, like a wall asking again; 250 ms apart, so the writer and the
    // refresher (every 10 s) act between the reads
    const paced = (fn: () => Promise<void>) => async () => {
      await new Promise((r) => setTimeout(r, 250));
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const timePaced = async (fn: () => Promise<number>) => {
      const xs: number[] = [];
      for (let i = 0; i < RUNS; i++) xs.push(await fn());
      return { p50: pct(xs, 50), p95: pct(xs, 95) };
    };
    const snap1m = await timePaced(paced(() => read(Date.now() - DAY, Date.now(), '1m')()));
    const snap1h = await timePaced(paced(() => read(Date.now() - 30 * DAY, Date.now(), '1h')()));
    return { first1m, first1h, snap1m, snap1h, buckets, bytesPerBucket, written, refreshes };
  } finally {
    clearInterval(writer);
    await writing;
    await jobs.stop();
  }
}

/**
 * Index choice for time-range scans over all series (the refresher's sweep, retention): the BRIN index of 001
 * against a btree on time and against no time index, on the dashboard dataset.
 */
async function indexChoice(s: Storage, now: number, rawRows: number): Promise<string> {
  // without an index a sweep reads the whole table: a few runs are enough to show it on a full dataset
  const runs = rawRows > 50_000_000 ? 3 : 10;
  const window = async () => {
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const lo = now - (2 + i) * HOUR; // a 10-minute stretch, like one refresh sweep
      const t = performance.now();
      await s.pool.query(`SELECT count(*), sum(value) FROM point WHERE time >= to_timestamp($1 / 1000.0) AND time < to_timestamp($2 / 1000.0)`, [
        lo,
        lo + 10 * 60_000,
      ]);
      xs.push(performance.now() - t);
    }
    return pct(xs, 50);
  };
  const size = async (name: string) => Number((await s.pool.query(`SELECT pg_relation_size($1::regclass) AS n`, [name])).rows[0].n);
  const brin = await window();
  const brinBytes = await size('point_time_brin');
  await s.pool.query('DROP INDEX point_time_brin');
  const none = await window();
  await s.pool.query('CREATE INDEX point_time_btree ON point (time)');
  const btree = await window();
  const btreeBytes = await size('point_time_btree');
  await s.pool.query('DROP INDEX point_time_btree');
  await s.pool.query('CREATE INDEX point_time_brin ON point USING brin (time)');
  return (
    `index for a 10-minute sweep over all series (median of ${runs}): BRIN ${brin.toFixed(1)} ms (${fmt(brinBytes / 1024)} KiB), ` +
    `btree ${btree.toFixed(1)} ms (${fmt(btreeBytes / 2 ** 20)} MiB), none ${none.toFixed(1)} ms`
  );
}

interface BackendReport {
  name: string;
  ingest: IngestFigures;
  snap1m: { p50: number; p95: number };
  snap1h: { p50: number; p95: number };
  cached: CachedFigures;
  rawRows: number;
  dataSeconds: number;
  bytesPerPoint: number;
  bytesPerPointHeap: number;
  growthIngest: { series: number; rate: number }[];
  growthQuery: { days: number; p50: number; p95: number }[];
  indexes: string;
}

async function runBackend(name: string, adminUrl: string): Promise<BackendReport> {
  const db = `sinergi_bench_store_${process.pid}`;
  console.log(`\n== ${name}`);
  const s = await freshDatabase(adminUrl, db);
  try {
    const ids = await makeSeries(s, SERIES, 'S');
    const ingest = await ingestPhase(s, ids, INGEST_POINTS);
    console.log(
      `ingest ${fmt(INGEST_POINTS)} points over ${SERIES} series, batches of ${BATCH}: storage layer ${fmt(ingest.storage)} points/s; ` +
        `raw COPY binary ${fmt(ingest.rawBinary)}, text ${fmt(ingest.rawText)} → ratio ${(ingest.storage / Math.max(ingest.rawBinary, ingest.rawText)).toFixed(2)} of the faster; ` +
        `small batches (unnest, 500) ${fmt(ingest.unnest)} points/s`,
    );

    const growthIngest: { series: number; rate: number }[] = [];
    for (const n of [100, 1_000, 10_000]) {
      const gids = n <= ids.length ? ids.slice(0, n) : [...ids, ...(await makeSeries(s, n - ids.length, `G${n}`))];
      const data = batches(gids, 200_000, Date.now() - 300 * DAY);
      await resetPoints(s);
      const t = performance.now();
      for (const batch of data) await insertPoints(s.pool, batch);
      growthIngest.push({ series: n, rate: 200_000 / ((performance.now() - t) / 1000) });
    }
    await resetPoints(s);
    console.log(`growth, ingest of 200k points: ${growthIngest.map((g) => `${fmt(g.series)} series ${fmt(g.rate)}/s`).join(', ')}`);

    const now = Date.now();
    const data = await dashboardData(s, ids, now);
    const { rawRows, seconds } = data;
    const full = RAW_HOURS >= 30 * 24;
    console.log(
      `dataset${full ? '' : ' (scaled down)'}: ${fmt(rawRows)} raw readings = last ${RAW_HOURS} h at 1/10 s for ${SERIES} series, ` +
        `rolled up by the app's refresher in ${data.refreshSeconds.toFixed(0)} s` +
        (full ? '' : `; 1-hour roll-ups for the rest of 30 days generated directly`) +
        `; built in ${seconds.toFixed(0)} s\n` +
        `growth, server-side insert of an hour (${fmt(SERIES * 360)} rows) with data present: first day ${fmt(data.firstDayRate)} rows/s, ` +
        `last day ${fmt(data.lastDayRate)} rows/s`,
    );
    const two = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 200)) === 0).slice(0, 200);
    const snap1m = await timeQuery(snapshot(s, two, now - DAY, now, '1m'));
    const snap1h = await timeQuery(snapshot(s, two, now - 30 * DAY, now, '1h'));
    console.log(`snapshot 200 series, 24 h at 1 min: p50 ${snap1m.p50.toFixed(1)} ms, p95 ${snap1m.p95.toFixed(1)} ms`);
    console.log(`snapshot 200 series, 30 d at 1 h:   p50 ${snap1h.p50.toFixed(1)} ms, p95 ${snap1h.p95.toFixed(1)} ms`);
    const cached = await cachedSnapshots(s, ids, two, now);
    console.log(
      `through the bucket cache, with ${fmt(cached.written)} readings written meanwhile and ${cached.refreshes} refreshes reported:\n` +
        `  24 h at 1 min: first read ${cached.first1m.toFixed(1)} ms, then p50 ${cached.snap1m.p50.toFixed(1)} ms, p95 ${cached.snap1m.p95.toFixed(1)} ms\n` +
        `  30 d at 1 h:   first read ${cached.first1h.toFixed(1)} ms, then p50 ${cached.snap1h.p50.toFixed(1)} ms, p95 ${cached.snap1h.p95.toFixed(1)} ms\n` +
        `  cache: ${fmt(cached.buckets)} buckets held` +
        (cached.bytesPerBucket === null
          ? ' (run node with --expose-gc for bytes per bucket)'
          : `, ${cached.bytesPerBucket.toFixed(0)} bytes of heap each`),
    );
    const growthQuery: { days: number; p50: number; p95: number }[] = [];
    for (const days of [1, 7, 30]) growthQuery.push({ days, ...(await timeQuery(snapshot(s, two, now - days * DAY, now, '1h'))) });
    console.log(`growth, 200 series at 1 h: ${growthQuery.map((g) => `${g.days} d p95 ${g.p95.toFixed(1)} ms`).join(', ')}`);
    const size = (
      await s.pool.query<{ total: number; heap: number }>(`SELECT pg_total_relation_size('point') AS total, pg_relation_size('point') AS heap`)
    ).rows[0]!;
    const bytesPerPoint = size.total / rawRows;
    const bytesPerPointHeap = size.heap / rawRows;
    console.log(
      `bytes per raw point on disk: ${bytesPerPoint.toFixed(1)} with indexes (${bytesPerPointHeap.toFixed(1)} table only; no compression on plain PostgreSQL)`,
    );
    const indexes = await indexChoice(s, now, rawRows);
    console.log(indexes);
    return {
      name,
      ingest,
      snap1m,
      snap1h,
      cached,
      rawRows,
      dataSeconds: seconds,
      bytesPerPoint,
      bytesPerPointHeap,
      growthIngest,
      growthQuery,
      indexes,
    };
  } finally {
    await s.close();
    await dropDatabase(adminUrl, db);
  }
}

console.log(`Sinergi store benchmark — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
const reports: BackendReport[] = [];
if (PG_URL !== 'none') reports.push(await runBackend(`machine PostgreSQL (${new URL(PG_URL).host})`, PG_URL));
if (process.env.BENCH_EMBEDDED !== '0') {
  const dir = await mkdtemp(join(tmpdir(), 'sinergi-bench-store-'));
  await chmod(dir, 0o755);
  let embedded: EmbeddedHandle | null = null;
  try {
    embedded = await startEmbedded({ dir: join(dir, 'pg') });
    reports.push(await runBackend('embedded PostgreSQL', embedded.url));
  } finally {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

// 4. Compression on TimescaleDB (WASM build): COMPRESS_SERIES series × 1 day at 1/10 s, generated server-side.
const COMPRESS_SERIES = Number(process.env.BENCH_COMPRESS_SERIES ?? 100);
let compression = '';
if (COMPRESS_SERIES > 0) {
  console.log(`\n== TimescaleDB 2.23-dev (WASM PGlite build, in process): compression`);
  const tsdb = await startTimescaleBackend();
  const s = await openStorage({ databaseUrl: tsdb.url, dataDir: '/nonexistent', poolSize: 1 });
  try {
    await s.pool.query(`INSERT INTO opd (code, name) VALUES ('BENCH', 'Bench')`);
    await s.pool.query(
      `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s)
       VALUES ('bench_level', 'floods', 'BENCH', 'publik', 'cm', 'Bench', 'Bench', 10)`,
    );
    const ids = await makeSeries(s, COMPRESS_SERIES, 'T');
    const day0 = Math.floor((Date.now() - 10 * DAY) / DAY) * DAY; // one whole chunk, old enough to compress
    const b = bar(`${COMPRESS_SERIES} series × 24 h`, 24);
    for (let h = 0; h < 24; h++) {
      await s.pool.query(
        `INSERT INTO point (series_id, time, value)
         SELECT s, t, round((100 + 50 * sin(extract(epoch FROM t) / 3600 + s))::numeric, 1)::float8 FROM unnest($1::int[]) s,
                generate_series(to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0) - interval '1 microsecond', interval '10 seconds') t`,
        [ids, day0 + h * HOUR, day0 + (h + 1) * HOUR],
      );
      b.increment();
    }
    b.stop();
    const n = Number((await s.pool.query('SELECT count(*) AS n FROM point')).rows[0].n);
    const before = Number((await s.pool.query(`SELECT hypertable_size('point') AS n`)).rows[0].n);
    await s.pool.query(`SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('point') c`);
    const after = Number((await s.pool.query(`SELECT hypertable_size('point') AS n`)).rows[0].n);
    compression =
      `TimescaleDB (WASM build): ${fmt(n)} readings (values with one decimal, like a gauge), ` +
      `${(before / n).toFixed(1)} bytes/point uncompressed, ${(after / n).toFixed(1)} compressed (×${(before / after).toFixed(1)})`;
    console.log(compression);
  } finally {
    await s.close();
    await tsdb.close();
  }
}

console.log(
  '\n| backend | ingest (storage layer) | raw COPY (binary / text) | ratio | 24 h @ 1 min p95, store / cache | 30 d @ 1 h p95, store / cache | bytes/point |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of reports) {
  console.log(
    `| ${r.name} | ${fmt(r.ingest.storage)}/s | ${fmt(r.ingest.rawBinary)} / ${fmt(r.ingest.rawText)} /s | ${(r.ingest.storage / Math.max(r.ingest.rawBinary, r.ingest.rawText)).toFixed(2)} | ` +
      `${r.snap1m.p95.toFixed(1)} / ${r.cached.snap1m.p95.toFixed(1)} ms | ${r.snap1h.p95.toFixed(1)} / ${r.cached.snap1h.p95.toFixed(1)} ms | ${r.bytesPerPoint.toFixed(1)} |`,
  );
}
if (compression) console.log(`\n${compression}`);
