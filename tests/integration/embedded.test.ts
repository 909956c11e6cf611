/**
 * The embedded PostgreSQL: persistent across restarts, bound to loopback, shared with a live owner,
 * and recovered after its owner was killed with SIGKILL.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../db/storage';

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
    const { rows } = await first.pool.query(`SELECT current_setting('listen_addresses') AS l, current_setting('unix_socket_directories') AS u`);
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
});
