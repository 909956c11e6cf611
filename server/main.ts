/** Opens storage, builds the app and listens; returns a handle that shuts all of it down in order. */
import type { Logger } from 'pino';
import { openStorage, type Storage } from '../db/storage';
import { startStoreJobs, type StoreJobRunner } from '../db/store-jobs';
import { adoptAuditKey, useAuditKey } from '../db/queries/audit';
import { createApp, type App } from './app';
import { createAdvisoryLeader, type Leader } from './cluster/leader';
import { createRedisCluster, type Cluster } from './cluster/redis';
import { loadAuditKey } from './audit/key';
import { checkProductionSafety } from './auth/safety';
import type { Config } from './config';

export interface RunningServer {
  url: string;
  app: App;
  storage: Storage;
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger, opts: { beforeListen?: (s: Storage) => Promise<void> } = {}): Promise<RunningServer> {
  // the audit chain's key, outside the database (made on first start); keyed from the first entry after it
  const auditKey = await loadAuditKey(config.auditHmacKeyFile, { create: true });
  useAuditKey(auditKey);
  // webhook secrets derive from this key, per route (server/notifications/rules.ts); made on first start
  const webhookKey = await loadAuditKey(config.notifications.webhookKeyFile, { create: true });
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    log: (m) => log.debug(m),
    notice: (m) => log.warn(m),
  });
  log.info({ where: storage.where, dialect: storage.dialect }, 'database open');
  let storeJobs: Pick<StoreJobRunner, 'onRefreshed' | 'stop'> | null = null;
  let cluster: Cluster | null = null;
  let leader: Leader | null = null;
  try {
    await opts.beforeListen?.(storage);
    // Production refuses demo passwords (and the demo never creates them there); see server/auth/safety.ts.
    if (config.env === 'production') await checkProductionSafety(storage.pool);
    const startJobs = () =>
      startStoreJobs({
        pool: storage.pool,
        dialect: storage.dialect,
        policy: config.storePolicy,
        refreshMs: config.storeRefreshMs,
        maintenanceMs: config.storeMaintenanceMs,
        log: (level, msg, err) => log[level]({ err }, msg),
      });
    if (config.redis) {
      // one of several processes: shared state through Redis, exactly-once jobs in the leader only
      cluster = await createRedisCluster({
        url: config.redis.url,
        prefix: config.redis.prefix,
        onError: (what, err) => log.warn({ err, what }, 'cluster'),
        // its numbering is gone: a fresh start (systemd, npm run cluster) joins the new one; clients resync
        onEpochLost: () => {
          log.fatal('Redis lost the live numbering (flushed or replaced); exiting to start again');
          process.exit(75);
        },
      });
      leader = await createAdvisoryLeader({
        databaseUrl: config.databaseUrl!,
        retryMs: config.redis.leaderRetryMs,
        onChange: (leading) => log.info({ leading }, leading ? 'this process leads the cluster' : 'this process no longer leads'),
        onError: (job, err) => log.warn({ err, job }, 'leader job failed'),
      });
      storeJobs = leaderStoreJobs(leader, startJobs);
      log.info({ cluster: cluster.id, leading: leader.isLeader() }, 'cluster mode (REDIS_URL)');
    } else {
      // roll-up refresh, compression, retention: TimescaleDB's scheduler where it runs, else this process
      storeJobs = await startJobs();
    }
    const jobs = storeJobs;
    if (await adoptAuditKey(storage.pool))
      log.info({ file: config.auditHmacKeyFile }, 'audit chain keyed from now on (keep the key file with the server’s secrets)');
    // production and the embedded demo alike: neither should run as a superuser (the demo does not: embedded-role.ts)
    if (config.env === 'production' || !config.databaseUrl) await warnIfSuperuser(storage.pool, log);
    const app = await createApp({
      storage,
      config,
      log,
      storeJobs: jobs,
      auditKey,
      webhookKey,
      ...(cluster ? { cluster } : {}),
      ...(leader ? { leader } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      app.httpServer.once('error', reject);
      // a crowd opening the page at once: room for its handshakes in the accept queue (Node's default is 511;
      // the kernel caps it at net.core.somaxconn)
      app.httpServer.listen({ port: config.port, host: config.host, backlog: 4096 }, () => resolve());
    });
    const address = app.httpServer.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    let closing: Promise<void> | null = null;
    return {
      url,
      app,
      storage,
      close: () =>
        (closing ??= (async () => {
          await app.close();
          await jobs.stop();
          await leader?.close();
          await cluster?.close();
          await storage.close();
        })()),
    };
  } catch (e) {
    await storeJobs?.stop();
    await leader?.close();
    await cluster?.close();
    await storage.close();
    throw e;
  }
}

/** The roll-up refresher as a leader job: it runs in the leader only, and refreshes are told wherever it runs. */
function leaderStoreJobs(leader: Leader, start: () => Promise<StoreJobRunner>): Pick<StoreJobRunner, 'onRefreshed' | 'stop'> {
  const listeners = new Set<(startedAtMs: number) => void>();
  const remove = leader.run('store-jobs', async () => {
    const jobs = await start();
    const off = jobs.onRefreshed((t) => listeners.forEach((l) => l(t)));
    return async () => {
      off();
      await jobs.stop();
    };
  });
  return {
    onRefreshed(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    stop: remove,
  };
}

/** Runs `stop` once on SIGINT/SIGTERM; a second signal exits at once. */
/**
 * One Ctrl-C reaches a process more than once: the terminal signals the whole process group (npm, tsx and
 * node) and the wrappers relay the same signal again. A repeat within this window is that same keypress and
 * is ignored; a later one is an impatient operator and exits at once.
 */
export const REPEATED_SIGNAL_MS = 2_000;

/** Pure: what a shutdown signal means given when the first one came (null: none yet). */
export function signalAction(firstAt: number | null, now: number): 'stop' | 'ignore' | 'exit' {
  if (firstAt === null) return 'stop';
  return now - firstAt < REPEATED_SIGNAL_MS ? 'ignore' : 'exit';
}

export function onShutdownSignal(log: Logger, stop: () => Promise<void>): void {
  let firstAt: number | null = null;
  const handler = (signal: NodeJS.Signals) => {
    const action = signalAction(firstAt, Date.now());
    if (action === 'ignore') return;
    if (action === 'exit') {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstAt = Date.now();
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (e) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * A superuser can switch the audit log's append-only trigger off; the application should not be one: run as
 * the non-superuser owner docs/operations.md describes (the embedded demo database does so by itself,
 * db/embedded-role.ts). Said once at start, in production and on the embedded database.
 */
export async function warnIfSuperuser(pool: Storage['pool'], log: Logger): Promise<void> {
  const { rows } = await pool.query<{ su: boolean; who: string }>(
    `SELECT rolsuper AS su, current_user AS who FROM pg_roles WHERE rolname = current_user`,
  );
  if (rows[0]?.su)
    log.warn(
      { role: rows[0].who },
      'the server connects to PostgreSQL as a superuser, which can disable the audit log’s protections: connect as a non-superuser owner (docs/operations.md)',
    );
}
