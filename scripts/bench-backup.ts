/**
 * `npm run bench:backup [-- --series 1000 --points 2000]`: how fast a backup (db/backup/create.ts) reads and
 * writes a database, and how fast a restore (db/backup/restore.ts) loads it back, on the embedded PostgreSQL
 * (or the server at DATABASE_URL). A fresh database gets `series × points` readings 10 s apart (with their
 * roll-ups refreshed); it is then backed up once to warm the cache, then at gzip levels 1, 3 (the default,
 * BACKUP_GZIP_LEVEL) and 6, and the
 * default backup is restored into a second fresh database. Prints rows/s, bytes per reading on disk, and the
 * restore's rows/s — the figures docs/operations.md sizes backups with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BACKUP_GZIP_LEVEL, createBackup } from '../db/backup/create';
import { restoreBackup } from '../db/backup/restore';
import { startEmbedded } from '../db/embedded';
import { openStorage } from '../db/storage';
import { runStoreJobs } from '../db/store-jobs';
import { createTestDatabase } from '../tests/support/db';

const { values } = parseArgs({ options: { series: { type: 'string', default: '1000' }, points: { type: 'string', default: '2000' } } });
const series = Number(values.series);
const perSeries = Number(values.points);

const work = await mkdtemp(join(tmpdir(), 'sinergi-bench-backup-'));
const { chmod } = await import('node:fs/promises');
await chmod(work, 0o755); // as root, the embedded postgres runs as its own user
const embedded = process.env.DATABASE_URL ? null : await startEmbedded({ dir: join(work, 'pg') });
const adminUrl = process.env.DATABASE_URL ?? embedded!.url;
const fmt = (n: number) => Math.round(n).toLocaleString('en');

console.log(`Sinergi backup and restore — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
try {
  const source = await createTestDatabase(adminUrl);
  const target = await createTestDatabase(adminUrl);
  const storage = await openStorage({ databaseUrl: source.url, dataDir: '/nonexistent', poolSize: 2 });
  try {
    const db = storage.pool;
    const version = (await db.query(`SELECT current_setting('server_version') AS v`)).rows[0].v;
    console.log(`database: PostgreSQL ${version} (${embedded ? 'embedded' : 'DATABASE_URL'}), ${storage.dialect}`);
    await db.query(`INSERT INTO opd (code, name) VALUES ('BENCH', 'Bench OPD')`);
    await db.query(
      `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s) VALUES ('bench_level', 'floods', 'BENCH', 'publik', 'cm', 'a', 'b', 10)`,
    );
    await db.query(`INSERT INTO series (metric, entity) SELECT 'bench_level', 'E-' || i FROM generate_series(1, $1) i`, [series]);
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    await db.query(
      `INSERT INTO point (series_id, time, value)
       SELECT s.id, to_timestamp($1 / 1000.0) - i * interval '10 seconds', round((100 + 50 * sin(i / 30.0 + s.id))::numeric, 2)
         FROM series s, generate_series(1, $2) i`,
      [end, perSeries],
    );
    await runStoreJobs(db, storage.dialect, 'refresh');
    const readings = series * perSeries;
    console.log(`${fmt(readings)} readings (${series} series × ${perSeries}, 10 s apart), roll-ups refreshed\n`);

    // one backup first, not counted: the tables are then in the database's cache for every level alike
    await createBackup(db, { dir: join(work, 'warm-up') });
    console.log('| gzip level | rows | seconds | rows/s | on disk | bytes per reading |');
    console.log('|---|---|---|---|---|---|');
    let defaultPath = '';
    for (const level of [1, BACKUP_GZIP_LEVEL, 6]) {
      const t0 = performance.now();
      const made = await createBackup(db, { dir: join(work, `backups-${level}`), gzipLevel: level });
      const s = (performance.now() - t0) / 1000;
      const pointFile = made.manifest.tables.find((t) => t.name === 'point')!;
      if (level === BACKUP_GZIP_LEVEL) defaultPath = made.path;
      console.log(
        `| ${level}${level === BACKUP_GZIP_LEVEL ? ' (default)' : ''} | ${fmt(made.rows)} | ${s.toFixed(1)} | ${fmt(made.rows / s)} | ` +
          `${(made.bytes / 2 ** 20).toFixed(1)} MiB | ${(pointFile.bytes / readings).toFixed(2)} |`,
      );
    }
    const empty = await openStorage({ databaseUrl: target.url, dataDir: '/nonexistent', poolSize: 2, migrate: false });
    try {
      const t0 = performance.now();
      const r = await restoreBackup(empty.pool, defaultPath);
      const s = (performance.now() - t0) / 1000;
      const rows = r.tables.reduce((n, t) => n + t.rows, 0);
      console.log(`\nrestore of the default backup into an empty database: ${fmt(rows)} rows in ${s.toFixed(1)} s, ${fmt(rows / s)} rows/s`);
    } finally {
      await empty.close();
    }
  } finally {
    await storage.close();
    await source.drop();
    await target.drop();
  }
} finally {
  await embedded?.stop();
  await rm(work, { recursive: true, force: true });
}
