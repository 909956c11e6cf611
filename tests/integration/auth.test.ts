/**
 * Identities and sessions against the real server on port 0: login gives a token the REST API and the /live
 * handshake accept; wrong credentials, lockout, the per-address rate limit, logout, expiry and TOTP; what
 * the database holds (argon2id hashes, never a password or a token); production mode refuses demo passwords.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { Snapshot } from '../../shared/contract';
import { readAudit } from '../../db/queries/audit';
import { openStorage } from '../../db/storage';
import { seedDemo } from '../../db/seed';
import { DEMO_OPD } from '../../demo/catalog';
import { AccountError, changePassword, changeRole, disableUser, enableTotp, enableUser, unlockUser } from '../../server/auth/accounts';
import { ensureDemoUsers } from '../../server/auth/demo-users';
import { checkProductionSafety, ProductionSafetyError } from '../../server/auth/safety';
import { loadConfig } from '../../server/config';
import { startServer } from '../../server/main';
import { pino } from 'pino';
import { createTestDatabase } from '../support/db';
import { startTestServer, type ClientSocket, type TestServer } from '../support/server';

const backends = Object.entries(inject('backends'));
const CLI = { actor: 'cli:test', source: 'cli' };
const MAX_FAILURES = 3;
const MAX_DELAY_MS = 60_000;
const RATE_PER_MIN = 60;

/** Resolves on connect, or with the handshake's refusal message. */
function handshake(s: ClientSocket): Promise<'connected' | string> {
  return new Promise((resolve) => {
    if (s.connected) return resolve('connected');
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (e) => resolve(e.message));
  });
}

/** POST from a chosen loopback address (127.0.0.x), to show that the login limit is per client address. */
function postFrom(localAddress: string, url: string, body: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      url,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function post(server: TestServer, path: string, token?: string): Promise<number> {
  const res = await fetch(server.url + path, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  return res.status;
}

describe.each(backends)('auth on %s', (_name, adminUrl) => {
  let server: TestServer;
  const audit = (action: string) => readAudit(server.storage.pool, { action });

  beforeAll(async () => {
    server = await startTestServer(adminUrl, { loginMaxFailures: MAX_FAILURES, loginMaxDelayMs: MAX_DELAY_MS, loginRatePerMin: RATE_PER_MIN });
    await server.user('budi', 'kata-sandi-operator', 'operator');
    await server.user('siti.bpbd', 'kata-sandi-bpbd-1', 'agency', 'BPBD');
  });
  afterAll(async () => server?.close());

  it('logs an operator in with a token that REST and the /live socket accept', async () => {
    const t0 = Date.now();
    const res = await server.login('Budi', 'kata-sandi-operator'); // usernames are case-insensitive
    expect(res.status).toBe(200);
    expect(res.body.token).toMatch(/^st_[A-Za-z0-9_-]{43}$/);
    expect(res.body.user).toEqual({ username: 'budi', role: 'operator', opd: null });
    const expires = Date.parse(res.body.expiresAt);
    expect(expires).toBeGreaterThan(t0 + 8 * 3_600_000 - 60_000); // default SESSION_TTL_MS: 8 h
    expect(expires).toBeLessThan(Date.now() + 8 * 3_600_000 + 60_000);
    const token: string = res.body.token;

    const pub = await server.get('/api/v1/catalog');
    const cat = await server.get('/api/v1/catalog', token);
    expect(cat.status).toBe(200);
    const classes = (c: { body: { metrics: { class: string }[] } }) => new Set(c.body.metrics.map((m) => m.class));
    expect(classes(pub).has('terbatas')).toBe(false);
    expect(classes(cat).has('terbatas')).toBe(true);

    expect((await server.get('/api/v1/auth/me', token)).body).toEqual({ role: 'operator', opd: null, username: 'budi' });
    expect((await server.get('/api/v1/auth/me')).body).toEqual({ role: 'public', opd: null, username: null });

    const live = server.socket('/live', token);
    expect(await handshake(live)).toBe('connected');
    const ack = (await live.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['truck_load'], historyMinutes: 0 })) as Ack<Snapshot>;
    expect(ack.ok).toBe(true);
    live.disconnect();

    const ok = await audit('login.succeeded');
    expect(ok.at(-1)).toMatchObject({ actor: 'user:budi', source: expect.stringContaining('127.0.0.1') });
    expect(JSON.stringify(ok)).not.toContain(token);
  });

  it('binds an agency session to its OPD', async () => {
    const res = await server.login('siti.bpbd', 'kata-sandi-bpbd-1');
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ username: 'siti.bpbd', role: 'agency', opd: 'BPBD' });
    expect((await server.get('/api/v1/auth/me', res.body.token)).body).toEqual({ role: 'agency', opd: 'BPBD', username: 'siti.bpbd' });
    const cat = await server.get('/api/v1/catalog', res.body.token);
    const codes = cat.body.metrics.map((m: { code: string }) => m.code);
    expect(codes).toContain('pump_running'); // BPBD's own terbatas metric
    expect(codes).not.toContain('truck_load'); // DLH's terbatas metric, not shared
  });

  it('answers a wrong password and an unknown user alike (401), and audits both without the password', async () => {
    const wrong = await server.login('budi', 'not-the-password-1');
    const unknown = await server.login('nobody-here', 'not-the-password-2');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body).toEqual({ error: expect.any(String), details: [] });

    const failed = await audit('login.failed');
    const mine = failed.filter((e) => e.target === 'user:budi' || e.target === 'user:nobody-here');
    expect(mine.map((e) => e.detail.reason)).toEqual(['bad_password', 'unknown_user']);
    expect(mine.every((e) => e.actor === 'anonymous' && typeof e.source === 'string')).toBe(true);
    expect(JSON.stringify(failed)).not.toMatch(/not-the-password/);
    // a successful login later resets the count
    expect((await server.login('budi', 'kata-sandi-operator')).status).toBe(200);
  });

  it('rejects malformed login bodies with 400 and the usual error shape', async () => {
    const res = await server.post('/api/v1/auth/login', { username: 'budi' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.any(String), details: [expect.objectContaining({ path: 'password' })] });
  });

  it(`slows one (account, address) pair after ${MAX_FAILURES} failures with growing waits, never locking the account`, async () => {
    await server.user('lockme', 'kata-sandi-lockme', 'operator');
    const url = `${server.url}/api/v1/auth/login`;
    // a browser that logged in before holds a device secret
    const device: string = (await postFrom('127.0.0.9', url, { username: 'lockme', password: 'kata-sandi-lockme' })).body.device;
    expect(device).toMatch(/^dv_/);
    const answers: number[] = [];
    for (let i = 0; i < MAX_FAILURES; i++) answers.push((await postFrom('127.0.0.5', url, { username: 'lockme', password: `wrong-${i}` })).status);
    expect(answers).toEqual([...Array(MAX_FAILURES - 1).fill(401), 429]);

    // from that address, even the right password waits (and is not judged)
    const waiting = await postFrom('127.0.0.5', url, { username: 'lockme', password: 'kata-sandi-lockme' });
    expect(waiting.status).toBe(429);
    expect(waiting.body).toEqual({ error: expect.stringMatching(/retry in \d+ s/), details: [], retryAfterS: 1 });
    // the account itself works from elsewhere, and from the known device even behind the attacker's address
    expect((await postFrom('127.0.0.6', url, { username: 'lockme', password: 'kata-sandi-lockme' })).status).toBe(200);
    expect((await postFrom('127.0.0.5', url, { username: 'lockme', password: 'kata-sandi-lockme', device })).status).toBe(200);

    // the wait doubles with each failure past the free ones
    await new Promise((r) => setTimeout(r, 1_100));
    const second = await postFrom('127.0.0.5', url, { username: 'lockme', password: 'wrong-again' });
    expect(second.status).toBe(429);
    expect(second.body.retryAfterS).toBe(2);
    expect((await audit('login.throttled')).filter((e) => e.target === 'user:lockme').length).toBeGreaterThanOrEqual(2);
    expect(await audit('login.locked')).toEqual([]);
  });

  it('slows an unknown username the same way, so the wait reveals nothing', async () => {
    const url = `${server.url}/api/v1/auth/login`;
    const answers: number[] = [];
    for (let i = 0; i < MAX_FAILURES + 1; i++)
      answers.push((await postFrom('127.0.0.7', url, { username: 'ghost-user', password: `wrong-${i}` })).status);
    expect(answers).toEqual([...Array(MAX_FAILURES - 1).fill(401), 429, 429]);
  });

  it('`admin user unlock` clears the waits', async () => {
    await server.user('unlockme', 'kata-sandi-unlock', 'operator');
    const url = `${server.url}/api/v1/auth/login`;
    for (let i = 0; i < MAX_FAILURES; i++) await postFrom('127.0.0.8', url, { username: 'unlockme', password: `wrong-${i}` });
    expect((await postFrom('127.0.0.8', url, { username: 'unlockme', password: 'kata-sandi-unlock' })).status).toBe(429);
    await unlockUser(server.storage.pool, 'unlockme', CLI);
    expect((await postFrom('127.0.0.8', url, { username: 'unlockme', password: 'kata-sandi-unlock' })).status).toBe(200);
    expect((await audit('user.unlocked')).at(-1)).toMatchObject({ target: 'user:unlockme', actor: 'cli:test' });
  });

  it('limits login attempts per client address (429), leaving other addresses alone', async () => {
    const url = `${server.url}/api/v1/auth/login`;
    const statuses: number[] = [];
    // bodies that fail validation still count: the limit runs before anything else
    for (let i = 0; i < RATE_PER_MIN; i++) statuses.push((await postFrom('127.0.0.2', url, {})).status);
    expect(statuses.every((s) => s === 400)).toBe(true);
    const limited = await postFrom('127.0.0.2', url, { username: 'budi', password: 'kata-sandi-operator' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: expect.any(String), details: [], retryAfterS: expect.any(Number) });
    const other = await postFrom('127.0.0.3', url, { username: 'budi', password: 'kata-sandi-operator' });
    expect(other.status).toBe(200);
    // audited once per address and window, however many more are refused (issue 13, item 10)
    expect((await postFrom('127.0.0.2', url, {})).status).toBe(429);
    expect((await audit('login.rate_limited')).filter((e) => e.source === '127.0.0.2')).toHaveLength(1);
  });

  it('logout revokes the token: the open socket is closed, and the handshake and REST refuse it afterwards', async () => {
    const { body } = await server.login('budi', 'kata-sandi-operator');
    const token: string = body.token;
    const live = server.socket('/live', token);
    expect(await handshake(live)).toBe('connected');
    const closed = new Promise<string>((r) => live.once('disconnect', (reason) => r(reason)));

    expect(await post(server, '/api/v1/auth/logout', token)).toBe(204);
    expect(await closed).toBe('io server disconnect');

    expect((await server.get('/api/v1/catalog', token)).status).toBe(401);
    expect((await server.get('/api/v1/auth/me', token)).status).toBe(401);
    expect(await handshake(server.socket('/live', token))).toBe('unauthenticated');
    expect(await post(server, '/api/v1/auth/logout', token)).toBe(401);
    expect(await post(server, '/api/v1/auth/logout')).toBe(401);
    expect((await audit('logout')).at(-1)).toMatchObject({ actor: 'user:budi' });
  });

  it('refuses an expired session token', async () => {
    const { body } = await server.login('budi', 'kata-sandi-operator');
    const token: string = body.token;
    expect((await server.get('/api/v1/auth/me', token)).status).toBe(200);
    await server.storage.pool.query(`UPDATE access_token SET expires_at = now() - interval '1 second' WHERE prefix = $1`, [token.slice(0, 10)]);
    expect((await server.get('/api/v1/catalog', token)).status).toBe(401);
    expect(await handshake(server.socket('/live', token))).toBe('unauthenticated');
  });

  it('enforces TOTP for a user who enabled it, and refuses a replayed code', async () => {
    await server.user('admin-totp', 'kata-sandi-admin-1', 'admin');
    const { uri } = await enableTotp(server.storage.pool, 'admin-totp', CLI);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Sinergi:admin-totp\?/);
    const secret = new URL(uri).searchParams.get('secret')!;

    const missing = await server.login('admin-totp', 'kata-sandi-admin-1');
    expect(missing).toEqual({ status: 401, body: { error: expect.any(String), details: [], totpRequired: true } });
    const wrongCode = String((Number(await generate({ secret })) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await server.login('admin-totp', 'kata-sandi-admin-1', wrongCode);
    expect(wrong.status).toBe(401);
    expect(wrong.body.totpRequired).toBeUndefined();
    // a right code with a wrong password is still a wrong password
    expect((await server.login('admin-totp', 'not-the-password', await generate({ secret }))).status).toBe(401);

    const code = await generate({ secret });
    const ok = await server.login('admin-totp', 'kata-sandi-admin-1', code.replace(/(\d{3})/, '$1 '));
    expect(ok.status).toBe(200);
    expect(ok.body.user.role).toBe('admin');
    expect((await server.login('admin-totp', 'kata-sandi-admin-1', code)).status).toBe(401); // replay

    await expect(enableTotp(server.storage.pool, 'siti.bpbd', CLI)).rejects.toThrow(AccountError);
    expect((await audit('user.totp_enabled')).at(-1)).toMatchObject({ target: 'user:admin-totp', actor: 'cli:test', source: 'cli' });
    expect(JSON.stringify(await readAudit(server.storage.pool))).not.toContain(secret);
  });

  it('ends sessions when a role changes or a user is disabled; a disabled user gets the generic 401', async () => {
    await server.user('rani', 'kata-sandi-rani-1', 'operator');
    const first = (await server.login('rani', 'kata-sandi-rani-1')).body.token as string;
    await changeRole(server.storage.pool, 'rani', { role: 'agency', opd: 'DLH' }, CLI);
    expect((await server.get('/api/v1/auth/me', first)).status).toBe(401);
    const entry = (await audit('user.role_changed')).at(-1)!;
    expect(entry.detail).toMatchObject({ from: { role: 'operator', opd: null }, to: { role: 'agency', opd: 'DLH' } });

    const second = await server.login('rani', 'kata-sandi-rani-1');
    expect(second.body.user).toEqual({ username: 'rani', role: 'agency', opd: 'DLH' });
    await disableUser(server.storage.pool, 'rani', CLI);
    expect((await server.get('/api/v1/auth/me', second.body.token)).status).toBe(401);
    const disabled = await server.login('rani', 'kata-sandi-rani-1');
    expect(disabled).toEqual({ status: 401, body: { error: 'invalid username, password or code', details: [] } });
  });

  it('stores argon2id hashes only: no password and no token in the database', async () => {
    const { rows } = await server.storage.pool.query<{ password_hash: string; row: string }>(
      'SELECT password_hash, row_to_json(u)::text AS row FROM users u',
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const r of rows) expect(r.password_hash).toMatch(/^\$argon2id\$v=19\$(?=.*\bm=\d+)(?=.*\bt=\d+)[mtp=\d,]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    const all = rows.map((r) => r.row).join('\n');
    for (const pw of ['kata-sandi-operator', 'kata-sandi-bpbd-1', 'kata-sandi-admin-1', 'kata-sandi-rani-1']) expect(all).not.toContain(pw);

    const { body } = await server.login('budi', 'kata-sandi-operator');
    const { rows: tokens } = await server.storage.pool.query<{ row: string }>('SELECT row_to_json(t)::text AS row FROM access_token t');
    expect(tokens.map((t) => t.row).join('\n')).not.toContain(body.token);
  });
});

describe('production mode and the admin CLI', () => {
  const [, adminUrl] = backends[0]!;
  let url: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase(adminUrl);
    url = db.url;
    drop = db.drop;
  });
  afterAll(async () => drop?.());

  const productionConfig = () =>
    loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: url,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: join(tmpdir(), 'sinergi-unused'),
      LOG_LEVEL: 'silent',
    });

  it('refuses to start while a demo password is left, and starts once it is changed', async () => {
    const storage = await openStorage({ databaseUrl: url, dataDir: '/nonexistent' });
    try {
      await seedDemo(storage.pool);
      await expect(ensureDemoUsers(storage.pool, 'production', ['BPBD'], CLI)).rejects.toThrow(/production/);
      const demo = await ensureDemoUsers(
        storage.pool,
        'development',
        DEMO_OPD.map((o) => o.code),
        CLI,
      );
      expect(demo.map((u) => u.username)).toEqual(['operator', ...DEMO_OPD.map((o) => o.code.toLowerCase())]);
      // the demo passwords work outside production
      expect(demo.every((u) => u.password.startsWith('demo-'))).toBe(true);

      await expect(checkProductionSafety(storage.pool)).rejects.toThrow(ProductionSafetyError);
      await expect(startServer(productionConfig(), pino({ level: 'silent' }))).rejects.toThrow(/demo password.*operator/);

      await expect(changePassword(storage.pool, 'operator', 'demo-operator-2', CLI)).rejects.toThrow(/demo/);
      await changePassword(storage.pool, 'operator', 'sandi-baru-yang-panjang', CLI);
      for (const u of demo.slice(1)) await disableUser(storage.pool, u.username, CLI);
      await expect(checkProductionSafety(storage.pool)).resolves.toBeUndefined();
      // a second demo start leaves changed accounts alone and reports no usable demo account
      expect(
        await ensureDemoUsers(
          storage.pool,
          'development',
          DEMO_OPD.map((o) => o.code),
          CLI,
        ),
      ).toEqual([]);
    } finally {
      await storage.close();
    }
    const running = await startServer(productionConfig(), pino({ level: 'silent' }));
    try {
      // issue 13 (7): a demo account enabled again under the running server: `user enable` refuses, and if the
      // flag is set behind its back the login is still refused
      await expect(enableUser(running.storage.pool, 'bpbd', CLI)).rejects.toThrow(/demo password/);
      await running.storage.pool.query(`UPDATE users SET disabled_at = NULL WHERE username = 'bpbd'`);
      const login = (username: string, password: string) =>
        fetch(`${running.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
      const refused = await login('bpbd', 'demo-bpbd');
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: 'invalid username, password or code', details: [] });
      expect((await readAudit(running.storage.pool, { action: 'login.failed' })).at(-1)).toMatchObject({
        target: 'user:bpbd',
        detail: { reason: 'demo_password' },
      });
      expect((await login('operator', 'sandi-baru-yang-panjang')).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  function admin(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, '../../scripts/admin.ts'), ...args],
        // the server above keyed the audit chain with the key in its DATA_DIR: the CLI needs the same one
        { env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'development', DATA_DIR: join(tmpdir(), 'sinergi-unused') } },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(stdin);
    });
  }

  it('the CLI adds a user with the password from stdin, changes and lists it, and prints the TOTP URI once', async () => {
    const add = await admin(['user', 'add', '--username', 'Dewi', '--role', 'operator'], 'kata-sandi-dewi-1\n');
    expect(add).toMatchObject({ code: 0 });
    expect(add.stdout + add.stderr).not.toContain('kata-sandi-dewi-1');
    const weak = await admin(['user', 'add', '--username', 'eko', '--role', 'agency', '--agency', 'DLH'], 'pendek\n');
    expect(weak.code).not.toBe(0);
    expect(weak.stderr).toMatch(/at least 10 characters/);

    const totp = await admin(['user', 'totp', 'enable', '--username', 'dewi']);
    expect(totp.code).toBe(0);
    expect(totp.stdout).toMatch(/^otpauth:\/\/totp\/Sinergi:dewi\?secret=[A-Z2-7]+/);

    expect((await admin(['user', 'role', '--username', 'dewi', '--role', 'agency', '--agency', 'BPBD'])).code).toBe(0);
    expect((await admin(['user', 'passwd', '--username', 'dewi'], 'kata-sandi-dewi-2\n')).code).toBe(0);
    const list = await admin(['user', 'list']);
    const line = list.stdout.split('\n').find((l) => l.startsWith('dewi\t'));
    expect(line).toMatch(/^dewi\tagency\tBPBD\ttotp\t/);
    expect(list.stdout).not.toMatch(/\$argon2id\$/);

    const storage = await openStorage({ databaseUrl: url, dataDir: '/nonexistent' });
    try {
      const actions = (await readAudit(storage.pool)).filter((e) => e.target === 'user:dewi').map((e) => e.action);
      expect(actions).toEqual(['user.created', 'user.totp_enabled', 'user.role_changed', 'user.password_changed']);
    } finally {
      await storage.close();
    }
  });
});
