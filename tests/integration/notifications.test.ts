/**
 * Notifications that leave the app, against real peers the test starts (issue 16): an SMTP server (smtp-server)
 * receives the e-mail; an HTTP server receives the signed webhook; a failing peer gets retries with backoff and
 * ends in the dead letters, which an admin puts back; two deliverers never deliver one message twice; and a
 * server SIGKILLed mid-delivery neither loses nor duplicates a message (the restarted server delivers what was
 * in flight, once, after the dead claim's lease).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAccessToken } from '../../db/queries/credentials';
import { seedDemo } from '../../db/seed';
import { openStorage } from '../../db/storage';
import type { NotificationConfig } from '../../server/config';
import { enqueue, startOutboxWorker, type Transport } from '../../server/notifications/outbox';
import { verifyWebhook, webhookSecret } from '../../server/notifications/rules';
import { createWebhookTransport, WEBHOOK_ANSWER_BYTES } from '../../server/notifications/webhook';
import { createTestDatabase } from '../support/db';
import { startTestServer, waitFor, type TestServer } from '../support/server';

const [, adminUrl] = Object.entries(inject('backends'))[0]!;

interface Mail {
  to: string[];
  raw: string;
}
interface Hook {
  id: string;
  signature: string;
  body: string;
  json: any;
}

/** A real SMTP peer on port 0: keeps every message it accepted. */
async function startSmtp(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const port = (smtp.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise((r) => smtp.close(() => r())) };
}

/** A real HTTP peer on port 0 whose behaviour the test sets: answer, fail, or hold the request. */
function startHookPeer(): Promise<{
  url: string;
  received: Hook[];
  acknowledged: Hook[];
  dropped: Hook[];
  held: number;
  mode: 'ok' | 'fail' | { holdAfter: number };
  close(): Promise<void>;
}> {
  const peer = {
    url: '',
    received: [] as Hook[],
    acknowledged: [] as Hook[],
    dropped: [] as Hook[],
    held: 0,
    mode: 'ok' as 'ok' | 'fail' | { holdAfter: number },
    close: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const hook: Hook = {
        id: String(req.headers['x-sinergi-delivery']),
        signature: String(req.headers['x-sinergi-signature']),
        body,
        json: JSON.parse(body),
      };
      peer.received.push(hook);
      const answer = () => {
        if (req.socket.destroyed) return void peer.dropped.push(hook);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        peer.acknowledged.push(hook);
      };
      const mode = peer.mode;
      if (mode === 'fail') return void res.writeHead(503).end('gateway down');
      if (mode !== 'ok' && peer.acknowledged.length >= mode.holdAfter) {
        // held until the sender dies: its end of the connection closes, and nothing is acknowledged
        peer.held++;
        req.socket.once('close', () => {
          peer.held--;
          peer.dropped.push(hook);
        });
        return;
      }
      answer();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      peer.close = () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        });
      resolve(peer);
    }),
  );
}

const notifyConfig = (smtpPort: number | null, over: Partial<NotificationConfig> = {}): NotificationConfig => ({
  smtpUrl: smtpPort ? `smtp://127.0.0.1:${smtpPort}` : null,
  from: 'Sinergi <sinergi@kota.example.go.id>',
  webhookKeyFile: '/nonexistent',
  quiet: null,
  utcOffsetMin: 420,
  ratePerHour: 1_000,
  retry: { baseMs: 200, maxMs: 400, maxAttempts: 3 },
  linkBase: 'https://sinergi.kota.example.go.id',
  leaseMs: 5_000,
  pollMs: 100,
  timeoutMs: 2_000,
  ...over,
});

describe('e-mail and webhooks against real peers', () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let peer: Awaited<ReturnType<typeof startHookPeer>>;
  const key = randomBytes(32);
  let admin: string;
  let operator: string;
  let hookSecret: string;

  const post = async (path: string, body: unknown, token: string) => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    peer = await startHookPeer();
    server = await startTestServer(adminUrl, { notifications: notifyConfig(smtp.port), webhookKey: key });
    admin = await server.token('admin');
    operator = await server.token('operator');
    expect(
      (await post('/api/v1/notifications/routes', { opd: 'BPBD', role: 'head', channel: 'email', address: 'kalak@bpbd.example.go.id' }, admin))
        .status,
    ).toBe(201);
    const hook = await post('/api/v1/notifications/routes', { opd: 'BPBD', channel: 'webhook', address: peer.url }, admin);
    expect(hook.status).toBe(201);
    hookSecret = hook.body.secret;
    expect(hookSecret).toBe(webhookSecret(key, hook.body.id));
    // the listing never shows the secret again
    expect(JSON.stringify((await server.get('/api/v1/notifications/routes', admin)).body)).not.toContain(hookSecret);
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
    await peer?.close();
  });

  it('an incident for BPBD reaches its mailbox over SMTP and its gateway as a signed webhook, in Bahasa Indonesia with the link', async () => {
    const created = await post(
      '/api/v1/incidents',
      { from: { type: 'manual', lon: 110.42, lat: -6.97 }, title: 'Genangan 40 cm di Jl. Kaligawe', handlingOpd: 'BPBD', severity: 'siaga' },
      operator,
    );
    expect(created.status).toBe(201);
    const id = created.body.incident.id as number;
    const mail = await waitFor('the e-mail at the SMTP server', () => smtp.mails.find((m) => m.raw.includes(`Insiden #${id}`)), 10_000);
    expect(mail.to).toEqual(['kalak@bpbd.example.go.id']);
    expect(mail.raw).toMatch(/^Subject: .*SIAGA/m);
    expect(mail.raw).toContain(`https://sinergi.kota.example.go.id/agency#insiden/${id}`);
    expect(mail.raw).toMatch(/^Message-ID: <outbox-\d+@sinergi>/im);

    const hook = await waitFor('the webhook', () => peer.acknowledged.find((h) => h.json.incident?.id === id), 10_000);
    expect(verifyWebhook(hookSecret, hook.body, hook.signature, Date.now())).toBe(true);
    expect(verifyWebhook(webhookSecret(randomBytes(32), 1), hook.body, hook.signature, Date.now())).toBe(false);
    expect(hook.json).toMatchObject({ type: 'incident.created', severity: 'siaga', link: `https://sinergi.kota.example.go.id/agency#insiden/${id}` });
    expect(hook.json.text).toContain('Disposisi untuk BPBD');

    await waitFor(
      'both marked sent',
      async () => (await server.get('/api/v1/notifications/deliveries?status=sent', admin)).body.deliveries.length >= 2,
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^sinergi_notifications_outbox\{status="sent"\} [2-9]/m);
    expect(metrics).toMatch(/^sinergi_notification_attempts_total\{channel="webhook",outcome="delivered"\} \d/m);
  });

  it('a failing gateway gets retries with backoff, then the dead letters; an admin puts it back and it goes', async () => {
    peer.mode = 'fail';
    const created = await post(
      '/api/v1/incidents',
      { from: { type: 'manual', lon: 110.4, lat: -6.9 }, title: 'Pohon tumbang', handlingOpd: 'BPBD', severity: 'waspada' },
      operator,
    );
    const id = created.body.incident.id as number;
    const dead = await waitFor(
      'the dead letter',
      async () =>
        ((await server.get('/api/v1/notifications/deliveries?status=dead', admin)).body.deliveries as any[]).find(
          (d) => d.channel === 'webhook' && d.subject.includes(`#${id}`),
        ),
      15_000,
    );
    expect(dead.attempts).toBe(3);
    expect(dead.tries.map((t: any) => [t.ok, t.detail])).toEqual([
      [false, 'HTTP 503 gateway down'],
      [false, 'HTTP 503 gateway down'],
      [false, 'HTTP 503 gateway down'],
    ]);
    // backoff: 200 ms, then 400 ms between the attempts (at least)
    const gaps = dead.tries.slice(1).map((t: any, i: number) => t.time - dead.tries[i].time);
    expect(gaps[0]).toBeGreaterThanOrEqual(190);
    expect(gaps[1]).toBeGreaterThanOrEqual(390);
    peer.mode = 'ok';
    expect((await post(`/api/v1/notifications/deliveries/${dead.id}/retry`, {}, admin)).status).toBe(200);
    await waitFor('delivered after the retry', () => peer.acknowledged.some((h) => h.json.incident?.id === id), 10_000);
  });

  it('quiet hours hold back everything but Awas, in the outbox itself', async () => {
    const pool = server.storage.pool;
    await pool.query(`INSERT INTO notification_route (opd_code, channel, address) VALUES ('DISHUB', 'email', 'dishub@example.go.id')`);
    // 23:00 WIB, quiet 22:00-06:00: Siaga waits until 06:00 WIB (23:00 UTC the day before + 7 h), Awas goes now
    const at = Date.UTC(2026, 11, 6, 16, 0);
    const quiet = { startMin: 22 * 60, endMin: 6 * 60, offsetMin: 420 };
    const fact = (key: string, severity: 'siaga' | 'awas') => ({
      key,
      opd: 'DISHUB',
      roles: 'all' as const,
      severity,
      subject: key,
      text: key,
      payload: {},
    });
    await enqueue(pool, [fact('quiet:siaga', 'siaga'), fact('quiet:awas', 'awas')], at, { quiet });
    const rows = (
      await pool.query<{ severity: string; t: number }>(
        `SELECT severity, (extract(epoch FROM available_at) * 1000)::float8 AS t FROM notification_outbox WHERE dedupe_key LIKE 'quiet:%' ORDER BY severity`,
      )
    ).rows;
    expect(rows).toEqual([
      { severity: 'awas', t: at },
      { severity: 'siaga', t: Date.UTC(2026, 11, 6, 23, 0) },
    ]);
  });

  it('two deliverers on one outbox deliver every message exactly once', async () => {
    peer.mode = 'ok'; // whatever an earlier test left
    const pool = server.storage.pool;
    const route = (
      await pool.query(`INSERT INTO notification_route (opd_code, channel, address) VALUES ('DLH', 'webhook', $1) RETURNING id`, [peer.url])
    ).rows[0].id;
    const now = Date.now();
    await enqueue(
      pool,
      Array.from({ length: 30 }, (_, i) => ({
        key: `race:${i}`,
        opd: 'DLH',
        roles: 'all' as const,
        severity: 'siaga' as const,
        subject: `race ${i}`,
        text: 'x',
        payload: { race: i },
      })),
      now,
      { quiet: null },
    );
    // the same facts queued again (a retried request) are not queued twice
    await enqueue(pool, [{ key: 'race:0', opd: 'DLH', roles: 'all', severity: 'siaga', subject: 'race 0', text: 'x', payload: { race: 0 } }], now, {
      quiet: null,
    });
    const hook: Transport = async (row) => {
      const res = await fetch(row.address, { method: 'POST', headers: { 'x-sinergi-delivery': String(row.id) }, body: JSON.stringify(row.payload) });
      return `HTTP ${res.status}`;
    };
    const workers = [0, 1].map(() =>
      startOutboxWorker({
        pool,
        clock: Date.now,
        log: pino({ level: 'silent' }),
        transports: { email: null, webhook: hook },
        retry: { baseMs: 100, maxMs: 100, maxAttempts: 3 },
        leaseMs: 5_000,
        batch: 4,
        ratePerHour: 1_000,
        pollMs: 20,
      }),
    );
    try {
      await waitFor(
        'all 30 sent',
        async () =>
          (await pool.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE route_id = $1 AND status = 'sent'`, [route])).rows[0].n === 30,
        15_000,
      );
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const races = peer.acknowledged.filter((h) => typeof h.json.race === 'number').map((h) => h.json.race as number);
    expect(races.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});

describe('a server killed mid-delivery', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sinergi-notify-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('neither loses nor duplicates a queued notification', async () => {
    const db = await createTestDatabase(adminUrl);
    const storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
    await seedDemo(storage.pool);
    const peer = await startHookPeer();
    const key = randomBytes(32);
    await writeFile(join(dir, 'webhook.key'), key.toString('hex'), { mode: 0o600 });
    const route = (
      await storage.pool.query(`INSERT INTO notification_route (opd_code, channel, address) VALUES ('BPBD', 'webhook', $1) RETURNING id`, [peer.url])
    ).rows[0].id as number;
    const token = (await createAccessToken(storage.pool, 'operator', null, 'test')).token;
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => probe.once('listening', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const spawnServer = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../server/index.ts')], {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'error',
          CLIENT_DIST_DIR: '/nonexistent',
          DATA_DIR: dir,
          NOTIFY_WEBHOOK_KEY_FILE: join(dir, 'webhook.key'),
          NOTIFY_TIMEOUT_MS: '4000',
          NOTIFY_LEASE_MS: '5000',
          BACKUP_AT: 'off',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await waitFor('the server to be ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, 30_000);
      return child;
    };
    let child = await spawnServer();
    try {
      // three are answered, the rest held open when the server dies
      peer.mode = { holdAfter: 3 };
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/incidents`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ from: { type: 'manual', lon: 110.4, lat: -6.9 }, title: `Laporan ${i}`, handlingOpd: 'BPBD' }),
        });
        expect(res.status).toBe(201);
        ids.push(((await res.json()) as any).incident.id);
      }
      const sent = async () =>
        (await storage.pool.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE route_id = $1 AND status = 'sent'`, [route])).rows[0]
          .n as number;
      await waitFor(
        'three delivered and marked, three in flight',
        async () => peer.acknowledged.length === 3 && peer.held === 3 && (await sent()) === 3,
        15_000,
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await waitFor('the held requests to see the sender die', () => peer.dropped.length === 3, 5_000);
      expect(await sent()).toBe(3);

      peer.mode = 'ok';
      child = await spawnServer();
      await waitFor('every message delivered after the lease of the dead claim', async () => (await sent()) === 6, 30_000);
      const byIncident = new Map<number, number>();
      for (const h of peer.acknowledged) byIncident.set(h.json.incident.id, (byIncident.get(h.json.incident.id) ?? 0) + 1);
      expect([...byIncident.keys()].sort((a, b) => a - b)).toEqual(ids);
      expect([...byIncident.values()]).toEqual([1, 1, 1, 1, 1, 1]);
      for (const h of peer.acknowledged) expect(verifyWebhook(webhookSecret(key, route), h.body, h.signature, Date.now())).toBe(true);
      const rows = (await storage.pool.query(`SELECT status, attempts FROM notification_outbox WHERE route_id = $1 ORDER BY id`, [route])).rows;
      expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
      expect(rows.filter((r) => r.attempts === 2)).toHaveLength(3); // the in-flight ones: claimed twice, delivered once
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await peer.close();
      await storage.close();
      await db.drop();
    }
  }, 120_000);
});

describe('a hostile webhook peer', () => {
  /** Answers every POST with `status` and an endless body (64 MiB at most), counting what it managed to write. */
  async function startFlood(status: number): Promise<{ url: string; written: () => number; closed: Promise<void>; close(): Promise<void> }> {
    let written = 0;
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'text/plain' });
      const pump = () => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', closedResolve);
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${port}/hook`,
      written: () => written,
      closed,
      close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
    };
  }
  const row = (address: string) => ({
    id: 1,
    channel: 'webhook' as const,
    address,
    routeId: 1,
    severity: 'siaga' as const,
    subject: 's',
    body: 'b',
    payload: {},
    attempts: 0,
    leaseUntil: Date.now() + 60_000,
  });

  it('reads at most 200 bytes of the answer and hangs up, whatever the peer streams', async () => {
    for (const status of [200, 500]) {
      const peer = await startFlood(status);
      try {
        const send = createWebhookTransport({ key: randomBytes(32), timeoutMs: 60_000, clock: Date.now });
        const outcome = await send(row(peer.url)).then(
          (ok) => ({ ok: true, text: ok }),
          (e: Error) => ({ ok: false, text: e.message }),
        );
        // the peer sees the connection closed long before its 64 MiB are out (only what the sockets buffer left it)
        await peer.closed;
        expect(peer.written()).toBeLessThan(16 * 1024 * 1024);
        if (status === 200) expect(outcome).toEqual({ ok: true, text: 'HTTP 200' });
        else {
          expect(outcome.ok).toBe(false);
          expect(outcome.text).toBe(`HTTP 500 ${'x'.repeat(WEBHOOK_ANSWER_BYTES)}`);
        }
      } finally {
        await peer.close();
      }
    }
  });
});
