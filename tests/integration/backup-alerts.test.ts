/**
 * A failed or missing backup raises an alert to the command centre (server/backup/service.ts): the backups'
 * health readings go through the ingest service and the alert service opens, escalates and clears alerts on
 * them like on any reading, pushed to operators over /live.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WireAlert } from '../../shared/alerts';
import { pino } from 'pino';
import { listBackups } from '../../db/backup/retention';
import { startBackupService } from '../../server/backup/service';
import { connected, startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;

let server: TestServer;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sinergi-backup-alerts-'));
  // the backup directory is a file: every backup fails until it is fixed below
  await writeFile(join(work, 'backups'), 'not a directory');
  server = await startTestServer(adminUrl, {
    streamTickMs: 50,
    backup: { dir: join(work, 'backups'), copyDir: join(work, 'copy'), at: null, keepDaily: 7, keepWeekly: 4 },
  });
});
afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('backup alerts', () => {
  it('a database 30 hours old with no backup, then a failed backup, raise alerts; a good backup clears them', async () => {
    const operator = server.socket('/live', await server.token('operator'));
    await connected(operator);
    const seen: WireAlert[] = [];
    operator.on('alerts:changed', (m) => seen.push(...m.alerts));
    const backups = server.app.backups!;
    const pool = server.storage.pool;
    const latest = (metric: string, entity: string) => [...seen].reverse().find((a) => a.metric === metric && a.entity === entity);

    // "missing": nothing on disk since the database was made, 30 hours ago
    await pool.query(`UPDATE schema_migration SET applied_at = now() - interval '30 hours'`);
    await backups.check();
    const missing = await waitFor('the missing-backup alert', () => latest('backup_age_hours', 'primary'));
    expect(missing).toMatchObject({ level: 'siaga', clearedAt: null });
    expect(missing.lastValue).toBeCloseTo(30, 0);
    expect(latest('backup_age_hours', 'copy')).toMatchObject({ level: 'siaga' }); // the second disk has none either

    // "failed": the run is recorded, and two failures in a row escalate to Awas
    const failed = await backups.runNow();
    expect(failed).toMatchObject({ kind: 'failed' });
    await waitFor('the failed-backup alert', () => latest('backup_failures', 'nightly')?.level === 'siaga');
    expect((await backups.runNow()).kind).toBe('failed');
    await waitFor('two failures: Awas', () => latest('backup_failures', 'nightly')?.level === 'awas');
    const listed = await server.get('/api/v1/alerts', await server.token('operator'));
    expect(listed.body.alerts.map((a: WireAlert) => `${a.metric}/${a.entity}`).sort()).toEqual(
      expect.arrayContaining(['backup_age_hours/copy', 'backup_age_hours/primary', 'backup_failures/nightly']),
    );
    expect((await pool.query(`SELECT count(*)::int AS n FROM backup_run WHERE NOT ok`)).rows[0].n).toBe(2);

    // fixed: the next backup succeeds on both disks and every backup alert clears
    await rm(join(work, 'backups'));
    expect((await backups.runNow()).kind).toBe('done');
    for (const [metric, entity] of [
      ['backup_age_hours', 'primary'],
      ['backup_age_hours', 'copy'],
      ['backup_failures', 'nightly'],
    ] as const) {
      await waitFor(`${metric}/${entity} cleared`, () => latest(metric, entity)?.clearedAt !== null);
    }
  }, 60_000);

  it('a box that was off at the nightly time makes the missed backup up at start', async () => {
    const dir = join(work, 'catch-up');
    const ingested: unknown[] = [];
    const service = startBackupService({
      pool: server.storage.pool,
      plan: { dir, copyDir: null, keepDaily: 7, keepWeekly: 4 },
      at: '02:30',
      // the readings themselves are the test above's business; here they are only recorded
      ingest: { ingestPoints: async (_key, body) => (ingested.push(body), { kind: 'accepted', accepted: 0, written: 0 }) },
      catalog: server.app.catalog,
      log: pino({ level: 'silent' }),
      // 30 hours after the database was made, with nothing in the directory
      clock: () => Date.now() + 30 * 3_600_000,
    });
    try {
      await waitFor('the catch-up backup', async () => (await listBackups(dir)).length === 1, 30_000);
      expect(ingested.length).toBeGreaterThanOrEqual(1);
    } finally {
      await service.stop();
    }
  }, 60_000);
});
