/**
 * The embedded PostgreSQL: persistent across restarts, bound to loopback, shared with a live owner,
 * and recovered after its owner was killed with SIGKILL.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../db/storage';
import { startEmbedded } from '../../db/embedded';
import { EMBEDDED_APP_ROLE } from '../../db/embedded-role';
import { createBackup } from '../../db/backup/create';
import { restoreBackup } from '../../db/backup/restore';
import { seedDemo } from '../../db/seed';
import { startServer, warnIfSuperuser } from '../../server/main';
import { loadConfig } from '../../server/config';
import { runBackup } from '../../server/backup/service';
import { pino } from 'pino';
import { Writable } from 'node:stream';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinergi-embedded-'));
  await chmod(dir, 0o755);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded PostgreSQL', () => {
  it('migrates on first open, listens on 127.0.0.1 only, and keeps data across a restart', async () => {
    const first = await openStorage({ dataDir: dir });
    expect(first.dialect).toBe('postgres');
    // server settings as its superuser sees them (the app's own role may not read unix_socket_directories)
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(first.where)![1]);
    const { password } = JSON.parse(await readFile(join(dir, 'embedded.json'), 'utf8')) as { password: string };
    const su = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    await su.connect();
    const { rows } = await su.query(`SELECT current_setting('listen_addresses') AS l, current_setting('unix_socket_directories') AS u`);
    await su.end();
    expect(rows[0]).toEqual({ l: '127.0.0.1', u: '' });
    await first.pool.query(`INSERT INTO opd (code, name) VALUES ('PERSIST', 'kept across restarts')`);
    await first.close();

    const second = await openStorage({ dataDir: dir });
    const again = await second.pool.query(`SELECT name FROM opd WHERE code = 'PERSIST'`);
    expect(again.rows).toEqual([{ name: 'kept across restarts' }]);
    const migrations = await second.pool.query('SELECT count(*)::int AS n FROM schema_migration');
    expect(migrations.rows[0].n).toBeGreaterThan(0);

    // a second process opening the same directory while the owner lives shares it and never stops it
    const sharer = await openStorage({ dataDir: dir });
    await sharer.close();
    expect((await second.pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await second.close();
  });

  it('detects a server left behind by a SIGKILLed owner and takes over', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../support/embedded-child.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (b) => {
        out += b;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const stalePostmaster = Number(line.split(' ')[1]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(alive(stalePostmaster)).toBe(true); // the orphan still holds the directory

    const storage = await openStorage({ dataDir: dir });
    try {
      expect(alive(stalePostmaster)).toBe(false);
      const { rows } = await storage.pool.query(`SELECT name FROM opd WHERE code = 'KILLED'`);
      expect(rows).toEqual([{ name: 'written before SIGKILL' }]);
    } finally {
      await storage.close();
    }
  });

  it('serves as a non-superuser role that owns the app database: no ALTER SYSTEM, no COPY TO PROGRAM, no start warning', async () => {
    const own = await mkdtemp(join(tmpdir(), 'sinergi-embedded-role-'));
    await chmod(own, 0o755);
    const storage = await openStorage({ dataDir: own });
    try {
      const who = await storage.pool.query(
        `SELECT current_user AS who, r.rolsuper AS su, r.rolcreaterole AS cr, r.rolcreatedb AS cd, r.rolreplication AS repl, r.rolbypassrls AS bypass,
                (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) AS owner
           FROM pg_roles r WHERE r.rolname = current_user`,
      );
      expect(who.rows[0]).toEqual({ who: EMBEDDED_APP_ROLE, su: false, cr: false, cd: false, repl: false, bypass: false, owner: EMBEDDED_APP_ROLE });
      // what only a superuser may do is refused (42501: insufficient privilege)
      for (const sql of [
        `ALTER SYSTEM SET work_mem = '8MB'`,
        `COPY (SELECT 1) TO PROGRAM 'true'`,
        `SELECT pg_read_file('PG_VERSION')`,
        `CREATE ROLE intruder SUPERUSER`,
        `ALTER ROLE ${EMBEDDED_APP_ROLE} SUPERUSER`,
        `SET session_replication_role = replica`,
      ])
        await expect(storage.pool.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      // every table of the app is its own
      const foreign = await storage.pool.query(
        `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
      );
      expect(foreign.rows).toEqual([]);
      // the start check stays silent
      const warned: unknown[] = [];
      await warnIfSuperuser(storage.pool, { warn: (...a: unknown[]) => warned.push(a) } as never);
      expect(warned).toEqual([]);
      // the demo works, backups included: seed, back up, restore onto a second fresh embedded database
      await seedDemo(storage.pool);
      const backups = join(own, 'backups');
      const made = await createBackup(storage.pool, { dir: backups });
      expect(made.rows).toBeGreaterThan(100);
      const other = await mkdtemp(join(tmpdir(), 'sinergi-embedded-restore-'));
      await chmod(other, 0o755);
      const target = await openStorage({ dataDir: other });
      try {
        await restoreBackup(target.pool, made.path);
        const n = async (pool: typeof storage.pool) => (await pool.query('SELECT count(*)::int AS n FROM region')).rows[0].n;
        expect(await n(target.pool)).toBe(await n(storage.pool));
      } finally {
        await target.close();
        await rm(other, { recursive: true, force: true });
      }
    } finally {
      await storage.close();
      await rm(own, { recursive: true, force: true });
    }
  });

  it("hands a cluster made by an earlier version (the superuser's tables) to the app role, data kept", async () => {
    const old = await mkdtemp(join(tmpdir(), 'sinergi-embedded-old-'));
    await chmod(old, 0o755);
    // as earlier versions did: migrations and data as the superuser
    const pg = await startEmbedded({ dir: old });
    const before = await openStorage({ databaseUrl: pg.url, dataDir: old });
    await before.pool.query(`INSERT INTO opd (code, name) VALUES ('OLD', 'from the superuser days')`);
    expect((await before.pool.query(`SELECT current_user AS u`)).rows[0].u).toBe('postgres');
    // which the start check did tell (what the demo said before it had a role of its own)
    const warned: unknown[] = [];
    await warnIfSuperuser(before.pool, { warn: (...a: unknown[]) => warned.push(a) } as never);
    expect(warned).toHaveLength(1);
    await before.pool.end();
    await pg.stop();
    const storage = await openStorage({ dataDir: old });
    try {
      expect((await storage.pool.query(`SELECT current_user AS u`)).rows[0].u).toBe(EMBEDDED_APP_ROLE);
      expect((await storage.pool.query(`SELECT name FROM opd WHERE code = 'OLD'`)).rows).toEqual([{ name: 'from the superuser days' }]);
      await storage.pool.query(`INSERT INTO opd (code, name) VALUES ('NEW', 'as the app role')`);
      const foreign = await storage.pool.query(
        `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)`,
      );
      expect(foreign.rows).toEqual([]);
    } finally {
      await storage.close();
      await rm(old, { recursive: true, force: true });
    }
  });

  it('the server as `npm start` runs it (no DATABASE_URL): the app role, no superuser warning, backups made', async () => {
    const own = await mkdtemp(join(tmpdir(), 'sinergi-embedded-start-'));
    await chmod(own, 0o755);
    const lines: { level: number; msg: string }[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
          done();
        },
      }),
    );
    const running = await startServer(loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: own, LOG_LEVEL: 'silent' }), log);
    try {
      expect((await running.storage.pool.query('SELECT current_user AS u')).rows[0].u).toBe(EMBEDDED_APP_ROLE);
      expect(lines.filter((l) => /superuser/.test(l.msg))).toEqual([]);
      expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
      const run = await runBackup(
        running.storage.pool,
        { dir: join(own, 'backups'), copyDir: join(own, 'copy'), keepDaily: 7, keepWeekly: 4 },
        { trigger: 'manual', actor: 'cli:test' },
      );
      expect(run.kind).toBe('done');
    } finally {
      await running.close();
      await rm(own, { recursive: true, force: true });
    }
  });
});
