/**
 * Backup and restore (db/backup/, server/backup/service.ts, `admin backup` / `admin restore`), on every
 * backend: a backup taken while points and complaint status changes (each one audited) stream in through the
 * real ingest API is restored into a fresh database and compared with the source — row counts against the
 * manifest, every series' latest reading and its history up to it (the snapshot is one instant: no series is
 * torn), the roll-ups, and the audit chain and its head. TimescaleDB (the WASM build) covers the hypertable
 * and the continuous aggregates, including roll-ups whose raw points retention already dropped.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBackup } from '../../db/backup/create';
import { readManifest, restoreBackup, RestoreError } from '../../db/backup/restore';
import { listBackups } from '../../db/backup/retention';
import { readAudit, verifyAudit } from '../../db/queries/audit';
import { upsertSeries } from '../../db/queries/points';
import { openStorage, type Storage } from '../../db/storage';
import { applyTimescalePolicies, DEFAULT_STORE_POLICY, runStoreJobs } from '../../db/store-jobs';
import { runBackup } from '../../server/backup/service';
import { createTestDatabase } from '../support/db';
import { startTestServer, type TestServer } from '../support/server';
import { startTimescaleBackend, type TimescaleBackend } from '../support/timescale';

const ROOT = join(import.meta.dirname, '../..');
const exec = promisify(execFile);
const backends = Object.entries(inject('backends'));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sinergi-backup-'));
  await chmod(work, 0o755); // as root, an embedded postgres started by the CLI must reach its DATA_DIR
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const count = async (db: pg.Pool, table: string) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

/**
 * Ingests until stopped: points of 20 gauges a minute apart in reading time (from 4½ hours ago, so the data
 * crosses hour boundaries within a few dozen batches), and complaints moving through their statuses.
 */
function ingestLoop(server: TestServer, bpbd: string, kominfo: string) {
  let stop = false;
  let batches = 0;
  const t0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 4.5 * 3_600_000;
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const time = t0 + i * 60_000;
      const points = Array.from({ length: 20 }, (_, g) => ({ metric: 'water_level', entity: `PA-${g}`, time, value: 100 + ((i * 7 + g) % 90) }));
      const events = [
        { kind: 'complaint', id: `C-${i}`, status: 'received', time, category: 'jalan' },
        ...(i > 0 ? [{ kind: 'complaint', id: `C-${i - 1}`, status: 'verified', time }] : []),
      ];
      const [p, e] = await Promise.all([server.post('/api/v1/ingest', { points }, bpbd), server.post('/api/v1/events', { events }, kominfo)]);
      expect(p.status).toBe(202);
      expect(e.status).toBe(202);
      batches += 1;
    }
  })();
  return {
    batches: () => batches,
    async stop() {
      stop = true;
      await done;
    },
  };
}

describe.each(backends)('backup and restore on %s', (_name, adminUrl) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(adminUrl);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a backup taken during ingest restores into a fresh database: counts, latest readings, roll-ups and the audit chain agree', async () => {
    const source = server.storage.pool;
    const dir = join(work, `${_name}-primary`);
    const copyDir = join(work, `${_name}-copy`);
    // an audit anchor as issue 13 keeps it outside the database: the backup carries it, the restore puts it back
    const anchorDir = join(work, `${_name}-anchor`);
    await mkdir(anchorDir, { recursive: true });
    await writeFile(join(anchorDir, 'head.json'), JSON.stringify({ note: 'anchor written before the backup' }));

    const loop = ingestLoop(server, await server.key('BPBD'), await server.key('DISKOMINFO'));
    await expect.poll(loop.batches, { timeout: 30_000 }).toBeGreaterThan(30);
    const run = await runBackup(source, { dir, copyDir, keepDaily: 7, keepWeekly: 4, anchorDir }, { trigger: 'manual', actor: 'cli:test' });
    const during = loop.batches();
    await expect.poll(loop.batches, { timeout: 30_000 }).toBeGreaterThan(during + 10); // ingest went on after the snapshot
    await loop.stop();
    if (run.kind !== 'done') throw new Error(`backup did not complete: ${JSON.stringify(run)}`);
    // let the source's roll-ups catch up, as its refresher would
    await runStoreJobs(source, server.storage.dialect, 'refresh');

    const manifest = await readManifest(run.path);
    expect((await listBackups(copyDir)).map((b) => b.name)).toEqual([run.name]);
    expect((await source.query(`SELECT ok, name, rows FROM backup_run`)).rows).toEqual([{ ok: true, name: run.name, rows: run.rows }]);
    expect((await readAudit(source, { action: 'backup.created' })).map((e) => e.target)).toEqual([`backup:${run.name}`]);

    const fresh = await createTestDatabase(adminUrl);
    let restored: Storage | null = null;
    try {
      const empty = await openStorage({ databaseUrl: fresh.url, dataDir: '/nonexistent', migrate: false });
      const targetAnchor = join(work, `${_name}-anchor-restored`);
      try {
        const r = await restoreBackup(empty.pool, run.path, { anchorDir: targetAnchor });
        expect(r.anchor).toBe('restored');
      } finally {
        await empty.close();
      }
      expect(await readFile(join(targetAnchor, 'head.json'), 'utf8')).toContain('anchor written before the backup');
      restored = await openStorage({ databaseUrl: fresh.url, dataDir: '/nonexistent' });
      const target = restored.pool;

      // every table has the rows of the snapshot; the source has as many or more (ingest went on)
      for (const t of manifest.tables) {
        expect(await count(target, t.name), t.name).toBe(t.rows);
        expect(await count(source, t.name), t.name).toBeGreaterThanOrEqual(t.rows);
      }
      expect(manifest.tables.find((t) => t.name === 'point')!.rows).toBeGreaterThan(0);
      expect(await count(source, 'point')).toBeGreaterThan(manifest.tables.find((t) => t.name === 'point')!.rows);

      // latest readings: each restored series' newest reading is the source's, with exactly the source's history up to it
      const latest = (
        await target.query<{ metric: string; entity: string; t: Date; value: number; n: number }>(
          `SELECT s.metric, s.entity, max(p.time) AS t, (array_agg(p.value ORDER BY p.time DESC))[1] AS value, count(*)::int AS n
             FROM point p JOIN series s ON s.id = p.series_id GROUP BY s.metric, s.entity`,
        )
      ).rows;
      expect(latest).toHaveLength(20);
      for (const l of latest) {
        const src = (
          await source.query(
            `SELECT (SELECT value FROM point WHERE series_id = s.id AND time = $3) AS value, (SELECT count(*)::int FROM point WHERE series_id = s.id AND time <= $3) AS n
               FROM series s WHERE s.metric = $1 AND s.entity = $2`,
            [l.metric, l.entity, l.t],
          )
        ).rows[0];
        expect({ value: src.value, n: src.n }, `${l.entity}`).toEqual({ value: l.value, n: l.n });
      }

      // roll-ups: after the target's own refresh, every bucket before the restored readings end (final in both,
      // as readings arrive in time order) equals the source's
      await runStoreJobs(target, restored.dialect, 'refresh');
      const end = Math.min(...latest.map((l) => l.t.getTime()));
      for (const [view, width] of [
        ['point_1m', 60_000],
        ['point_1h', 3_600_000],
      ] as const) {
        const q = `SELECT s.entity, r.bucket, r.value_sum, r.value_count, r.value_last FROM ${view} r JOIN series s ON s.id = r.series_id
                    WHERE r.bucket < to_timestamp($1 / 1000.0) ORDER BY 1, 2`;
        const settled = Math.floor(end / width) * width;
        const want = (await source.query(q, [settled])).rows;
        expect(want.length, view).toBeGreaterThan(0);
        expect((await target.query(q, [settled])).rows, view).toEqual(want);
      }

      // the audit chain verifies, its head is the snapshot's, and that entry is the source's own
      expect(await verifyAudit(target)).toMatchObject({ problems: [] });
      const head = (await target.query(`SELECT value FROM sinergi_meta WHERE key = 'audit_head'`)).rows[0].value;
      expect(head).toBe(manifest.auditHead);
      const [seq, hash] = head.split(':');
      const sourceEntry = (await source.query(`SELECT encode(hash, 'hex') AS h FROM audit_log WHERE seq = $1`, [Number(seq)])).rows[0];
      expect(sourceEntry.h).toBe(hash);
      expect(Number(seq)).toBeGreaterThan(30); // complaint status changes were being audited throughout

      // new rows after the restore get new ids (sequences restored), and a second restore is refused
      const [fresh2] = await upsertSeries(target, [{ metric: 'water_level', entity: 'after-restore', region: null, lon: null, lat: null }]);
      expect(fresh2!.id).toBeGreaterThan(
        Math.max(...(await target.query('SELECT id FROM series')).rows.filter((r) => r.id !== fresh2!.id).map((r) => r.id)),
      );
      await expect(restoreBackup(target, run.path)).rejects.toThrow(/not empty/);
    } finally {
      await restored?.close();
      await fresh.drop();
    }
  }, 180_000);

  it('refuses a damaged backup before touching the target', async () => {
    const made = await createBackup(server.storage.pool, { dir: join(work, `${_name}-damaged`) });
    const file = join(made.path, 'data', 'point.copy.gz');
    const bytes = await readFile(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 5) ^ 0xff, bytes.length - 5);
    await writeFile(file, bytes);
    const fresh = await createTestDatabase(adminUrl);
    const empty = await openStorage({ databaseUrl: fresh.url, dataDir: '/nonexistent', migrate: false });
    try {
      await expect(restoreBackup(empty.pool, made.path)).rejects.toThrow(RestoreError);
      await expect(restoreBackup(empty.pool, made.path)).rejects.toThrow(/damaged \(data\/point\.copy\.gz/);
      // nothing was created: not even the migrations ran
      expect((await empty.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n).toBe(0);
    } finally {
      await empty.close();
      await fresh.drop();
    }
  }, 60_000);
});

describe('the admin CLI: backup of DATABASE_URL, restore onto a fresh box (an empty DATA_DIR)', () => {
  const [, adminUrl] = backends[0]!;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(adminUrl);
  });
  afterAll(async () => {
    await server?.close();
  });

  const admin = (args: string[], env: Record<string, string | undefined>) =>
    exec(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: undefined, LOG_LEVEL: 'warn', ...env } as NodeJS.ProcessEnv,
    });

  it('`admin backup` then `admin restore` into the embedded database of a new DATA_DIR; `audit verify` passes there', async () => {
    const res = await server.post(
      '/api/v1/ingest',
      { points: [{ metric: 'water_level', entity: 'PA-CLI', time: Date.now() - 1_000, value: 142 }] },
      await server.key('BPBD'),
    );
    expect(res.status).toBe(202);
    const url = new URL(adminUrl);
    url.pathname = `/${(await server.storage.pool.query('SELECT current_database() AS d')).rows[0].d}`;
    const dir = join(work, 'cli-backups');
    const made = await admin(['backup', '--dir', dir], { DATABASE_URL: url.toString() });
    const path = made.stdout.trim();
    expect(path.startsWith(join(dir, 'sinergi-'))).toBe(true);
    expect((await admin(['backup', 'list', '--dir', dir], {})).stdout).toContain(path);
    expect((await admin(['backup', 'verify', path], {})).stderr).toMatch(/intact: \d+ files verified/);

    const box = join(work, 'fresh-box');
    const restored = await admin(['restore', path], { DATA_DIR: box });
    expect(restored.stderr).toMatch(/restored sinergi-\d{8}-\d{6}Z .*: \d+ tables, \d+ rows/);
    expect(restored.stderr).toMatch(/audit chain intact: \d+ entries verified/);
    expect((await admin(['audit', 'verify'], { DATA_DIR: box })).stdout).toMatch(/audit log intact/);
    // the restored box has the reading; the restore is on its audit record
    const listed = await admin(['audit', 'export', '--format', 'jsonl'], { DATA_DIR: box });
    expect(listed.stdout).toContain('backup.restored');
    const again = await admin(['restore', path], { DATA_DIR: box }).catch((e: { stderr: string }) => e);
    expect((again as { stderr: string }).stderr).toMatch(
      /^error: this database is not empty \(audit_log has \d+ rows\): restore into an empty database/m,
    );
  }, 180_000);
});

describe('backup and restore on TimescaleDB (the WASM build): the hypertable and the continuous aggregates', () => {
  let source: TimescaleBackend;
  let target: TimescaleBackend;
  let storage: Storage;
  const MIN = 60_000;
  const NOW = Math.floor(Date.now() / MIN) * MIN;

  beforeAll(async () => {
    source = await startTimescaleBackend();
    storage = await openStorage({ databaseUrl: source.url, dataDir: '/nonexistent', poolSize: 1 });
    expect(await applyTimescalePolicies(storage.pool, DEFAULT_STORE_POLICY)).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await storage?.close();
    await source?.close();
    await target?.close();
  });

  it('restores raw points into the hypertable and every roll-up, including those whose raw points retention dropped', async () => {
    const db = storage.pool;
    await db.query(`INSERT INTO opd (code, name) VALUES ('TST', 'Test OPD')`);
    await db.query(
      `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s) VALUES ('tst_level', 'floods', 'TST', 'publik', 'cm', 'a', 'b', 60)`,
    );
    const [a, b] = await upsertSeries(
      db,
      ['A', 'B'].map((entity) => ({ metric: 'tst_level', entity, region: null, lon: null, lat: null })),
    );
    // three days of readings every 5 minutes, rolled up, then the oldest two days of raw points dropped
    await db.query(
      `INSERT INTO point (series_id, time, value)
       SELECT s, to_timestamp($1 / 1000.0) - i * interval '5 minutes', (i * 13 + s) % 97 FROM generate_series(1, 864) i, unnest($2::int[]) s`,
      [NOW, [a!.id, b!.id]],
    );
    await runStoreJobs(db, 'timescaledb', 'refresh');
    await db.query(`SELECT drop_chunks('point', older_than => to_timestamp($1 / 1000.0) - interval '1 day')`, [NOW]);
    const oldest = (await db.query(`SELECT min(time) AS t FROM point`)).rows[0].t as Date;
    expect(oldest.getTime()).toBeGreaterThan(NOW - 2 * 86_400_000);
    const rollups = async (pool: pg.Pool, view: string) =>
      (await pool.query(`SELECT series_id, bucket, value_sum, value_count, value_min, value_max, value_last, last_time FROM ${view} ORDER BY 1, 2`))
        .rows;
    const want1m = await rollups(db, 'point_1m');
    const want1h = await rollups(db, 'point_1h');
    expect(want1m.some((r) => r.bucket < oldest)).toBe(true); // only the roll-ups still hold the first two days

    const made = await createBackup(db, { dir: join(work, 'tsdb') });
    expect(made.manifest.dialect).toBe('timescaledb');
    expect(made.manifest.rollups.map((r) => [r.name, r.rows])).toEqual([
      ['point_1m', want1m.length],
      ['point_1h', want1h.length],
    ]);

    target = await startTimescaleBackend();
    const empty = await openStorage({ databaseUrl: target.url, dataDir: '/nonexistent', poolSize: 1, migrate: false });
    try {
      await restoreBackup(empty.pool, made.path);
    } finally {
      await empty.close();
    }
    const restored = await openStorage({ databaseUrl: target.url, dataDir: '/nonexistent', poolSize: 1 });
    try {
      const t = restored.pool;
      expect(restored.dialect).toBe('timescaledb');
      expect(await count(t, 'point')).toBe(await count(db, 'point'));
      const chunks = await t.query(`SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'point'`);
      expect(chunks.rows[0].n).toBeGreaterThan(0); // rows went into chunks of the hypertable, not its root
      expect(await rollups(t, 'point_1m')).toEqual(want1m);
      expect(await rollups(t, 'point_1h')).toEqual(want1h);
    } finally {
      await restored.close();
    }
  }, 300_000);
});
