/**
 * Issue 18: three server processes sharing one database and one Redis (REDIS_URL), behind Debian's nginx with
 * the shipped cluster config (deploy/nginx/sinergi-cluster.conf, websocket only, no sticky sessions).
 *
 * - a client on process A receives, in order and without gaps or duplicates, every point ingested through B
 *   and C (one order of numbers per room, whichever process ingested);
 * - a write through B invalidates A's bucket cache;
 * - kill -9 of a process during a live stream: its clients reconnect through nginx to the others and resume by
 *   catch-up (or a snapshot) with nothing missed; the roll-ups and alerts move to a new leader;
 * - exactly one alert per threshold crossing, whichever processes the readings came through;
 * - a rate limit (login per address, ticket lookups per address) counts across processes; a notice reaches another process's /public.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ack } from '../../shared/ack';
import type { AlertsChanged, PointsAppended, Snapshot } from '../../shared/contract';
import { createAccessToken, createIngestKey } from '../../db/queries/credentials';
import { seedDemo } from '../../db/seed';
import { openStorage, type Storage } from '../../db/storage';
import { LiveStore } from '../../client/lib/live-store';
import { pointsChannel } from '../../client/lib/live-connection';
import { SyncEngine, syncSocketOf } from '../../client/lib/sync/engine';
import { createTestDatabase } from '../support/db';
import { connected, waitFor, type ClientSocket } from '../support/server';

const ROOT = join(import.meta.dirname, '../..');
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const exec = promisify(execFile);
const [, adminUrl] = Object.entries(inject('backends'))[0]!;

const nginxAvailable = existsSync(NGINX);
const redisAvailable = await (async () => {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
})();
if (process.env.CI === 'true' && (!nginxAvailable || !redisAvailable))
  throw new Error(
    `CI=true but ${nginxAvailable ? '' : `no nginx at ${NGINX} `}${redisAvailable ? '' : `no Redis at ${REDIS_URL}`}: the cluster test would be skipped`,
  );

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe.skipIf(!nginxAvailable || !redisAvailable)('three processes on Redis behind nginx', () => {
  let work: string;
  let storage: Storage;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const procs: { port: number; child: ChildProcess; log: string }[] = [];
  let nginx: ChildProcess;
  let lb: string;
  let keyBpbd: string;
  let operator: string;
  const prefix = `sinergi-test-${randomBytes(4).toString('hex')}:`;
  const sockets: ClientSocket[] = [];
  const direct = (i: number) => `http://127.0.0.1:${procs[i]!.port}`;
  const socketTo = (base: string, token?: string) => {
    const s: ClientSocket = connect(`${base}/live`, {
      transports: ['websocket'],
      auth: token ? { token } : {},
      forceNew: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 300,
      randomizationFactor: 0,
    });
    sockets.push(s);
    return s;
  };
  const ingest = async (base: string, points: object[]) => {
    const res = await fetch(`${base}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keyBpbd}` },
      body: JSON.stringify({ points }),
    });
    expect(res.status).toBe(202);
  };

  const spawnServer = async (): Promise<void> => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/index.ts')], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        HOST: '127.0.0.1',
        PORT: String(port),
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        LEADER_RETRY_MS: '300',
        STREAM_TICK_MS: '50',
        STORE_REFRESH_INTERVAL_MS: '1000',
        LOGIN_RATE_PER_MIN: '5',
        TICKET_LOOKUPS_PER_MIN: '4',
        // anonymous sockets per address (counted across processes) and the public API's snapshot period
        PUBLIC_SOCKETS_PER_ADDRESS: '4',
        PUBLIC_CACHE_MS: '30000',
        TRUST_PROXY: 'loopback',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'line',
        DATA_DIR: work,
        CLIENT_DIST_DIR: '/nonexistent',
        BACKUP_AT: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = { port, child, log: '' };
    child.stdout!.on('data', (d: Buffer) => (proc.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (proc.log += d.toString()));
    procs.push(proc);
    await waitFor(
      `process on ${port} to answer`,
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited: ${proc.log}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok;
      },
      // a process starts in ~3 s; a machine shared with other suites can make that much longer
      90_000,
    );
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sinergi-cluster-'));
    db = await createTestDatabase(adminUrl);
    storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
    await seedDemo(storage.pool);
    keyBpbd = (await createIngestKey(storage.pool, 'BPBD', 'cluster')).key;
    operator = (await createAccessToken(storage.pool, 'operator', null, 'cluster')).token;
    // the first process makes the audit key file the others then read; then two more, together
    await spawnServer();
    await Promise.all([spawnServer(), spawnServer()]);

    const listen = await freePort();
    let site = await readFile(join(ROOT, 'deploy/nginx/sinergi-cluster.conf'), 'utf8');
    const rewrites: [RegExp, string][] = [
      [/listen 8000;/, `listen 127.0.0.1:${listen};`],
      [/server 127\.0\.0\.1:8080 /, `server 127.0.0.1:${procs[0]!.port} `],
      [/server 127\.0\.0\.1:8081 /, `server 127.0.0.1:${procs[1]!.port} `],
      [/server 127\.0\.0\.1:8082 /, `server 127.0.0.1:${procs[2]!.port} `],
    ];
    for (const [pattern, replacement] of rewrites) {
      expect(site, `deploy/nginx/sinergi-cluster.conf no longer has ${pattern}`).toMatch(pattern);
      site = site.replace(pattern, replacement);
    }
    await writeFile(join(work, 'site.conf'), site);
    const temp = (d: string) => `${d}_temp_path ${join(work, `nginx-${d}`)};`;
    await writeFile(
      join(work, 'nginx.conf'),
      [
        process.getuid?.() === 0 ? 'user root;' : '',
        'worker_processes 1;',
        `pid ${join(work, 'nginx.pid')};`,
        `error_log ${join(work, 'nginx-error.log')} warn;`,
        'events { worker_connections 256; }',
        'http {',
        '  default_type application/octet-stream;',
        `  access_log ${join(work, 'nginx-access.log')};`,
        `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join(' ')}`,
        `  include ${join(work, 'site.conf')};`,
        '}',
      ].join('\n'),
    );
    await exec(NGINX, ['-t', '-p', work, '-c', join(work, 'nginx.conf')]);
    nginx = spawn(NGINX, ['-p', work, '-c', join(work, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    lb = `http://127.0.0.1:${listen}`;
    await waitFor('nginx to answer', async () => (await fetch(`${lb}/healthz`).catch(() => null))?.ok);
  }, 240_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const child of [nginx, ...procs.map((p) => p.child)]) {
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await storage?.close();
    await db?.drop();
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('a client on A receives every point ingested through B and C, in order, without gaps or duplicates', async () => {
    const s = socketTo(direct(0), operator);
    await connected(s);
    const got: PointsAppended[] = [];
    s.on('points:appended', (m) => got.push(m));
    const snap = (await s.timeout(5_000).emitWithAck('series:subscribe', { metrics: ['water_level'], historyMinutes: 0 })) as Ack<Snapshot>;
    if (!snap.ok) throw new Error(snap.error.message);
    const from = snap.data.metrics[0]!.seq;
    const t0 = Date.now() - 60_000;
    const N = 40;
    for (let i = 1; i <= N; i++) await ingest(direct(i % 2 ? 1 : 2), [{ metric: 'water_level', entity: 'PA-ORDER', time: t0 + i * 100, value: i }]);
    await waitFor('every point on A', () => got.flatMap((m) => m.points).filter((p) => p.v <= N && p.t > t0).length >= N || null);
    const seqs = got.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => from + 1 + i)); // one order, no gaps, no duplicates
    const values = got.flatMap((m) => m.points).map((p) => p.v);
    // every point once; what each process ingested in the order it ingested it (B and C each coalesce for a
    // tick: a point B took before C's may leave in C's message first, under the next number — one order still)
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(values.filter((v) => v % 2 === 1)).toEqual(Array.from({ length: N / 2 }, (_, i) => 2 * i + 1));
    expect(values.filter((v) => v % 2 === 0)).toEqual(Array.from({ length: N / 2 }, (_, i) => 2 * i + 2));
    s.disconnect();
  }, 60_000);

  it('a write through B invalidates the buckets A holds', async () => {
    const minute = Math.floor((Date.now() - 40 * 60_000) / 60_000) * 60_000;
    await ingest(direct(1), [{ metric: 'water_level', entity: 'PA-CACHE', time: minute + 1_000, value: 100 }]);
    const q = `/api/v1/series?metric=water_level&entity=PA-CACHE&bucket=1m&from=${new Date(minute - 30 * 60_000).toISOString()}&to=${new Date(minute + 30 * 60_000).toISOString()}`;
    const avg = async () => {
      const res = await fetch(direct(0) + q, { headers: { authorization: `Bearer ${operator}` } });
      const body = (await res.json()) as { series: { buckets: { t: number; avg: number }[] }[] };
      return body.series[0]?.buckets.find((b) => b.t === minute)?.avg ?? null;
    };
    await waitFor('the first reading in A’s answer (after a roll-up refresh)', async () => ((await avg()) === 100 ? true : null), 15_000);
    await avg(); // served (and kept) by A's cache now
    await ingest(direct(1), [{ metric: 'water_level', entity: 'PA-CACHE', time: minute + 2_000, value: 200 }]);
    await waitFor('the second reading in A’s answer', async () => ((await avg()) === 150 ? true : null), 15_000);
  }, 60_000);

  it('counts login attempts per address across processes (one limit, not one per process)', async () => {
    const login = async (i: number, username: string) =>
      (
        await fetch(`${direct(i)}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: 'salah-salah-salah' }),
        })
      ).status;
    const statuses: number[] = [];
    // a different username each time: the database's per-(username, address) throttle stays out of it
    for (const [n, i] of [0, 1, 2, 0, 1, 2].entries()) statuses.push(await login(i, `nobody-${n}`));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  }, 60_000);

  it('bounds the anonymous sockets of one address across processes (one limit, not one per process)', async () => {
    const citizen = (i: number) => {
      const s: ClientSocket = connect(`${direct(i)}/public`, { transports: ['websocket'], forceNew: true, reconnection: false });
      sockets.push(s);
      return new Promise<{ s: ClientSocket; error: string | null }>((resolve) => {
        s.once('connect', () => resolve({ s, error: null }));
        s.once('connect_error', (e) => resolve({ s, error: e.message }));
      });
    };
    // PUBLIC_SOCKETS_PER_ADDRESS=4: two on A, one on B, one on C, all from 127.0.0.1
    const open = [await citizen(0), await citizen(0), await citizen(1), await citizen(2)];
    expect(open.map((o) => o.error)).toEqual([null, null, null, null]);
    expect((await citizen(2)).error).toBe('too many connections from this address');
    expect((await citizen(1)).error).toBe('too many connections from this address');
    // one leaves A: its slot is free on every process
    open[0]!.s.disconnect();
    await waitFor('a slot given back across processes', async () => {
      const o = await citizen(1);
      return o.error === null ? o : (o.s.disconnect(), null);
    });
    expect((await citizen(2)).error).toBe('too many connections from this address');
    for (const o of open) o.s.disconnect();
  }, 60_000);

  it('serves one public snapshot per period for the whole cluster: the same numbers and ETag from every process', async () => {
    const get = async (i: number) => {
      const res = await fetch(`${direct(i)}/api/public/v1/metrics`);
      expect(res.status).toBe(200);
      return { etag: res.headers.get('etag'), body: await res.text() };
    };
    const first = await get(0);
    // a new publik reading: a process loading its own snapshot now would show it (and another ETag)
    await ingest(direct(1), [{ metric: 'water_level', entity: 'PA-SNAPSHOT', time: Date.now() - 1_000, value: 4.2 }]);
    await new Promise((r) => setTimeout(r, 300));
    const [b, c] = [await get(1), await get(2)];
    expect(first.body).not.toContain('PA-SNAPSHOT');
    expect(b).toEqual(first);
    expect(c).toEqual(first);
  }, 60_000);

  it('counts ticket lookups per address across processes, and a notice published on one is heard on another’s /public', async () => {
    const lookup = async (i: number, n: number) => (await fetch(`${direct(i)}/api/public/v1/tickets/LPR-CLUSTER-${n}`)).status;
    const statuses: number[] = [];
    for (const [n, i] of [0, 1, 2, 0, 1].entries()) statuses.push(await lookup(i, n));
    expect(statuses).toEqual([200, 200, 200, 200, 429]);

    // a slot among PUBLIC_SOCKETS_PER_ADDRESS (the test above gives its slots back asynchronously)
    const citizen = await waitFor('a public socket on process 1', async () => {
      const s: ClientSocket = connect(`${direct(1)}/public`, { transports: ['websocket'], forceNew: true, reconnection: false });
      sockets.push(s);
      const up = await new Promise<boolean>((resolve) => {
        s.once('connect', () => resolve(true));
        s.once('connect_error', () => resolve(false));
      });
      return up ? s : (s.disconnect(), null);
    });
    const heard: { seq: number; notices: { headline: string }[] }[] = [];
    citizen.on('notices:changed', (m) => heard.push(m));
    const ack = await citizen.timeout(10_000).emitWithAck('notices:subscribe', {});
    expect(ack.ok).toBe(true);
    const res = await fetch(`${direct(0)}/api/v1/notices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({
        kind: 'road_closure',
        headline: 'Jl. Klaster ditutup',
        description: 'Uji lintas proses.',
        geometry: { type: 'Point', coordinates: [110.42, -6.97] },
        validUntil: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    });
    expect(res.status).toBe(201);
    await waitFor('the notice on process 1', () => heard.find((m) => m.notices.some((x) => x.headline === 'Jl. Klaster ditutup')), 10_000);
    citizen.disconnect();
  }, 60_000);

  it('kill -9 of a process mid-stream: its clients reconnect through nginx and resume with nothing missed', async () => {
    const clients = Array.from({ length: 6 }, () => {
      const s = socketTo(lb, operator);
      const store = new LiveStore({ rawWindowMs: Infinity, maxAgeMs: 24 * 3_600_000, maxPointsPerSeries: 100_000 });
      store.track('water_level');
      const seen = { snapshots: 0, disconnects: 0 };
      s.on('disconnect', () => seen.disconnects++);
      const engine = new SyncEngine(
        syncSocketOf(s as never),
        [pointsChannel(store, ['water_level'])],
        { retryDelayMs: 200 },
        { snapshot: () => seen.snapshots++ },
      );
      return { s, store, seen, engine };
    });
    await waitFor('every client live', () => clients.every((c) => c.store.get('water_level')?.status === 'live') || null, 15_000);
    const t0 = Date.now() - 30_000;
    const N = 40;
    const victim = procs[0]!;
    for (let i = 1; i <= N; i++) {
      if (i === 12) victim.child.kill('SIGKILL');
      await ingest(direct(1 + (i % 2)), [{ metric: 'water_level', entity: 'PA-KILL', time: t0 + i * 100, value: 1_000 + i }]);
      await new Promise((r) => setTimeout(r, 60));
    }
    const expected = Array.from({ length: N }, (_, i) => 1_000 + i + 1);
    const valuesOf = (store: LiveStore) => {
      const st = store.get('water_level')!;
      const series = [...st.series.values()].find((b) => b.meta.entity === 'PA-KILL');
      return series ? series.v.filter((v) => v > 1_000) : [];
    };
    await waitFor('every client with every point', () => clients.every((c) => valuesOf(c.store).length === N) || null, 20_000);
    const moved = clients.filter((c) => c.seen.disconnects > 0);
    expect(moved.length).toBeGreaterThan(0); // nginx had put some clients on the killed process
    for (const c of clients) {
      expect(valuesOf(c.store)).toEqual(expected);
      expect(c.store.get('water_level')!.status).toBe('live');
      expect(c.s.connected).toBe(true);
    }
    // those on the killed process resumed by catch-up: no second snapshot was needed
    for (const c of moved) expect(c.seen.snapshots).toBe(1);
    for (const c of clients) c.engine.close();
  }, 60_000);

  it('raises exactly one alert per threshold crossing, whichever processes the readings came through (after a leader change too)', async () => {
    const s = socketTo(direct(1), operator);
    await connected(s);
    const seen: AlertsChanged[] = [];
    s.on('alerts:changed', (m) => seen.push(m));
    const t = Date.now() - 10_000;
    const point = (dt: number, value: number) => [{ metric: 'water_level', entity: 'PA-ONCE', time: t + dt, value }];
    // a crossing reported by two processes at once, then cleared, then crossed again
    await Promise.all([ingest(direct(1), point(0, 210)), ingest(direct(2), point(100, 215))]);
    await waitFor('the first alert', () => seen.some((m) => m.alerts.some((a) => a.entity === 'PA-ONCE')) || null, 15_000);
    await ingest(direct(2), point(200, 100));
    await waitFor('clearing', () => seen.some((m) => m.alerts.some((a) => a.entity === 'PA-ONCE' && a.clearedAt !== null)) || null, 15_000);
    await Promise.all([ingest(direct(1), point(300, 220)), ingest(direct(2), point(400, 221))]);
    await waitFor('the second alert', async () => {
      const { rows } = await storage.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM alert WHERE entity = 'PA-ONCE'`);
      return rows[0]!.n === 2 || null;
    });
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await storage.pool.query<{ n: number; open: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE cleared_at IS NULL)::int AS open FROM alert WHERE entity = 'PA-ONCE'`,
    );
    expect(rows[0]).toEqual({ n: 2, open: 1 });
    const opened = new Set(seen.flatMap((m) => m.alerts.filter((a) => a.entity === 'PA-ONCE').map((a) => a.id)));
    expect(opened.size).toBe(2);
    const seqs = seen.map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b)); // in order, once each
  }, 60_000);
});
