/** The admin CLI as an operator runs it: a separate process against a real database. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyAccessToken, verifyIngestKey } from '../../db/queries/credentials';
import { openStorage, type Storage } from '../../db/storage';
import { createTestDatabase } from '../support/db';

const run = promisify(execFile);
const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const ADMIN = join(import.meta.dirname, '../../scripts/admin.ts');

let url: string;
let drop: () => Promise<void>;
let storage: Storage;

async function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', ADMIN, ...args], {
      env: { ...process.env, DATABASE_URL: url },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  const db = await createTestDatabase(adminUrl);
  url = db.url;
  drop = db.drop;
  storage = await openStorage({ databaseUrl: url, dataDir: '/nonexistent' });
});
afterAll(async () => {
  await storage?.close();
  await drop?.();
});

describe('admin CLI', () => {
  it('seeds the demo and lists its OPD codes', async () => {
    expect((await admin('seed', 'demo')).code).toBe(0);
    const list = await admin('agency', 'list');
    expect(list.code).toBe(0);
    const codes = list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]);
    expect(codes).toEqual(expect.arrayContaining(['BPBD', 'DISHUB', 'DLH', 'DPUPR', 'DISKOMINFO']));
  });

  it('prints only a new, working ingest key on stdout', async () => {
    const res = await admin('key', 'create', '--agency', 'BPBD', '--label', 'pos-banjir');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^sk_[A-Za-z0-9_-]{43}\n$/);
    expect(await verifyIngestKey(storage.pool, res.stdout.trim())).toMatchObject({ opd: 'BPBD' });
    const list = await admin('key', 'list');
    expect(list.stdout).toContain('pos-banjir');
    expect(list.stdout).not.toContain(res.stdout.trim()); // only the prefix is ever shown again
    const id = list.stdout
      .split('\n')
      .find((l) => l.includes('pos-banjir'))!
      .split('\t')[0]!;
    expect((await admin('key', 'revoke', id)).code).toBe(0);
    expect(await verifyIngestKey(storage.pool, res.stdout.trim())).toBeNull();
  });

  it('creates operator tokens and refuses what makes no sense, with a clear message', async () => {
    const token = await admin('token', 'create', '--role', 'operator');
    expect(token.stdout).toMatch(/^st_[A-Za-z0-9_-]{43}\n$/);
    expect(await verifyAccessToken(storage.pool, token.stdout.trim())).toMatchObject({ role: 'operator' });
    const unknown = await admin('key', 'create', '--agency', 'NOPE');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain("unknown agency 'NOPE'");
    const agencyWithoutOpd = await admin('token', 'create', '--role', 'agency');
    expect(agencyWithoutOpd.code).toBe(1);
    expect(agencyWithoutOpd.stderr).toContain('--agency is required');
  });

  it('sets whether the public gets a metric’s history, audited; refuses unknown metrics and settings', async () => {
    const flag = async () => (await storage.pool.query(`SELECT public_history AS p FROM metric WHERE code = 'water_level'`)).rows[0].p;
    expect(await flag()).toBe(true);
    const off = await admin('metric', 'public-history', 'water_level', 'off');
    expect(off.code, off.stderr).toBe(0);
    expect(await flag()).toBe(false);
    expect((await admin('metric', 'public-history', 'water_level', 'off')).code).toBe(0); // no change, no entry
    expect((await admin('metric', 'public-history', 'water_level', 'on')).code).toBe(0);
    expect(await flag()).toBe(true);
    const entries = await storage.pool.query(`SELECT target, detail FROM audit_log WHERE action = 'metric.public_history_changed' ORDER BY seq`);
    expect(entries.rows).toEqual([
      { target: 'metric:water_level', detail: { publicHistory: false } },
      { target: 'metric:water_level', detail: { publicHistory: true } },
    ]);
    const unknown = await admin('metric', 'public-history', 'nope', 'off');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown metric 'nope'");
    expect((await admin('metric', 'public-history', 'water_level', 'maybe')).code).toBe(1);
  });
});
