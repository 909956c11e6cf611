/**
 * Configuration: process.env read here only, once, through zod, into a frozen object. Units in names.
 */
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { allowedHostList, parseHost } from './http/hosts';
import { DEFAULT_LICENSE, LICENSE_ID, parseLicenseOverrides, type LicenseConfig } from './opendata/license';
import { PUBLIC_VIEW_DEFAULTS } from './public/defaults';
import { PUBLIC_LIMITS } from './realtime/socket';
import { DEFAULT_BUCKET_CACHE } from '../db/bucket-cache';
import { DEFAULT_QUARANTINE_LIMITS, type QuarantineLimits } from './feeds/routes';
import { DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from './http/timeouts';
import { checkStorePolicy, DEFAULT_STORE_POLICY, type StorePolicy } from '../db/store-jobs';
import { DEFAULT_RETRY, parseQuietHours, type QuietHours, type RetryPolicy } from './notifications/rules';
import { DEFAULT_UNRESOLVED_DAYS } from '../shared/works';
import { parseCron, type CronSpec } from './briefing/schedule';

const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

/**
 * Which peers' X-Forwarded-For is believed (express `trust proxy`): `off` (default: the peer is the client),
 * a hop count, or names/addresses/CIDRs (`loopback`, `uniquelocal`, `10.0.0.0/8`, …). `true` (believe anyone) is
 * refused: every client could then name its own address and escape per-address limits.
 */
const trustProxy = z
  .string()
  .default('off')
  .transform((v, ctx): false | number | string[] => {
    const s = v.trim().toLowerCase();
    if (s === '' || s === 'off' || s === 'false') return false;
    if (/^\d{1,2}$/.test(s)) return Number(s);
    const parts = s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const ok = (p: string) => ['loopback', 'linklocal', 'uniquelocal'].includes(p) || isIP(p.split('/')[0]!) !== 0;
    const bad = parts.find((p) => !ok(p) || (p.includes('/') && !/^\d{1,3}$/.test(p.split('/')[1]!)));
    if (bad !== undefined || parts.length === 0) {
      ctx.addIssue({ code: 'custom', message: `'${bad ?? v}': use off, a hop count, loopback, uniquelocal, linklocal, addresses or CIDRs` });
      return z.NEVER;
    }
    return parts;
  });

/** Bodies of /api routes other than ingest (login, acknowledgements, CKAN POST). */
export const DEFAULT_API_BODY_BYTES = 64 * 1024;

/** Ingest requests per minute: per key (a worker per OPD) and per client address (a few OPD per host). */
export const DEFAULT_INGEST_RATE = Object.freeze({ perMinPerKey: 6_000, perMinPerIp: 20_000 });
/** Ticket lookups and ratings per client address and minute (TICKET_LOOKUPS_PER_MIN). */
export const DEFAULT_TICKET_LOOKUPS_PER_MIN = 10;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Unset: the embedded PostgreSQL in DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Where `admin basemap import` keeps a PMTiles archive and the server reads it; default DATA_DIR/basemap. */
  BASEMAP_DIR: z.string().min(1).optional(),
  CLIENT_DIST_DIR: z.string().min(1).default('./dist/client'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  /** JSON bodies of every other /api route (login, acknowledgements, CKAN): parsed before any credential is known. */
  MAX_API_BODY_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_API_BODY_BYTES),
  MAX_BATCH_ITEMS: z.coerce.number().int().min(1).default(50_000),
  /** A boundary file sent to POST /api/v1/admin/regions/import (admins only; read after the token is checked). */
  REGIONS_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  /** A live channel's rate bound: one message per tick on average, sent at once while within it (server/realtime/pacing.ts). */
  STREAM_TICK_MS: z.coerce.number().int().min(10).max(5_000).default(100),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Login sessions: lifetime, failures per (username, address) before waits start, longest wait, login attempts per client address. */
  SESSION_TTL_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(8 * 3_600_000),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_MAX_DELAY_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(15 * 60_000),
  LOGIN_RATE_PER_MIN: z.coerce.number().int().min(1).default(20),
  /** Ticket lookups and ratings per client address and minute (issue 21: a ticket number is a capability). */
  TICKET_LOOKUPS_PER_MIN: z.coerce.number().int().min(1).default(DEFAULT_TICKET_LOOKUPS_PER_MIN),
  INGEST_RATE_PER_MIN_PER_KEY: z.coerce.number().int().min(1).default(DEFAULT_INGEST_RATE.perMinPerKey),
  INGEST_RATE_PER_MIN_PER_IP: z.coerce.number().int().min(1).default(DEFAULT_INGEST_RATE.perMinPerIp),
  /** Origins allowed to call the API from a browser; empty means same-origin only. */
  CORS_ORIGINS: csv,
  /** Host names this server answers to (`name` or `name:port`); loopback names always (server/http/hosts.ts). */
  ALLOWED_HOSTS: csv.refine((hosts) => hosts.every((h) => parseHost(h) !== null), 'each entry is a host name or address, optionally with :port'),
  TRUST_PROXY: trustProxy,
  /** Smallest complaint count the public view publishes; 1..k-1 are suppressed. */
  PUBLIC_K_ANONYMITY: z.coerce.number().int().min(2).max(100).default(PUBLIC_VIEW_DEFAULTS.kAnonymity),
  /** Open /public sockets per client address, and the bytes of anonymous live snapshots kept (server/realtime/socket.ts). */
  PUBLIC_SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).default(PUBLIC_LIMITS.socketsPerAddress),
  PUBLIC_SNAPSHOT_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .default(PUBLIC_LIMITS.snapshotCacheBytes),
  /** How long one public snapshot is served (also its Cache-Control max-age). */
  PUBLIC_CACHE_MS: z.coerce.number().int().min(1_000).max(300_000).default(PUBLIC_VIEW_DEFAULTS.cacheMs),
  /** Licence of every open dataset (SPDX id), unless OPEN_DATA_LICENSES names another for a dataset. */
  OPEN_DATA_LICENSE: z.string().trim().regex(LICENSE_ID, 'an SPDX licence id, e.g. CC-BY-4.0').default(DEFAULT_LICENSE),
  /** Per-dataset licences: `dataset-id=LICENSE,…` (e.g. `proyek-pembangunan=CC0-1.0`). */
  OPEN_DATA_LICENSES: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const r = parseLicenseOverrides(v);
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }),
  /** The wall's scenes and playlist (YAML); re-read when it changes, a bad version keeps the last good one. */
  WALL_SCENES_FILE: z.string().min(1).default('./config/scenes.yaml'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` for log shippers (default in production), `line`: one readable line per event (default elsewhere). */
  LOG_FORMAT: z.enum(['json', 'line']).optional(),
  /** GET /metrics from anywhere but loopback needs `Authorization: Bearer <token>`; unset: loopback only. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Nightly backups (server/backup/): where, a second copy (another disk), when (HH:MM server time, or `off`), how many kept. */
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_COPY_DIR: z.string().min(1).optional(),
  BACKUP_AT: z
    .string()
    .regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'HH:MM (24 h, server time) or off')
    .default('02:30'),
  BACKUP_KEEP_DAILY: z.coerce.number().int().min(1).max(366).default(7),
  BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).max(520).default(4),
  /** Where the audit head is anchored outside the database (copy it off the host); default DATA_DIR/audit-anchors. */
  AUDIT_ANCHOR_DIR: z.string().min(1).optional(),
  /** The audit chain's HMAC key (server/audit/key.ts); the server creates it on first start. Default DATA_DIR/audit-hmac.key. */
  AUDIT_HMAC_KEY_FILE: z.string().min(1).optional(),
  /** Time-series store: raw points and each roll-up level are kept this many days; TimescaleDB compresses raw chunks older than STORE_COMPRESS_AFTER_DAYS. */
  STORE_RAW_RETENTION_DAYS: z.coerce.number().int().min(2).default(DEFAULT_STORE_POLICY.rawRetentionDays),
  STORE_ROLLUP_1M_RETENTION_DAYS: z.coerce.number().int().min(2).default(DEFAULT_STORE_POLICY.rollup1mRetentionDays),
  STORE_ROLLUP_1H_RETENTION_DAYS: z.coerce.number().int().min(2).default(DEFAULT_STORE_POLICY.rollup1hRetentionDays),
  STORE_COMPRESS_AFTER_DAYS: z.coerce.number().int().min(1).default(DEFAULT_STORE_POLICY.compressAfterDays),
  /** How often the app refreshes roll-ups, and runs compression/retention, where the database does not. */
  /** Dig-once check (issue 20): projects of different OPDs this close (metres) … */
  OVERLAP_DISTANCE_M: z.coerce.number().min(0).max(5_000).default(50),
  /** … whose periods overlap or follow within this many months conflict. */
  OVERLAP_WINDOW_MONTHS: z.coerce.number().int().min(0).max(60).default(12),
  /** … and an open conflict detected more than this many days ago is listed as unresolved (the scorecard's list). */
  OVERLAP_UNRESOLVED_DAYS: z.coerce.number().int().min(0).max(3_650).default(DEFAULT_UNRESOLVED_DAYS),
  STORE_REFRESH_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(10_000),
  STORE_MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(60_000).default(3_600_000),
  /** Settled 1-minute/1-hour buckets kept in memory for dashboards (db/bucket-cache.ts); 0 turns the cache off. ~170 bytes of heap each. */
  STORE_CACHE_MAX_BUCKETS: z.coerce.number().int().min(0).default(DEFAULT_BUCKET_CACHE.maxBuckets),
  /** A cached chunk is re-read after this long (bounds what writes outside this process can leave stale). */
  STORE_CACHE_TTL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(DEFAULT_BUCKET_CACHE.ttlMs),
  /** HTTP: time to receive a request's headers, the whole request (body included), and an idle keep-alive connection. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(DEFAULT_HTTP_TIMEOUTS.headersMs),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(DEFAULT_HTTP_TIMEOUTS.requestMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(DEFAULT_HTTP_TIMEOUTS.keepAliveMs),
  /** POST /api/v1/quarantine: requests per minute per key; unresolved rows kept per OPD (more are counted, not stored); days resolved rows are kept. */
  QUARANTINE_RATE_PER_MIN_PER_KEY: z.coerce.number().int().min(1).default(DEFAULT_QUARANTINE_LIMITS.perMinPerKey),
  QUARANTINE_MAX_UNRESOLVED_PER_OPD: z.coerce.number().int().min(1).default(DEFAULT_QUARANTINE_LIMITS.maxUnresolvedPerOpd),
  QUARANTINE_RETENTION_DAYS: z.coerce.number().int().min(1).default(DEFAULT_QUARANTINE_LIMITS.retentionDays),
  /** Notifications (issue 16): the SMTP server e-mail goes through (`smtp://user:pass@host:587`, `smtps://…`); unset: no e-mail channel. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'smtp://host:port or smtps://user:pass@host:port')
    .optional(),
  NOTIFY_FROM: z.string().min(3).max(200).default('Sinergi <sinergi@localhost>'),
  /** The key webhook secrets are derived from (one per route); created on first start. Default DATA_DIR/webhook-hmac.key. */
  NOTIFY_WEBHOOK_KEY_FILE: z.string().min(1).optional(),
  /** Quiet hours (`22:00-06:00`, city time): only Awas goes out then; empty: none. */
  NOTIFY_QUIET_HOURS: z.string().default(''),
  /** The city's zone as minutes east of UTC (WIB 420, WITA 480, WIT 540). */
  NOTIFY_UTC_OFFSET_MIN: z.coerce.number().int().min(-720).max(840).default(420),
  /** Messages per hour to one address (mailbox or webhook), Awas excepted; more wait their turn. */
  NOTIFY_RATE_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(30),
  /** Delivery attempts before a message goes to the dead letters. */
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(DEFAULT_RETRY.maxAttempts),
  /** The address links in messages start with (the surfaces' public URL); default http://HOST:PORT. */
  NOTIFY_LINK_BASE: z.url().optional(),
  /** A delivery's timeout, and how long a claim on an outbox row holds (longer: a process killed mid-delivery leaves its rows to others after it). */
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(15_000),
  NOTIFY_LEASE_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
  /** How often time is watched: escalations, reminders, silent feeds, overdue complaints. */
  WATCH_INTERVAL_MS: z.coerce.number().int().min(1_000).max(600_000).default(15_000),
  /** Escalation subjects of each kind (alerts, incidents past target, watch alerts) one watch round judges at most (the next round goes on from there). */
  WATCH_SUBJECTS_PER_ROUND: z.coerce.number().int().min(1).max(100_000).default(500),
  /** Issue 19: the OPD scorecard's shares on the public page (k-protected like the other public figures); off by default. */
  SCORECARD_PUBLIC: z
    .enum(['on', 'off', 'true', 'false', '1', '0'])
    .default('off')
    .transform((v) => v === 'on' || v === 'true' || v === '1'),
  /** When the weekly briefing is made: five-field cron (minute hour day-of-month month day-of-week) in city time (NOTIFY_UTC_OFFSET_MIN); `off`: never by itself. */
  BRIEFING_SCHEDULE: z.string().default('0 7 * * 1'),
  /** Set: this process is one of several sharing live rooms, numbering, caches and rate limits through Redis (needs DATABASE_URL). */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Prefix of every Redis key and channel (several deployments may share one Redis). */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/)
    .default('sinergi:'),
  /** How often a follower tries to become the leader (exactly-once jobs), and the leader checks its lock. */
  LEADER_RETRY_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** `npm run cluster`: how many server processes to start (ports PORT … PORT + n − 1). */
  CLUSTER_PROCESSES: z.coerce.number().int().min(1).max(64).default(2),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  /** The PMTiles basemap's directory (BASEMAP_DIR, default DATA_DIR/basemap). */
  basemapDir: string;
  clientDistDir: string;
  /** Ingest routes only (ingest, events, quarantine, projects, entities, source health), after the key check. */
  maxBodyBytes: number;
  maxApiBodyBytes: number;
  regionsImportMaxBytes: number;
  maxBatchItems: number;
  streamTickMs: number;
  dbPoolSize: number;
  sessionTtlMs: number;
  loginMaxFailures: number;
  /** The longest wait a failing (username, address) pair is given; failures slow, never lock (server/auth/throttle.ts). */
  loginMaxDelayMs: number;
  loginRatePerMin: number;
  ticketLookupsPerMin: number;
  ingestRatePerMinPerKey: number;
  ingestRatePerMinPerIp: number;
  corsOrigins: readonly string[];
  /** ALLOWED_HOSTS with the loopback names and a specific listen address added. */
  allowedHosts: readonly string[];
  trustProxy: false | number | readonly string[];
  publicSocketsPerAddress: number;
  publicSnapshotCacheBytes: number;
  publicKAnonymity: number;
  publicCacheMs: number;
  /** Open-data licences (server/opendata/license.ts). */
  openDataLicense: Readonly<LicenseConfig>;
  wallScenesFile: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'line';
  metricsToken: string | undefined;
  backup: Readonly<BackupConfig>;
  /** Issue 13's anchor directory: backups carry it, restores put it back. */
  auditAnchorDir: string;
  auditHmacKeyFile: string;
  storePolicy: Readonly<StorePolicy>;
  storeRefreshMs: number;
  storeMaintenanceMs: number;
  storeCacheMaxBuckets: number;
  storeCacheTtlMs: number;
  quarantine: Readonly<QuarantineLimits>;
  httpTimeouts: Readonly<HttpTimeouts>;
  overlapDistanceM: number;
  overlapWindowMonths: number;
  notifications: Readonly<NotificationConfig>;
  watchIntervalMs: number;
  watchSubjectsPerRound: number;
  /** Issue 19: the scorecard on the public page; the weekly briefing's schedule (null: only `admin briefing generate`). */
  scorecardPublic: boolean;
  briefing: Readonly<{ schedule: CronSpec | null; utcOffsetMin: number }>;
  /** Cluster mode (server/cluster/): null for one process. */
  redis: Readonly<{ url: string; prefix: string; leaderRetryMs: number }> | null;
  clusterProcesses: number;
  overlapUnresolvedDays: number;
}>;

/** Notifications that leave the app (server/notifications/). */
export interface NotificationConfig {
  smtpUrl: string | null;
  from: string;
  webhookKeyFile: string;
  quiet: QuietHours | null;
  /** The city's zone, minutes east of UTC (times in messages, quiet hours). */
  utcOffsetMin: number;
  ratePerHour: number;
  retry: RetryPolicy;
  linkBase: string;
  /** How long a delivery claim holds (beyond a delivery's timeout), and how often the outbox is polled. */
  leaseMs: number;
  pollMs: number;
  timeoutMs: number;
}

/** Where and when the server makes its nightly backup (db/backup.ts), and what it keeps. */
export interface BackupConfig {
  dir: string;
  /** A second place (another disk or a mounted share) every backup is copied to; null: none. */
  copyDir: string | null;
  /** HH:MM server time; null: no schedule (backups made by `admin backup` from cron or a timer). */
  at: string | null;
  keepDaily: number;
  keepWeekly: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const storePolicy: StorePolicy = {
    rawRetentionDays: e.STORE_RAW_RETENTION_DAYS,
    rollup1mRetentionDays: e.STORE_ROLLUP_1M_RETENTION_DAYS,
    rollup1hRetentionDays: e.STORE_ROLLUP_1H_RETENTION_DAYS,
    compressAfterDays: e.STORE_COMPRESS_AFTER_DAYS,
  };
  let quiet: QuietHours | null;
  try {
    quiet = parseQuietHours(e.NOTIFY_QUIET_HOURS, e.NOTIFY_UTC_OFFSET_MIN);
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  NOTIFY_QUIET_HOURS: ${(err as Error).message}`);
  }
  if (e.NOTIFY_LEASE_MS <= e.NOTIFY_TIMEOUT_MS)
    throw new ConfigError('invalid configuration:\n  NOTIFY_LEASE_MS: must be longer than NOTIFY_TIMEOUT_MS (a claim must outlive its delivery)');
  if (e.REDIS_URL && !e.DATABASE_URL)
    throw new ConfigError('invalid configuration:\n  REDIS_URL: several processes need one database server; set DATABASE_URL too');
  let briefingSchedule: CronSpec | null = null;
  if (e.BRIEFING_SCHEDULE.trim() !== 'off') {
    try {
      briefingSchedule = parseCron(e.BRIEFING_SCHEDULE);
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  BRIEFING_SCHEDULE: ${(err as Error).message}`);
    }
  }
  const policyProblem = checkStorePolicy(storePolicy);
  if (policyProblem) throw new ConfigError(`invalid configuration:\n  STORE_*: ${policyProblem}`);
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.DATA_DIR),
    basemapDir: resolve(e.BASEMAP_DIR ?? join(e.DATA_DIR, 'basemap')),
    clientDistDir: resolve(e.CLIENT_DIST_DIR),
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxApiBodyBytes: e.MAX_API_BODY_BYTES,
    regionsImportMaxBytes: e.REGIONS_IMPORT_MAX_BYTES,
    maxBatchItems: e.MAX_BATCH_ITEMS,
    streamTickMs: e.STREAM_TICK_MS,
    dbPoolSize: e.DB_POOL_SIZE,
    sessionTtlMs: e.SESSION_TTL_MS,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginMaxDelayMs: e.LOGIN_MAX_DELAY_MS,
    loginRatePerMin: e.LOGIN_RATE_PER_MIN,
    ticketLookupsPerMin: e.TICKET_LOOKUPS_PER_MIN,
    ingestRatePerMinPerKey: e.INGEST_RATE_PER_MIN_PER_KEY,
    ingestRatePerMinPerIp: e.INGEST_RATE_PER_MIN_PER_IP,
    corsOrigins: Object.freeze([...e.CORS_ORIGINS]),
    allowedHosts: Object.freeze(allowedHostList(e.ALLOWED_HOSTS, e.HOST)),
    trustProxy: e.TRUST_PROXY === false || typeof e.TRUST_PROXY === 'number' ? e.TRUST_PROXY : Object.freeze([...e.TRUST_PROXY]),
    publicSocketsPerAddress: e.PUBLIC_SOCKETS_PER_ADDRESS,
    publicSnapshotCacheBytes: e.PUBLIC_SNAPSHOT_CACHE_BYTES,
    publicKAnonymity: e.PUBLIC_K_ANONYMITY,
    publicCacheMs: e.PUBLIC_CACHE_MS,
    openDataLicense: Object.freeze({ default: e.OPEN_DATA_LICENSE, byDataset: Object.freeze({ ...e.OPEN_DATA_LICENSES }) }),
    wallScenesFile: resolve(e.WALL_SCENES_FILE),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : 'line'),
    metricsToken: e.METRICS_TOKEN,
    backup: Object.freeze({
      dir: resolve(e.BACKUP_DIR ?? join(e.DATA_DIR, 'backups')),
      copyDir: e.BACKUP_COPY_DIR ? resolve(e.BACKUP_COPY_DIR) : null,
      at: e.BACKUP_AT === 'off' ? null : e.BACKUP_AT,
      keepDaily: e.BACKUP_KEEP_DAILY,
      keepWeekly: e.BACKUP_KEEP_WEEKLY,
    }),
    auditAnchorDir: resolve(e.AUDIT_ANCHOR_DIR ?? join(e.DATA_DIR, 'audit-anchors')),
    auditHmacKeyFile: resolve(e.AUDIT_HMAC_KEY_FILE ?? join(e.DATA_DIR, 'audit-hmac.key')),
    storePolicy: Object.freeze(storePolicy),
    overlapDistanceM: e.OVERLAP_DISTANCE_M,
    overlapWindowMonths: e.OVERLAP_WINDOW_MONTHS,
    overlapUnresolvedDays: e.OVERLAP_UNRESOLVED_DAYS,
    storeRefreshMs: e.STORE_REFRESH_INTERVAL_MS,
    storeMaintenanceMs: e.STORE_MAINTENANCE_INTERVAL_MS,
    storeCacheMaxBuckets: e.STORE_CACHE_MAX_BUCKETS,
    storeCacheTtlMs: e.STORE_CACHE_TTL_MS,
    httpTimeouts: Object.freeze({
      headersMs: Math.min(e.HTTP_HEADERS_TIMEOUT_MS, e.HTTP_REQUEST_TIMEOUT_MS),
      requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    }),
    redis: e.REDIS_URL ? Object.freeze({ url: e.REDIS_URL, prefix: e.REDIS_KEY_PREFIX, leaderRetryMs: e.LEADER_RETRY_MS }) : null,
    clusterProcesses: e.CLUSTER_PROCESSES,
    quarantine: Object.freeze({
      perMinPerKey: e.QUARANTINE_RATE_PER_MIN_PER_KEY,
      maxUnresolvedPerOpd: e.QUARANTINE_MAX_UNRESOLVED_PER_OPD,
      retentionDays: e.QUARANTINE_RETENTION_DAYS,
    }),
    notifications: Object.freeze({
      smtpUrl: e.SMTP_URL ?? null,
      from: e.NOTIFY_FROM,
      webhookKeyFile: resolve(e.NOTIFY_WEBHOOK_KEY_FILE ?? join(e.DATA_DIR, 'webhook-hmac.key')),
      quiet,
      utcOffsetMin: e.NOTIFY_UTC_OFFSET_MIN,
      ratePerHour: e.NOTIFY_RATE_PER_HOUR,
      retry: Object.freeze({ ...DEFAULT_RETRY, maxAttempts: e.NOTIFY_MAX_ATTEMPTS }),
      linkBase: (e.NOTIFY_LINK_BASE ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/$/, ''),
      leaseMs: e.NOTIFY_LEASE_MS,
      pollMs: 1_000,
      timeoutMs: e.NOTIFY_TIMEOUT_MS,
    }),
    watchIntervalMs: e.WATCH_INTERVAL_MS,
    watchSubjectsPerRound: e.WATCH_SUBJECTS_PER_ROUND,
    scorecardPublic: e.SCORECARD_PUBLIC,
    briefing: Object.freeze({ schedule: briefingSchedule, utcOffsetMin: e.NOTIFY_UTC_OFFSET_MIN }),
  });
}
