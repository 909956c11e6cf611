/**
 * `npm run bench:briefing [-- --days 30 --complaints-per-day 1000 --runs 3]`: how long the weekly briefing
 * (server/briefing/service.ts: figures, PDF, page, archive, audit, outbox) takes on a city's 30 days of data,
 * on the embedded PostgreSQL (or the server at DATABASE_URL). A fresh database with the demo catalog and city
 * gets, over the last `days` days: complaints (all categories, all kelurahan; three quarters closed, a tenth
 * of those rejected), 50 incidents a day, 100 alerts a day over 50 water-level series, 40 feeds with five
 * lateness intervals a day each, 200 projects with daily progress, plan and absorption readings. The target
 * (issue 19) is ≤ 30 s per briefing.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { pino } from 'pino';
import { startEmbedded } from '../db/embedded';
import { seedDemo } from '../db/seed';
import { openStorage } from '../db/storage';
import { createBriefingService } from '../server/briefing/service';
import { isoWeekOf } from '../server/briefing/schedule';
import { createTestDatabase } from '../tests/support/db';

const { values } = parseArgs({
  options: {
    days: { type: 'string', default: '30' },
    'complaints-per-day': { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
  },
});
const DAYS = Number(values.days);
const PER_DAY = Number(values['complaints-per-day']);
const RUNS = Number(values.runs);
const WIB = 420;

const work = await mkdtemp(join(tmpdir(), 'sinergi-bench-briefing-'));
await chmod(work, 0o755); // as root, the embedded postgres runs as its own user
const embedded = process.env.DATABASE_URL ? null : await startEmbedded({ dir: join(work, 'pg') });
const adminUrl = process.env.DATABASE_URL ?? embedded!.url;
const fmt = (n: number) => Math.round(n).toLocaleString('en');

console.log(`Sinergi weekly briefing — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
try {
  const database = await createTestDatabase(adminUrl);
  const storage = await openStorage({ databaseUrl: database.url, dataDir: '/nonexistent', poolSize: 4 });
  try {
    const db = storage.pool;
    await seedDemo(db);
    const now = Date.now();
    const t0 = performance.now();
    const since = `to_timestamp(${now} / 1000.0) - interval '${DAYS} days'`;
    // complaints: category and kelurahan cycle; duration up to twice a day
    await db.query(
      `WITH kel AS (SELECT array_agg(code ORDER BY code) AS a FROM region WHERE level = 'kelurahan'),
            cat AS (SELECT array_agg(category ORDER BY category) AS a FROM event_sla WHERE kind = 'complaint' AND category <> ''),
            g AS (SELECT i, ${since} + (random() * interval '${DAYS} days') AS opened, random() AS r FROM generate_series(1, $1::int) i)
       INSERT INTO event (kind, id, status, time, opened_at, closed_at, category, region_code)
       SELECT 'complaint', 'B-' || i, CASE WHEN r < 0.075 THEN 'rejected' WHEN r < 0.75 THEN 'resolved' ELSE 'verified' END,
              opened, opened, CASE WHEN r < 0.75 AND opened + r * interval '96 hours' < to_timestamp(${now} / 1000.0) THEN opened + r * interval '96 hours' END,
              cat.a[1 + i % array_length(cat.a, 1)], kel.a[1 + (i * 7) % array_length(kel.a, 1)]
         FROM g, kel, cat`,
      [DAYS * PER_DAY],
    );
    await db.query(`UPDATE event SET status = 'verified' WHERE closed_at IS NULL AND status <> 'verified'`);
    // incidents
    await db.query(
      `WITH o AS (SELECT array_agg(code ORDER BY code) AS a FROM opd),
            g AS (SELECT i, ${since} + (random() * interval '${DAYS} days') AS c, random() AS r FROM generate_series(1, $1::int) i)
       INSERT INTO incident (source_type, title, severity, handling_opd, status, target_at, created_by, created_at, updated_at, closed_at)
       SELECT 'manual', 'Insiden ' || i, 'siaga', o.a[1 + i % array_length(o.a, 1)], CASE WHEN r < 0.1 THEN 'ditolak' WHEN r < 0.7 THEN 'selesai' ELSE 'dikerjakan' END,
              c + interval '8 hours', 'bench', c, c, CASE WHEN r < 0.7 AND c + r * interval '16 hours' < to_timestamp(${now} / 1000.0) THEN c + r * interval '16 hours' END
         FROM g, o`,
      [DAYS * 50],
    );
    // alerts over 50 water-level series
    await db.query(`INSERT INTO series (metric, entity) SELECT 'water_level', 'BENCH-PA-' || i FROM generate_series(1, 50) i ON CONFLICT DO NOTHING`);
    await db.query(
      `WITH s AS (SELECT array_agg(id ORDER BY id) AS a FROM series WHERE entity LIKE 'BENCH-PA-%'),
            g AS (SELECT i, ${since} + (random() * interval '${DAYS} days') AS t FROM generate_series(1, $1::int) i)
       INSERT INTO alert (series_id, metric, entity, level, opened_at, last_value, last_time, cleared_at, acknowledged_at)
       SELECT s.a[1 + i % 50], 'water_level', 'BENCH-PA-' || (1 + i % 50), CASE WHEN i % 4 = 0 THEN 'awas' ELSE 'siaga' END, t, 250, t,
              t + interval '1 hour', CASE WHEN i % 3 = 0 THEN NULL ELSE t + interval '5 minutes' END
         FROM g, s`,
      [DAYS * 100],
    );
    // feeds and their lateness history
    await db.query(
      `INSERT INTO source_health (source, opd_code, type, expected_interval_ms, last_success, records_per_second, quarantined, spool_depth, reported_at)
       SELECT 'feed-' || i, (SELECT code FROM opd ORDER BY code OFFSET (i % (SELECT count(*) FROM opd)) LIMIT 1), 'http-poll', 60000,
              to_timestamp(${now} / 1000.0), 1, 0, 0, to_timestamp(${now} / 1000.0)
         FROM generate_series(1, 40) i`,
    );
    await db.query(
      `INSERT INTO feed_lateness (source, opd_code, started_at, ended_at)
       SELECT h.source, h.opd_code, ${since} + (d * interval '1 day') + (k * interval '4 hours'), ${since} + (d * interval '1 day') + (k * interval '4 hours') + random() * interval '1 hour'
         FROM source_health h, generate_series(0, $1::int - 1) d, generate_series(0, 4) k`,
      [DAYS],
    );
    // projects with daily readings
    await db.query(
      `INSERT INTO project (id, name, opd_code, contract_value, budget, contract_start, contract_end)
       SELECT 'BENCH-PRJ-' || i, 'Proyek ' || i, CASE WHEN i % 2 = 0 THEN 'DPUPR' ELSE 'DLH' END, 1000000000, 1200000000, current_date - 100, current_date + 100
         FROM generate_series(1, 200) i`,
    );
    await db.query(
      `INSERT INTO series (metric, entity) SELECT m, 'BENCH-PRJ-' || i FROM generate_series(1, 200) i,
         unnest(ARRAY['project_progress', 'project_progress_plan', 'project_budget_absorbed']) m ON CONFLICT DO NOTHING`,
    );
    await db.query(
      `INSERT INTO point (series_id, time, value)
       SELECT s.id, ${since} + d * interval '1 day', CASE s.metric WHEN 'project_budget_absorbed' THEN d * 10000000 WHEN 'project_progress_plan' THEN d * 2 ELSE d * (1 + (s.id % 3) * 0.5) END
         FROM series s, generate_series(0, $1::int - 1) d WHERE s.entity LIKE 'BENCH-PRJ-%'`,
      [DAYS],
    );
    await db.query('ANALYZE');
    const counts = (
      await db.query(
        `SELECT (SELECT count(*) FROM event)::int AS complaints, (SELECT count(*) FROM incident)::int AS incidents, (SELECT count(*) FROM alert)::int AS alerts,
                (SELECT count(*) FROM feed_lateness)::int AS lateness, (SELECT count(*) FROM project)::int AS projects`,
      )
    ).rows[0];
    console.log(
      `dataset: ${DAYS} days — ${fmt(counts.complaints)} complaints, ${fmt(counts.incidents)} incidents, ${fmt(counts.alerts)} alerts, ${fmt(counts.lateness)} lateness intervals, ${fmt(counts.projects)} projects (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const service = createBriefingService({
      pool: db,
      clock: () => now,
      log: pino({ level: 'silent' }),
      utcOffsetMin: WIB,
      outbox: { quiet: null, linkBase: 'http://127.0.0.1:8080' },
    });
    const week = isoWeekOf(now - 7 * 86_400_000, WIB);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const began = performance.now();
      const r = await service.generate({ week, actor: 'bench' });
      const s = (performance.now() - began) / 1000;
      times.push(s);
      if (r.kind !== 'generated') throw new Error(`briefing not generated: ${r.kind}`);
      const pdf = (await service.get(week, 'pdf')) as Buffer;
      const pages = (await PDFDocument.load(pdf)).getPageCount();
      console.log(
        `run ${i + 1}: ${s.toFixed(2)} s (${week}: PDF ${fmt(r.pdfBytes)} bytes, ${pages} pages; ${r.figures.ranking.length} OPD, ${r.figures.complaints.byKecamatan.length} kecamatan)`,
      );
    }
    times.sort((a, b) => a - b);
    console.log(
      `briefing generation: median ${times[times.length >> 1]!.toFixed(2)} s, max ${times[times.length - 1]!.toFixed(2)} s (target ≤ 30 s)`,
    );
    await storage.close();
  } finally {
    await database.drop();
  }
} finally {
  await embedded?.stop();
  await rm(work, { recursive: true, force: true });
}
