/** The real server on port 0 against a real database, seeded with the demo catalog and city. */
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/contract';
import { createAccessToken, createIngestKey } from '../../db/queries/credentials';
import { findUser } from '../../db/queries/users';
import { seedDemo } from '../../db/seed';
import { openStorage, type Storage } from '../../db/storage';
import { createApp, type App } from '../../server/app';
import { addUser } from '../../server/auth/accounts';
import type { BackupConfig, NotificationConfig } from '../../server/config';
import { DEFAULT_QUARANTINE_LIMITS, type QuarantineLimits } from '../../server/feeds/routes';
import type { HttpTimeouts } from '../../server/http/timeouts';
import type { OutboundBound } from '../../server/realtime/outbound';
import { allowedHostList } from '../../server/http/hosts';
import { createTestDatabase } from './db';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer {
  url: string;
  app: App;
  storage: Storage;
  key(opd: string): Promise<string>;
  token(role: 'admin' | 'operator' | 'agency', opd?: string): Promise<string>;
  socket(namespace: '/public' | '/live', token?: string): ClientSocket;
  post(path: string, body: unknown, key?: string): Promise<{ status: number; body: any }>;
  get(path: string, token?: string): Promise<{ status: number; body: any }>;
  /** Creates a user (argon2id, audited as created by `cli:test`) unless it exists. */
  user(username: string, password: string, role: 'admin' | 'operator' | 'agency', opd?: string): Promise<void>;
  /** POST /api/v1/auth/login; the raw answer (status and body). */
  login(username: string, password: string, totp?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  maxBodyBytes?: number;
  maxBatchItems?: number;
  streamTickMs?: number;
  clientDistDir?: string;
  port?: number;
  sessionTtlMs?: number;
  loginMaxFailures?: number;
  loginMaxDelayMs?: number;
  /** 'production' refuses demo passwords at login. */
  env?: 'development' | 'production' | 'test';
  loginRatePerMin?: number;
  ticketLookupsPerMin?: number;
  ingestRatePerMinPerKey?: number;
  ingestRatePerMinPerIp?: number;
  /** The wall's scenes file (absent: the built-in scenes). */
  wallScenesFile?: string;
  /** Nightly backups and their health readings (absent: none, as in most tests). */
  backup?: BackupConfig;
  /** Bearer token that opens GET /metrics to a peer other than loopback. */
  metricsToken?: string;
  /** Bodies of non-ingest /api routes (default 64 KiB, as in production). */
  maxApiBodyBytes?: number;
  /** Host names answered besides loopback (ALLOWED_HOSTS), and TRUST_PROXY. */
  allowedHosts?: string[];
  trustProxy?: false | number | string[];
  /** Open /public sockets per client address (PUBLIC_SOCKETS_PER_ADDRESS). */
  publicSocketsPerAddress?: number;
  /** Lifetime of the public view's snapshots (absent: the default, 5 s). */
  publicCacheMs?: number;
  /** Bounds on POST /api/v1/quarantine (absent: the defaults). */
  quarantine?: Partial<QuarantineLimits>;
  /** HTTP server timeouts (absent: the defaults). */
  httpTimeouts?: HttpTimeouts;
  /** Per-socket outbound bound (absent: the defaults). */
  outboundBound?: OutboundBound;
  /** Notifications that leave the app (absent: none delivered; messages wait in the outbox). */
  notifications?: NotificationConfig;
  webhookKey?: Buffer;
  /** The time watcher's interval (absent: no timer; tests call `app.watcher.tick()`). */
  watchIntervalMs?: number;
  /** Escalation subjects of each kind one watch round judges at most (absent: the default). */
  watchSubjectsPerRound?: number;
  /** The app's clock (absent: Date.now). */
  clock?: () => number;
  /** SCORECARD_PUBLIC (absent: off, the default). */
  scorecardPublic?: boolean;
  /** BASEMAP_DIR: where an imported PMTiles archive is read (absent: none is served). */
  basemapDir?: string;
}

export async function startTestServer(adminUrl: string, opts: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase(adminUrl);
  const storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent' });
  await seedDemo(storage.pool);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = await createApp({
    storage,
    log,
    clock: opts.clock,
    webhookKey: opts.webhookKey ?? null,
    config: {
      maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024,
      maxBatchItems: opts.maxBatchItems ?? 10_000,
      streamTickMs: opts.streamTickMs ?? 50,
      clientDistDir: opts.clientDistDir ?? '/nonexistent',
      corsOrigins: [],
      sessionTtlMs: opts.sessionTtlMs,
      loginMaxFailures: opts.loginMaxFailures,
      loginMaxDelayMs: opts.loginMaxDelayMs,
      env: opts.env,
      loginRatePerMin: opts.loginRatePerMin,
      ticketLookupsPerMin: opts.ticketLookupsPerMin,
      ingestRatePerMinPerKey: opts.ingestRatePerMinPerKey,
      ingestRatePerMinPerIp: opts.ingestRatePerMinPerIp,
      wallScenesFile: opts.wallScenesFile,
      backup: opts.backup,
      metricsToken: opts.metricsToken,
      maxApiBodyBytes: opts.maxApiBodyBytes,
      allowedHosts: opts.allowedHosts ? allowedHostList(opts.allowedHosts) : undefined,
      trustProxy: opts.trustProxy,
      publicSocketsPerAddress: opts.publicSocketsPerAddress,
      publicCacheMs: opts.publicCacheMs,
      quarantine: opts.quarantine ? { ...DEFAULT_QUARANTINE_LIMITS, ...opts.quarantine } : undefined,
      httpTimeouts: opts.httpTimeouts,
      outboundBound: opts.outboundBound,
      notifications: opts.notifications,
      watchIntervalMs: opts.watchIntervalMs,
      watchSubjectsPerRound: opts.watchSubjectsPerRound,
      scorecardPublic: opts.scorecardPublic,
      basemapDir: opts.basemapDir,
    },
  });
  await new Promise<void>((r) => app.httpServer.listen(opts.port ?? 0, '127.0.0.1', r));
  const address = app.httpServer.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const sockets: ClientSocket[] = [];
  const json = async (res: Response) => {
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return {
    url,
    app,
    storage,
    key: async (opd) => (await createIngestKey(storage.pool, opd, 'test')).key,
    token: async (role, opd) => (await createAccessToken(storage.pool, role, opd ?? null, 'test')).token,
    socket(namespace, token) {
      const s: ClientSocket = connect(`${url}${namespace}`, { transports: ['websocket'], auth: token ? { token } : {}, forceNew: true });
      sockets.push(s);
      return s;
    },
    async post(path, body, key) {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: await json(res) };
    },
    async get(path, token) {
      const res = await fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.status, body: await json(res) };
    },
    async user(username, password, role, opd) {
      if (await findUser(storage.pool, username)) return;
      await addUser(storage.pool, { username, password, role, opd: opd ?? null }, { actor: 'cli:test', source: 'cli' });
    },
    async login(username, password, totp) {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password, ...(totp !== undefined ? { totp } : {}) }),
      });
      return { status: res.status, body: await json(res) };
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await app.close();
      await new Promise((r) => app.httpServer.close(r));
      await storage.close();
      await db.drop();
    },
  };
}

/** Records the text of every statement the pool sends until `restore()`: how tests prove caching. */
export function spyOnQueries(pool: { query: unknown }): { queries: string[]; restore(): void } {
  const original = pool.query as (...a: unknown[]) => unknown;
  const queries: string[] = [];
  pool.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0];
    const text = typeof q === 'string' ? q : (q as { text?: unknown } | null)?.text;
    if (typeof text === 'string') queries.push(text);
    return original.apply(pool, args);
  };
  return {
    queries,
    restore: () => {
      pool.query = original;
    },
  };
}

/** Resolves once the socket is connected; rejects with the server's refusal. */
export function connected(s: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.connected) return resolve();
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
}

/** Resolves when `predicate` holds, polling; rejects with `what` after the timeout. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
