/**
 * Issue 13, the audit log as an attacker sees it: planting false "tampered" entries with strings PostgreSQL
 * rewrites (5), a superuser rewriting the chain and its head (6), and actions that left no entry (10).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adoptAuditKey, appendAudit, chainHash, readAudit, useAuditKey, verifyAudit } from '../../db/queries/audit';
import { grantAgreement } from '../../db/queries/sharing';
import { entryPayload } from '../../shared/audit-chain';
import { ANCHOR_FILE, AnchorError, loadAuditKey, readAnchor, writeAnchor } from '../../server/audit/key';
import { startTestServer, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;
const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

let server: TestServer;
let work: string;
beforeAll(async () => {
  server = await startTestServer(adminUrl);
  work = await mkdtemp(join(tmpdir(), 'sinergi-audit-'));
});
afterAll(async () => {
  useAuditKey(null);
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('well-formed entries (5)', () => {
  it('a lone surrogate or an emoji cut in half in a username leaves the chain intact', async () => {
    for (const username of ['x\ud800', 'a'.repeat(63) + '😀', 'nul\u0000name', '\udfff']) {
      const res = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'whatever-1' }),
      });
      expect([400, 401]).toContain(res.status);
    }
    const failed = await readAudit(server.storage.pool, { action: 'login.failed' });
    expect(failed.map((e) => e.target)).toEqual(expect.arrayContaining(['user:x\ufffd', `user:${'a'.repeat(63)}😀`, 'user:\ufffd']));
    await appendAudit(server.storage.pool, [
      { actor: 'test\ud83d', action: 'probe', target: null, detail: { 'k\udc00': ['v\ud800', NaN, 'ok'] }, source: null },
    ]);
    expect((await verifyAudit(server.storage.pool)).problems).toEqual([]);
  });
});

describe('keyed chain and anchor (6)', () => {
  it('catches a superuser who edits an entry and recomputes the chain and its head', async () => {
    const pool = server.storage.pool;
    const key = await loadAuditKey(join(work, 'audit-hmac.key'), { create: true });
    expect(key).toHaveLength(32);
    expect((await stat(join(work, 'audit-hmac.key'))).mode & 0o777).toBe(0o600);
    useAuditKey(key);
    expect(await adoptAuditKey(pool)).toBe(true);
    await appendAudit(pool, [
      { actor: 'cli:test', action: 'key.created', target: 'key:1', detail: {}, source: 'cli' },
      { actor: 'cli:test', action: 'key.created', target: 'key:2', detail: {}, source: 'cli' },
    ]);
    expect((await verifyAudit(pool)).problems).toEqual([]);
    const anchorDir = join(work, 'anchors');
    await writeAnchor(pool, anchorDir, key, Date.now());
    expect((await verifyAudit(pool, { anchor: await readAnchor(anchorDir, key) })).problems).toEqual([]);

    // the superuser: trigger off, an entry changed, every later hash and the head recomputed (without the key)
    const client = await pool.connect();
    try {
      await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      const rows = await readAudit(client);
      const target = rows.find((r) => r.target === 'key:1')!;
      await client.query(`UPDATE audit_log SET target = 'key:999' WHERE seq = $1`, [target.seq]);
      let prev = target.prevHash as Uint8Array;
      for (const r of rows.filter((x) => x.seq >= target.seq)) {
        const hash = chainHash(prev, entryPayload({ ...r, target: r.seq === target.seq ? 'key:999' : r.target }));
        await client.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [r.seq, Buffer.from(prev), Buffer.from(hash)]);
        prev = hash;
      }
      await client.query(`UPDATE sinergi_meta SET value = $1 WHERE key = 'audit_head'`, [`${rows.at(-1)!.seq}:${Buffer.from(prev).toString('hex')}`]);
      // …and, to pass as never keyed, the marker removed
      await client.query(`DELETE FROM sinergi_meta WHERE key = 'audit_keyed_from'`);
    } finally {
      await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
      client.release();
    }
    const { problems } = await verifyAudit(pool, { anchor: await readAnchor(anchorDir, key) });
    expect(problems.map((p) => p.problem)).toEqual(expect.arrayContaining(['unkeyed', 'anchor-mismatch']));
  });

  it('catches the newest entries deleted along with the head, through the anchor', async () => {
    const anchorDir = join(work, 'anchors-2');
    const key = await loadAuditKey(join(work, 'audit-hmac-2.key'), { create: true });
    useAuditKey(key);
    // a fresh database of its own: the previous test left this one's chain broken on purpose
    const other = await startTestServer(adminUrl);
    try {
      await adoptAuditKey(other.storage.pool);
      await appendAudit(other.storage.pool, [{ actor: 'cli:test', action: 'token.created', target: 'token:9', detail: {}, source: 'cli' }]);
      await writeAnchor(other.storage.pool, anchorDir, key, Date.now());
      const c = await other.storage.pool.connect();
      try {
        await c.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
        const last = (await c.query('SELECT max(seq) AS s FROM audit_log')).rows[0].s;
        await c.query('DELETE FROM audit_log WHERE seq = $1', [last]);
        const head = (await c.query(`SELECT seq, encode(hash, 'hex') AS h FROM audit_log ORDER BY seq DESC LIMIT 1`)).rows[0];
        await c.query(`UPDATE sinergi_meta SET value = $1 WHERE key = 'audit_head'`, [`${head.seq}:${head.h}`]);
      } finally {
        await c.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
        c.release();
      }
      expect((await verifyAudit(other.storage.pool)).problems).toEqual([]); // the database alone cannot tell
      const { problems } = await verifyAudit(other.storage.pool, { anchor: await readAnchor(anchorDir, key) });
      expect(problems.map((p) => p.problem)).toContain('missing-after');
      // an anchor edited by hand is refused
      const file = join(anchorDir, ANCHOR_FILE);
      const anchor = JSON.parse(await readFile(file, 'utf8'));
      await writeFile(file, JSON.stringify({ ...anchor, body: anchor.body.replace(/"seq":\d+/, '"seq":1') }));
      await expect(readAnchor(anchorDir, key)).rejects.toThrow(AnchorError);
    } finally {
      await other.close();
    }
  });
});

describe('audit gaps (10)', () => {
  it('audits `admin token create` and reads made through a sharing agreement', async () => {
    useAuditKey(null);
    const other = await startTestServer(adminUrl);
    try {
      const url = new URL(adminUrl);
      url.pathname = `/${(await other.storage.pool.query('SELECT current_database() AS d')).rows[0].d}`;
      const made = await exec(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'token', 'create', '--role', 'operator', '--label', 'wall'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: url.toString(), DATA_DIR: join(work, 'cli-data') },
      });
      expect(made.stdout).toMatch(/^st_/);
      expect((await readAudit(other.storage.pool, { action: 'token.created' })).at(-1)).toMatchObject({
        detail: { role: 'operator', label: 'wall', expires: null },
        source: 'cli',
      });

      const id = await grantAgreement(other.storage.pool, {
        ownerOpd: 'DLH',
        granteeOpd: 'BPBD',
        itemType: 'metric',
        itemCode: 'truck_load',
        purpose: 'flood-response',
        validUntil: Date.now() + 86_400_000,
        reference: 'PKS/1',
      });
      await other.app.catalog.reload();
      const token = await other.token('agency', 'BPBD');
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date().toISOString();
      const res = await other.get(`/api/v1/series?metric=truck_load&from=${from}&to=${to}&purpose=flood-response`, token);
      expect(res.status).toBe(200);
      expect((await readAudit(other.storage.pool, { action: 'sharing.read' })).at(-1)).toMatchObject({
        target: 'metric:truck_load',
        detail: { agreement: id, purpose: 'flood-response', owner: 'DLH', via: 'rest' },
      });
    } finally {
      await other.close();
    }
  }, 60_000);
});
