/**
 * `admin doctor` as a process against a real database: a healthy installation passes with the warnings it
 * deserves; a missing backup, a failed backup run, a certificate about to expire and a database migrated by a
 * newer release fail, each with what to do.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBackup } from '../../db/backup/create';
import { startTestServer, type TestServer } from '../support/server';

const ROOT = join(import.meta.dirname, '../..');
const exec = promisify(execFile);
const [, adminUrl] = Object.entries(inject('backends'))[0]!;

let server: TestServer;
let work: string;
let url: string;
beforeAll(async () => {
  server = await startTestServer(adminUrl);
  work = await mkdtemp(join(tmpdir(), 'sinergi-doctor-'));
  const u = new URL(adminUrl);
  u.pathname = `/${(await server.storage.pool.query('SELECT current_database() AS d')).rows[0].d}`;
  url = u.toString();
});
afterAll(async () => {
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

const cert = async (days: number) => {
  const file = join(work, `cert-${days}.pem`);
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(work, `key-${days}.pem`),
    '-out',
    file,
    '-days',
    String(days),
    '-subj',
    '/CN=sinergi.test',
  ]);
  return file;
};

const doctor = async (args: string[], env: Record<string, string> = {}) => {
  try {
    const r = await exec(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'doctor', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, BACKUP_DIR: join(work, 'backups'), LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, out: r.stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
};

describe('admin doctor', () => {
  it('reports every check of a working installation; a second disk without a backup fails', async () => {
    await createBackup(server.storage.pool, { dir: join(work, 'backups') });
    const r = await doctor(['--cert', await cert(365), '--spool', work], { BACKUP_COPY_DIR: join(work, 'copy') });
    expect(r.out).toMatch(/^OK {4}database {5}.+PostgreSQL \d+/m);
    expect(r.out).toMatch(/^OK {4}schema {7}up to date \(093_regions_territory\.sql\)/m);
    expect(r.out).toMatch(/^OK {4}backups {6}primary .+: newest backup 0\.0 h old/m);
    expect(r.out).toMatch(/^FAIL {2}backups {6}copy .+: no complete backup\n {19}→ run `npm run admin -- backup` now/m);
    expect(r.out).toMatch(/^OK {4}certificate {2}.+: valid for 36[45] more days/m);
    expect(r.out).toMatch(/^(OK|WARN) {2,4}clock {8}this machine is \d+\.\d s/m);
    expect(r.out).toMatch(/^OK {4}disk {9}ingest spool/m);
    expect(r.out).toMatch(/^OK {4}audit {8}chain intact/m);
    expect(r.out).toMatch(/^WARN {2}config {7}NODE_ENV=/m);
    expect(r.code).toBe(1); // the empty copy disk
  }, 60_000);

  it('fails a certificate about to expire, a failed backup run and a newer schema, each with what to do', async () => {
    await server.storage.pool.query(
      `INSERT INTO backup_run (started_at, finished_at, trigger, ok, error) VALUES (now(), now(), 'scheduled', false, 'ENOSPC: no space left on device')`,
    );
    await server.storage.pool.query(`INSERT INTO schema_migration (version, name) VALUES (999, '999_from_the_future.sql')`);
    try {
      const r = await doctor(['--cert', await cert(3)]);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^FAIL {2}certificate .+: valid for [23] more days\n {19}→ renew the certificate/m);
      expect(r.out).toMatch(/^FAIL {2}backups {6}the last run .+ failed: ENOSPC: no space left on device/m);
      expect(r.out).toMatch(/^FAIL {2}schema {7}migrated by a newer Sinergi \(999_from_the_future\.sql\)/m);
      expect(r.out).toMatch(/check\(s\) failed\.$/m);
    } finally {
      await server.storage.pool.query(`DELETE FROM schema_migration WHERE version = 999`);
    }
  }, 60_000);
});
