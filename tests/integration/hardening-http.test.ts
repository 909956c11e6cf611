/**
 * Issue 13, the HTTP door, as an outside attacker tries it: bodies parsed before any credential (13), numbers
 * that reach SQL unchecked (14), a foreign Host header (DNS rebinding), X-Forwarded-For from a client, a TOTP
 * prompt that confirms a password, and raw quarantined records of classes an operator may not read (16).
 */
import { request as httpRequest } from 'node:http';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generate } from 'otplib';
import { readAudit } from '../../db/queries/audit';
import { insertQuarantine } from '../../db/queries/feeds';
import { enableTotp } from '../../server/auth/accounts';
import { loadConfig } from '../../server/config';
import { startTestServer, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;

/** A raw request (fetch will not send a chosen Host header). */
function raw(
  url: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: any }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

let server: TestServer;
let proxied: TestServer;

beforeAll(async () => {
  server = await startTestServer(adminUrl, { maxBodyBytes: 4 * 1024 * 1024, allowedHosts: ['sinergi.test', 'wall.sinergi.test:8443'] });
  proxied = await startTestServer(adminUrl, { trustProxy: ['loopback'] });
});
afterAll(async () => {
  await server?.close();
  await proxied?.close();
});

describe('bodies (13)', () => {
  it('parses no more than the small limit on routes anyone may call', async () => {
    const big = JSON.stringify({ username: 'operator', password: 'x'.repeat(200_000) });
    const res = await server.post('/api/v1/auth/login', big);
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/larger than 65536 bytes/);
  });

  it('reads an ingest body only after the key: without one, even broken JSON is a 401', async () => {
    const res = await server.post('/api/v1/ingest', '{"points": [' + '1,'.repeat(500_000));
    expect(res.status).toBe(401);
    const events = await server.post('/api/v1/events', '{', 'sk_not-a-key-at-all');
    expect(events.status).toBe(401);
  });

  it('takes a large batch with a valid key', async () => {
    const key = await server.key('BPBD');
    const now = Date.now();
    const points = Array.from({ length: 8_000 }, (_, i) => ({
      metric: 'water_level',
      entity: 'PA-BIG',
      time: now - 3_600_000 + i * 100,
      value: 100,
    }));
    const body = JSON.stringify({ points });
    expect(body.length).toBeGreaterThan(64 * 1024);
    const res = await server.post('/api/v1/ingest', body, key);
    expect(res.status).toBe(202);
  });
});

describe('numbers in paths and queries (14)', () => {
  it('answers 400 to an alert id beyond bigint, a fraction, a negative', async () => {
    const token = await server.token('operator');
    for (const id of ['99999999999999999999', '1.5', '-1', '0x10', '1e3']) {
      const res = await fetch(`${server.url}/api/v1/alerts/${id}/acknowledge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ note: 'checked' }),
      });
      expect(res.status, id).toBe(400);
    }
  });

  it('answers 400 to ?limit=1.5 on the quarantine list', async () => {
    const token = await server.token('operator');
    for (const limit of ['1.5', '-3', '1e40', 'abc', '99999999999999999999']) {
      expect((await server.get(`/api/v1/quarantine?limit=${limit}`, token)).status, limit).toBe(400);
    }
    expect((await server.get('/api/v1/quarantine?limit=5', token)).status).toBe(200);
  });
});

describe('host names (16)', () => {
  it('refuses a Host header that is not ours, on the API and the socket handshake', async () => {
    expect((await raw(server.url, '/api/public/v1/regions', { headers: { host: 'rebind.attacker.example' } })).status).toBe(421);
    expect((await raw(server.url, '/api/public/v1/regions', { headers: { host: 'wall.sinergi.test:80' } })).status).toBe(421);
    expect((await raw(server.url, '/api/public/v1/regions', { headers: { host: 'sinergi.test:443' } })).status).toBe(200);
    expect((await raw(server.url, '/api/public/v1/regions', { headers: { host: 'sinergi.test' } })).status).toBe(200);
    expect((await raw(server.url, '/api/public/v1/regions', { headers: { host: 'wall.sinergi.test:8443' } })).status).toBe(200);
    expect((await raw(server.url, '/healthz', { headers: { host: 'localhost:9999' } })).status).toBe(200);
    const s = connect(`${server.url}/public`, { transports: ['websocket'], forceNew: true, extraHeaders: { host: 'rebind.attacker.example' } });
    const refused = await new Promise<boolean>((resolve) => {
      s.once('connect', () => resolve(false));
      s.once('connect_error', () => resolve(true));
    });
    s.disconnect();
    expect(refused).toBe(true);
  });

  it('reads ALLOWED_HOSTS and TRUST_PROXY from the environment, refusing junk and trust-everyone', () => {
    const c = loadConfig({ ALLOWED_HOSTS: 'Sinergi.Example.go.id, 10.0.0.5:8080', TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    expect(c.allowedHosts).toEqual(expect.arrayContaining(['sinergi.example.go.id', '10.0.0.5:8080', 'localhost', '127.0.0.1', '[::1]']));
    expect(c.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ ALLOWED_HOSTS: 'http://x/' })).toThrow(/ALLOWED_HOSTS/);
  });
});

describe('client addresses (16)', () => {
  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    await proxied.user('rudi', 'kata-sandi-rudi-1', 'operator');
    await raw(proxied.url, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
      body: JSON.stringify({ username: 'rudi', password: 'wrong-password' }),
    });
    expect((await readAudit(proxied.storage.pool, { action: 'login.failed' })).at(-1)).toMatchObject({ source: '198.51.100.7' });
    // the default server trusts nobody: the claim is ignored
    await server.user('rudi', 'kata-sandi-rudi-1', 'operator');
    await raw(server.url, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7' },
      body: JSON.stringify({ username: 'rudi', password: 'wrong-password' }),
    });
    expect((await readAudit(server.storage.pool, { action: 'login.failed' })).at(-1)!.source).toMatch(/127\.0\.0\.1/);
  });
});

describe('TOTP (16)', () => {
  it('asks for the code alike whether the password was right or wrong', async () => {
    await server.user('admin-totp', 'kata-sandi-admin-1', 'admin');
    const { uri } = await enableTotp(server.storage.pool, 'admin-totp', { actor: 'cli:test', source: 'cli' });
    const right = await server.login('admin-totp', 'kata-sandi-admin-1');
    const wrong = await server.login('admin-totp', 'not-the-password');
    expect(right).toEqual({ status: 401, body: { error: expect.any(String), details: [], totpRequired: true } });
    expect(wrong).toEqual(right);
    const secret = new URL(uri).searchParams.get('secret')!;
    expect((await server.login('admin-totp', 'not-the-password', await generate({ secret }))).status).toBe(401);
    expect((await server.login('admin-totp', 'kata-sandi-admin-1', await generate({ secret }))).status).toBe(200);
  });
});

describe('quarantine classes (16)', () => {
  it('shows an operator raw records only of OPDs whose data it may read whole', async () => {
    await server.storage.pool.query(
      `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s)
       VALUES ('informant_tip', 'sanitation', 'DLH', 'rahasia', 'count', 'Laporan rahasia', 'Confidential tip', 60) ON CONFLICT DO NOTHING`,
    );
    await server.app.catalog.reload();
    const entry = { origin: 'x.csv:1', reason: 'bad', mappingVersion: null, time: Date.now() };
    await insertQuarantine(server.storage.pool, 'DLH', [{ ...entry, source: 'dlh-tips', opd: 'DLH', data: 'informant=Budi;tip=…' }]);
    await insertQuarantine(server.storage.pool, 'BPBD', [{ ...entry, source: 'bpbd-tma', opd: 'BPBD', data: 'PA-1;120' }]);
    const token = await server.token('operator');
    const res = await server.get('/api/v1/quarantine', token);
    expect(res.status).toBe(200);
    const sources = res.body.entries.map((e: { source: string }) => e.source);
    expect(sources).toContain('bpbd-tma');
    expect(sources).not.toContain('dlh-tips');
  });
});
