/**
 * The composition root: createApp(deps) wires every module; it neither reads the environment nor listens
 * (server/index.ts and the demo do that).
 */
import { isDatabaseUnavailable } from '../db/unavailable';
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import compression from 'compression';
import proxyaddr from 'proxy-addr';
import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { NAMESPACES, type PointsAppended } from '../shared/contract';
import { toRoomId } from '../shared/rooms';
import { verifyAccessToken } from '../db/queries/credentials';
import type { Storage } from '../db/storage';
import { createAuthRoutes } from './auth/routes';
import { createAuthService } from './auth/service';
import { AGREEMENT_REFRESH_MS, createCatalogService, type CatalogService } from './catalog/service';
import { createCatalogAdmin } from './catalog/admin';
import { createCatalogChannel } from './catalog/channel';
import { adminBodyGate, createCatalogAdminRoutes } from './catalog/routes';
import { ADMIN_CATALOG_PATHS } from '../shared/catalog-document';
import { DEFAULT_API_BODY_BYTES, DEFAULT_INGEST_RATE, DEFAULT_TICKET_LOOKUPS_PER_MIN, type Config } from './config';
import { checkHostHeader, LOOPBACK_HOSTS } from './http/hosts';
import { INGEST_BODY_PATHS, ingestKeyGate } from './http/auth';
import { createPrincipalOf } from './http/principal';
import { createRequestLogger } from './log';
import { createAlertRoutes } from './alerts/routes';
import { createAlertService } from './alerts/service';
import { startAnchoring } from './audit/key';
import { createAuditRoutes } from './audit/routes';
import { startBackupService, type BackupService } from './backup/service';
import { createEventRoutes } from './events/routes';
import { createProjectRoutes } from './projects/routes';
import { DEFAULT_OVERLAP_RULES } from './projects/overlap';
import { createEntityRoutes } from './entities/routes';
import { createGeometryCache } from './entities/geometry';
import { createFeedRoutes } from './feeds/routes';
import { DEFAULT_HTTP_TIMEOUTS } from './http/timeouts';
import { createOutboundGuard, DEFAULT_OUTBOUND_BOUND, type OutboundBound } from './realtime/outbound';
import { createIngestRoutes } from './ingest/routes';
import { createIngestService } from './ingest/service';
import { createServerMetrics } from './metrics/metrics';
import { createMetricsRoutes } from './metrics/routes';
import { createIo, PUBLIC_LIMITS, registerNamespaces, type IoServer } from './realtime/socket';
import type { Stream } from './realtime/stream';
import { createChannels, type Channels } from './realtime/channel';
import { createHub, type Hub } from './realtime/hub';
import type { Cluster } from './cluster/redis';
import { singleProcessLeader, type Leader } from './cluster/leader';
import { shareRateLimits } from './http/rate-store';
import type { FanoutReport } from './realtime/fanout';
import { createLiveLatest } from './public/live-latest';
import { createPointsChannel } from './series/channel';
import { createEventsChannel } from './events/channel';
import { createAlertsChannel } from './alerts/channel';
import { createFeedsChannel } from './feeds/channel';
import { createPublicRoutes } from './public/routes';
import { createPublicSources } from './public/sources';
import { createPublicShellHandler } from './public/shell-route';
import { ckanErrorHandler, createCkanRoutes } from './opendata/ckan';
import { createOpenDataRoutes } from './opendata/routes';
import { createOpenData } from './opendata/service';
import { createOpenApiRoutes } from './openapi/routes';
import { cityBbox, createRegionImportRoutes, createRegionRoutes, createVersionWatch } from './regions/routes';
import { regionsVersion } from '../db/queries/regions';
import { createBasemapRoutes } from './basemap/routes';
import { loadRegions } from '../db/queries/catalog';
import { bboxAnchor } from '../shared/hexbin';
import { createSeriesRoutes } from './series/routes';
import { createSharingRequestRoutes, createSharingRoutes } from './sharing/routes';
import { createSharingService, type SharingService } from './sharing/service';
import { createUsageRecorder, type UsageRecorder } from './sharing/usage';
import { PLANNING_OPD } from '../shared/sharing';
import { createSeriesService } from './series/service';
import { BucketCache, DEFAULT_BUCKET_CACHE } from '../db/bucket-cache';
import type { StoreJobRunner } from '../db/store-jobs';
import { bucketedSeries } from '../db/queries/points';
import { createWallRoutes } from './wall/routes';
import { createReplayRoutes } from './replay/routes';
import { createReplayService } from './replay/service';
import { createSceneSource } from './wall/scenes';
import { createScenesAdmin } from './wall/admin';
import { reply } from './http/reply';
import { PUBLIC_VIEW_DEFAULTS } from './public/defaults';
import { createIncidentsChannel, incidentPublisher } from './incidents/channel';
import { createIncidentRoutes } from './incidents/routes';
import { createIncidentService, type IncidentService } from './incidents/service';
import { createWatcher, type Watcher } from './incidents/watch';
import { createBriefingRoutes } from './briefing/routes';
import { createBriefingService, type BriefingService } from './briefing/service';
import { createScorecardRoutes } from './scorecard/routes';
import { createNotificationRoutes } from './notifications/routes';
import { startNotifications, type Notifications } from './notifications/start';
import { createNoticesChannel } from './notices/channel';
import { createNoticeRoutes } from './notices/routes';
import { createNoticeService } from './notices/service';
import { createTicketRoutes } from './tickets/routes';
import { createTicketService } from './tickets/service';
import { createAccountRoutes } from './accounts/routes';

export interface AppDeps {
  storage: Storage;
  config: Pick<Config, 'maxBodyBytes' | 'maxBatchItems' | 'streamTickMs' | 'clientDistDir' | 'corsOrigins'> &
    Partial<
      Pick<
        Config,
        'maxApiBodyBytes' | 'regionsImportMaxBytes' | 'allowedHosts' | 'trustProxy' | 'publicSocketsPerAddress' | 'publicSnapshotCacheBytes'
      >
    > &
    Partial<Pick<Config, 'ingestRatePerMinPerKey' | 'ingestRatePerMinPerIp' | 'overlapDistanceM' | 'overlapWindowMonths' | 'overlapUnresolvedDays'>> &
    Partial<Pick<Config, 'sessionTtlMs' | 'loginMaxFailures' | 'loginMaxDelayMs' | 'loginRatePerMin' | 'env'>> &
    Partial<Pick<Config, 'ticketLookupsPerMin'>> &
    Partial<Pick<Config, 'publicKAnonymity' | 'publicCacheMs' | 'openDataLicense'>> &
    Partial<Pick<Config, 'wallScenesFile' | 'storeCacheMaxBuckets' | 'storeCacheTtlMs'>> &
    Partial<Pick<Config, 'basemapDir'>> &
    Partial<Pick<Config, 'backup' | 'auditAnchorDir' | 'metricsToken'>> &
    Partial<Pick<Config, 'quarantine' | 'httpTimeouts'>> &
    Partial<Pick<Config, 'notifications' | 'watchIntervalMs' | 'watchSubjectsPerRound'>> &
    Partial<Pick<Config, 'scorecardPublic' | 'briefing'>> & {
      /** Per-socket outbound bound (server/realtime/outbound.ts); absent: the defaults. */
      outboundBound?: OutboundBound;
    };
  /** What processes share through Redis (server/cluster/redis.ts); absent: one process, everything in memory. */
  cluster?: Cluster;
  /** Who runs the exactly-once jobs (alert evaluation, roll-ups, escalation); absent: this process alone. */
  leader?: Leader;
  log: Logger;
  clock?: () => number;
  /** The roll-up refresher this process runs, if any: the bucket cache learns from it when late writes show. */
  storeJobs?: Pick<StoreJobRunner, 'onRefreshed'>;
  /** The audit chain's key (server/audit/key.ts): with `config.auditAnchorDir`, the head is anchored there, signed. */
  auditKey?: Buffer | null;
  /** The key webhook secrets derive from (NOTIFY_WEBHOOK_KEY_FILE); null: webhooks cannot be signed (they fail). */
  webhookKey?: Buffer | null;
  /** Told what each `/public` fan-out cost (bench:public's instrumentation; server/realtime/fanout.ts). */
  observeFanout?: (r: FanoutReport) => void;
}

export interface App {
  httpServer: HttpServer;
  /** The express application (its router lists every route; the OpenAPI test checks they are documented). */
  express: Express;
  io: IoServer;
  /** Where ingest hands points and event changes (the points and events channels). */
  stream: Stream;
  hub: Hub;
  channels: Channels;
  catalog: CatalogService;
  /** The nightly backups and their health readings, where `config.backup` is given (server/backup/service.ts); null in a cluster, where the leader runs them. */
  backups: BackupService | null;
  /** Incidents (issue 16): the service, the time watcher (tests call `tick()`) and the outbox deliverer. */
  incidents: IncidentService;
  watcher: Watcher;
  /** The weekly briefing (issue 19): tests and the admin CLI call `generate`. */
  briefings: BriefingService;
  notifications: Notifications;
  /** Sharing on request (issue 19): requests, decisions, disputes, reminders (tests call `remind()`), and usage counts. */
  sharing: SharingService;
  sharingUsage: UsageRecorder;
  /** Re-judges every live socket's session and subscriptions now (it also runs every few seconds). */
  recheckLive(): Promise<void>;
  /**
   * Jobs that must run once in a cluster (escalation timers, …): `leader.run(name, start)` starts them in the
   * leader process only and moves them when it dies.
   */
  leader: Leader;
  /** Stops accepting, disconnects sockets, flushes the stream. Does not close the storage (its owner does). */
  close(): Promise<void>;
}

const SURFACES = ['wall', 'agency', 'public', 'admin'] as const;

export async function createApp(deps: AppDeps): Promise<App> {
  const { storage, config, log } = deps;
  const clock = deps.clock ?? Date.now;
  const pool = storage.pool;
  const cluster = deps.cluster ?? null;
  const leader = deps.leader ?? singleProcessLeader((job, err) => log.error({ err, job }, 'leader job failed'));
  // rate limits count across processes when there are several
  shareRateLimits(cluster ? (prefix) => cluster.rateLimitStore(prefix) : null);

  // a catalog change (admin REST, CLI) re-reads the catalog in every process; the leader announces it to clients
  let announceCatalog: (version: number) => void = () => {};
  const catalog = await createCatalogService(pool, clock, {
    onChanged: (version) => announceCatalog(version),
    onError: (err) => log.warn({ err }, 'catalog: listening for changes failed; retrying (changes still arrive within 5 s)'),
  });
  // reads through sharing agreements, counted per day (issue 19); flushed every few seconds and at close
  const sharingUsage = createUsageRecorder({ pool, clock, offsetMin: config.notifications?.utcOffsetMin ?? 420, log });
  // settled roll-up buckets in memory; the ingest service below invalidates what its writes change
  const bucketCache = new BucketCache((ids, from, to, level, small) => bucketedSeries(pool, ids, from, to, level, { serial: small }), {
    maxBuckets: config.storeCacheMaxBuckets ?? DEFAULT_BUCKET_CACHE.maxBuckets,
    ttlMs: config.storeCacheTtlMs ?? DEFAULT_BUCKET_CACHE.ttlMs,
    clock,
  });
  // registered entity lines (road segments) in memory: snapshots and new-series deltas carry them without a query
  const geometry = await createGeometryCache(pool);
  const series = createSeriesService(pool, clock, bucketCache, geometry);
  const authenticate = (token: string) => verifyAccessToken(pool, token);
  const principalOf = createPrincipalOf(authenticate);

  const app = express();
  // Node's defaults let a trickled request body hold a connection for 300 s (issue 14.7): bound the headers,
  // the whole request, and idle keep-alive. Upgraded websockets are not requests once upgraded: unaffected.
  const timeouts = config.httpTimeouts ?? DEFAULT_HTTP_TIMEOUTS;
  const httpServer = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // how often the two above are checked (Node's default, 30 s, would stretch them by up to that)
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
    },
    app,
  );
  // absent (tests, tools): loopback names only, never every name
  const allowedHosts = config.allowedHosts ?? LOOPBACK_HOSTS;
  const io = createIo(httpServer, config.corsOrigins, allowedHosts);
  // rooms across processes (logout's disconnects, fetchSockets); live messages come through the hub's stream
  if (cluster) io.adapter(cluster.adapter);
  const metrics = createServerMetrics({ pool, io, dialect: storage.dialect });
  // one hub for every live fact; the channels send what it delivers to this process's sockets
  const guard = createOutboundGuard(config.outboundBound ?? DEFAULT_OUTBOUND_BOUND, log);
  let hubRef: Hub | null = null;
  const channels = createChannels({
    hub: () => hubRef!,
    live: io.of(NAMESPACES.live),
    pub: io.of(NAMESPACES.public),
    slow: (nsp) => guard.slow(nsp),
    onError: (err) => log.error({ err }, 'live: delivery failed'),
    ...(deps.observeFanout ? { observeFanout: deps.observeFanout } : {}),
  });
  // the public page's first snapshots: kept current from the hub's deltas, no query per subscriber
  const publicLatest = createLiveLatest({
    load: (m) => series.snapshot(m, 0, clock()),
    seqOf: (code) => hubRef!.seq(toRoomId({ type: 'metric', metric: code })),
    visible: (m, entity) => catalog.decideSeries({ role: 'public' }, m, entity).allow,
    refreshMs: 30_000,
    clock,
  });
  const hub = (hubRef = await createHub({
    tickMs: config.streamTickMs,
    ...(cluster ? { transport: cluster.hubTransport } : {}),
    sink: (env) => {
      metrics.streamLag.delivered(env);
      if (env.channel === 'points') publicLatest.apply((env.data as PointsAppended).metric, { ...(env.data as PointsAppended), seq: env.seq });
    },
    // what was delivered together goes to the sockets together (one write per /public socket, fanout.ts)
    batchSink: (envs) => channels.deliverAll(envs),
    onError: (err) => log.error({ err }, 'live: could not send a tick'),
  }));
  const stream: Stream = {
    publishPoints(metric, points, series) {
      if (points.length || series.length) metrics.streamLag.published(`metric:${metric}`);
      channels.publish('points', { metric, points, series });
    },
    publishEvents(kind, events) {
      if (events.length) metrics.streamLag.published(`events:${kind}`);
      channels.publish('events', { kind, events });
    },
  };
  const stopCacheRefresh = deps.storeJobs?.onRefreshed((startedAt) => {
    bucketCache.refreshed(startedAt);
    cluster?.refreshed(startedAt);
    metrics.rollupRefreshed((Date.now() - startedAt) / 1000);
  });
  // a write or a roll-up refresh in another process drops what this one holds
  cluster?.onInvalidate((points) => bucketCache.invalidate(points));
  cluster?.onRefreshed((startedAt) => bucketCache.refreshed(startedAt));
  app.disable('x-powered-by');
  // TRUST_PROXY: whose X-Forwarded-For names the client (req.ip: rate limits, audit); off unless configured
  const trustProxy = config.trustProxy ?? false;
  app.set('trust proxy', Array.isArray(trustProxy) ? [...trustProxy] : trustProxy);
  app.use(checkHostHeader(allowedHosts));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          workerSrc: ["'self'", 'blob:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
      // The wall's WebGL needs no cross-origin isolation; keep the defaults otherwise.
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(createRequestLogger(log), metrics.httpCounter);

  app.get('/healthz', (_req, res) => reply(res, 'Health', { status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    try {
      await pool.query('SELECT 1');
      reply(res, 'Ready', { status: 'ready', dialect: storage.dialect });
    } catch {
      res.status(503).json({ status: 'unavailable', error: 'database unreachable' });
    }
  });

  app.use(createMetricsRoutes({ metrics, token: config.metricsToken }));

  // Every API answer compressed (gzip or br, as the client accepts) for phones on slow networks: the regions
  // GeoJSON, the catalog, series, CKAN, the API page. Answers that come pre-compressed from a snapshot
  // (server/public/cache.ts sendRendered) carry their Content-Encoding and pass through untouched. No size
  // threshold (issue 21: every answer): a short JSON answer gains or loses a few bytes, never a round trip.
  // Not the agencies' ingest POSTs: their answers are a few bytes to a machine on a wired link, and a gzip
  // stream per answer (zlib state and a flush) was 2 % of the server's CPU under bench:public's ingest load,
  // on the path of every live reading.
  const ingestPost = new Set(INGEST_BODY_PATHS);
  app.use(
    '/api',
    compression({
      threshold: 0,
      filter: (req, res) => !(req.method === 'POST' && ingestPost.has(req.baseUrl + req.path)) && compression.filter(req, res),
    }),
  );

  // Bodies: the large limit only on ingest routes and only once the ingest key is verified (an anonymous
  // client cannot make the server parse megabytes); every other /api route gets the small one.
  app.post(INGEST_BODY_PATHS, ingestKeyGate(pool), express.json({ limit: config.maxBodyBytes, strict: true }));
  // a whole catalog document (issue 17) takes the large limit too, from an admin only
  app.put(ADMIN_CATALOG_PATHS.document, adminBodyGate(principalOf), express.json({ limit: config.maxBodyBytes, strict: true }));
  // the admin boundary import reads its file raw (GeoJSON or zip), admins only, checked before the body is read
  app.use(createRegionImportRoutes({ pool, principalOf, maxImportBytes: config.regionsImportMaxBytes ?? 64 * 1024 * 1024 }));
  app.use('/api', express.json({ limit: config.maxApiBodyBytes ?? DEFAULT_API_BODY_BYTES, strict: true }));

  const alerts = await createAlertService({
    pool,
    catalog,
    log,
    clock,
    onTransition: metrics.alertTransition,
    publish: (changed) => changed.forEach((a) => channels.publish('alerts', a)),
  });
  // the live channels, each owned by its domain (server/realtime/channel.ts says how to add one)
  // inside what the hub holds for catch-up (32 ticks), and never older than the public REST cache allows
  const publicSnapshotMs = Math.min(2_000, 16 * config.streamTickMs);
  channels.register(
    createPointsChannel({
      pool,
      catalog,
      usage: sharingUsage,
      series,
      clock,
      publicSnapshotMs,
      publicSnapshotCacheBytes: config.publicSnapshotCacheBytes ?? PUBLIC_LIMITS.snapshotCacheBytes,
      observeSnapshot: metrics.snapshot,
      publicLatest,
    }),
  );
  channels.register(
    createEventsChannel({
      pool,
      catalog,
      usage: sharingUsage,
      clock,
      publicSnapshotMs,
      publicOpenEvents: PUBLIC_LIMITS.openEvents,
      observeSnapshot: metrics.snapshot,
    }),
  );
  channels.register(createAlertsChannel({ catalog, alerts, clock }));
  channels.register(createFeedsChannel({ pool, clock }));
  channels.register(createCatalogChannel({ version: () => catalog.version(), clock }));
  // the wall's scenes: stored by an admin, else the operator's file, else the built-in ones (server/wall/scenes.ts);
  // a bad edit is reported and the last good one served
  const scenes = await createSceneSource({ file: config.wallScenesFile, pool, log, clock });
  // the stored scenes are catalog data (a save moves the catalog's version): every process re-reads them on a
  // catalog change, and this one serves the new ones before the walls are told to fetch them
  announceCatalog = (version) => {
    void scenes
      .refresh()
      .catch((err: unknown) => log.warn({ err }, 'could not re-read the wall scenes after a catalog change'))
      .finally(() => {
        if (leader.isLeader()) channels.publish('catalog', version);
      });
  };
  const ingest = metrics.instrumentIngest(
    createIngestService({
      pool,
      catalog,
      stream,
      maxBatchItems: config.maxBatchItems,
      // one process evaluates alerts: the leader (readings reach it through Redis in a cluster)
      alerts: cluster ? { onReadings: async (readings) => cluster.pushReadings(readings) } : alerts,
      onPointsWritten: (points) => {
        bucketCache.invalidate(points);
        cluster?.invalidate(points);
      },
      geometry,
    }),
  );
  // the audit head, anchored outside the database every minute (where a directory is configured)
  const anchoring = config.auditAnchorDir
    ? startAnchoring({
        pool,
        dir: config.auditAnchorDir,
        key: deps.auditKey ?? null,
        clock,
        onError: (e) => log.warn({ err: e }, 'could not anchor the audit head'),
      })
    : null;
  const backupPlan = config.backup;
  const startBackups = () =>
    backupPlan
      ? startBackupService({ pool, plan: { ...backupPlan, anchorDir: config.auditAnchorDir }, at: backupPlan.at, ingest, catalog, log, clock })
      : null;
  // one process backs up: this one alone, or the cluster's leader (the job moves with the leadership)
  const backups = cluster ? null : startBackups();
  const stopBackupJob =
    cluster && backupPlan
      ? leader.run('backups', () => {
          const b = startBackups();
          return () => b?.stop();
        })
      : null;
  const stopAlertJob = cluster
    ? leader.run('alerts', async () => {
        await alerts.reload();
        return cluster.consumeReadings((readings) => alerts.onReadings(readings));
      })
    : null;
  app.use(createAlertRoutes({ alerts, principalOf }));
  app.use(
    createIngestRoutes({
      pool,
      ingest,
      clock,
      limits: {
        perMinPerKey: config.ingestRatePerMinPerKey ?? DEFAULT_INGEST_RATE.perMinPerKey,
        perMinPerIp: config.ingestRatePerMinPerIp ?? DEFAULT_INGEST_RATE.perMinPerIp,
      },
    }),
  );
  app.use(
    createAuthRoutes({
      auth: createAuthService({
        pool,
        clock,
        settings: {
          sessionTtlMs: config.sessionTtlMs,
          loginMaxFailures: config.loginMaxFailures,
          loginMaxDelayMs: config.loginMaxDelayMs,
          refuseDemoPasswords: config.env === 'production',
        },
      }),
      principalOf,
      io,
      log,
      clock,
      loginRatePerMin: config.loginRatePerMin,
    }),
  );
  app.use(createSeriesRoutes({ pool, catalog, series, principalOf, usage: sharingUsage }));
  app.use(createEventRoutes({ pool, catalog, principalOf, clock, usage: sharingUsage }));
  app.use(
    createProjectRoutes({
      pool,
      catalog,
      principalOf,
      clock,
      perMinPerKey: config.ingestRatePerMinPerKey ?? DEFAULT_INGEST_RATE.perMinPerKey,
      overlap: {
        distanceM: config.overlapDistanceM ?? DEFAULT_OVERLAP_RULES.distanceM,
        windowMonths: config.overlapWindowMonths ?? DEFAULT_OVERLAP_RULES.windowMonths,
      },
      unresolvedDays: config.overlapUnresolvedDays,
    }),
  );
  app.use(createEntityRoutes({ pool, geometry, clock, perMinPerKey: config.ingestRatePerMinPerKey ?? DEFAULT_INGEST_RATE.perMinPerKey }));
  app.use(createSharingRoutes({ pool, catalog, principalOf, clock }));
  app.use(
    createFeedRoutes({
      pool,
      publish: (feeds) => channels.publish('feeds', feeds),
      principalOf,
      clock,
      quarantine: config.quarantine,
      ingest,
      catalog,
      log,
    }),
  );
  app.use(createWallRoutes({ scenes, admin: createScenesAdmin({ pool, scenes, clock }), principalOf }));
  // the wall's rewind: a scene's frame at a moment of the past 24 h (roll-ups and event history)
  const cityCode = async () => (await pool.query<{ value: string }>(`SELECT value FROM sinergi_meta WHERE key = 'city_code'`)).rows[0]?.value ?? null;
  // the wall anchors its complaints hexagons at the city's bounding-box centre (GET /api/public/v1/regions' bbox)
  // an import of new boundaries (regions_version) moves it: re-derived when the version changes
  // (wall-clock time: a cache's freshness, not a derivation; a test's frozen clock must not freeze it)
  const regionsVersionNow = createVersionWatch(() => regionsVersion(pool), Date.now);
  let hexAnchor: Promise<[number, number] | null> | null = null;
  let hexAnchorVersion: string | null = null;
  const cityHexAnchor = async () => {
    const v = await regionsVersionNow();
    if (v !== hexAnchorVersion) {
      hexAnchor = null;
      hexAnchorVersion = v;
    }
    return (hexAnchor ??= (async () => {
      const city = await cityCode();
      const bbox = city ? cityBbox(await loadRegions(pool, city)) : null;
      return bbox ? bboxAnchor(bbox) : null;
    })().catch((e: unknown) => {
      hexAnchor = null;
      throw e;
    }));
  };
  app.use(
    createReplayRoutes({ replay: createReplayService({ pool, catalog, series, scenes, geometry, hexAnchor: cityHexAnchor, clock }), principalOf }),
  );
  app.use(createAuditRoutes({ pool, principalOf }));
  // the catalog as data (issue 17): the admin edits it without code or restart
  const catalogAdmin = createCatalogAdmin({ pool, clock, afterCommit: () => catalog.reloadCatalog() });
  app.use(createCatalogAdminRoutes({ admin: catalogAdmin, principalOf }));
  // incidents between OPDs, escalation and notifications that leave the app (issue 16)
  const incidentChannel = incidentPublisher(channels, () => hub);
  const notify = startNotifications({
    pool,
    config: config.notifications,
    webhookKey: deps.webhookKey ?? null,
    clock,
    log,
    onAttempt: metrics.notificationAttempt,
  });
  const incidents = createIncidentService({ pool, catalog, alerts, channel: incidentChannel, log, clock, outbox: notify.settings });
  const watcher = createWatcher({
    pool,
    catalog,
    channel: incidentChannel,
    log,
    clock,
    outbox: notify.settings,
    subjectsPerRound: config.watchSubjectsPerRound,
  });
  // escalation, reminders, silent feeds, overdue complaints: once per cluster, in the leader
  const stopWatchJob = config.watchIntervalMs ? leader.run('incidents-watch', () => watcher.start(config.watchIntervalMs!)) : null;
  channels.register(
    createIncidentsChannel({
      list: (who) => incidents.list(who),
      listShared: (who, purpose) => incidents.listShared(who, purpose),
      agreements: () => catalog.agreements(),
      clock,
    }),
  );
  app.use(createIncidentRoutes({ pool, incidents, principalOf, k: config.publicKAnonymity ?? PUBLIC_VIEW_DEFAULTS.kAnonymity, clock }));
  app.use(createNotificationRoutes({ pool, principalOf, webhookKey: deps.webhookKey ?? null, clock }));
  // issue 21: citizens follow their complaint by ticket and rate it; public notices (live, Atom, CAP 1.2)
  const tickets = createTicketService({
    pool,
    k: config.publicKAnonymity ?? PUBLIC_VIEW_DEFAULTS.kAnonymity,
    incidents: incidentChannel,
    outbox: notify.settings,
    clock,
  });
  app.use(createTicketRoutes({ tickets, perMin: config.ticketLookupsPerMin ?? DEFAULT_TICKET_LOOKUPS_PER_MIN }));
  const notices = createNoticeService({ pool, catalog, publish: (n) => channels.publish('notices', n), clock });
  channels.register(createNoticesChannel({ current: () => notices.current(), clock }));
  const cityInfo = async () => {
    const code = await cityCode();
    const name = code ? (await pool.query<{ name: string }>(`SELECT name FROM region WHERE code = $1`, [code])).rows[0]?.name : undefined;
    return { code, name: name ?? 'Kota' };
  };
  app.use(createNoticeRoutes({ notices, principalOf, city: cityInfo, clock }));
  // sharing on request (issue 19): a change re-reads the agreements and re-judges live subscriptions here at
  // once (other processes follow within AGREEMENT_REFRESH_MS); expiry reminders run in the leader
  let recheckNow: () => Promise<void> = async () => {};
  const sharing = createSharingService({
    pool,
    catalog,
    usage: sharingUsage,
    outbox: notify.settings,
    planningOpd: PLANNING_OPD,
    clock,
    onChanged: () =>
      void catalog.reload().then(
        () => recheckNow(),
        (err: unknown) => log.warn({ err }, 'agreements not re-read after a change'),
      ),
  });
  app.use(createSharingRequestRoutes({ sharing, principalOf }));
  // issue 17: users and ingest keys from the admin page; a change that ends sessions ends their live subscriptions now
  app.use(createAccountRoutes({ pool, principalOf, clock, onSessionsEnded: () => recheckNow() }));
  const stopSharingJob = config.watchIntervalMs
    ? leader.run('sharing-reminders', () => {
        const timer = setInterval(
          () => void sharing.remind().catch((err: unknown) => log.error({ err }, 'sharing reminders failed')),
          config.watchIntervalMs!,
        );
        return async () => clearInterval(timer);
      })
    : null;
  app.use(createRegionRoutes({ pool, cityCode, version: regionsVersionNow }));
  // the basemap as data (issue 17): GeoJSON layers and a PMTiles archive, served by us with range requests
  app.use(createBasemapRoutes({ pool, dir: config.basemapDir ?? null, clock }));
  // issue 19: the OPD scorecard and the weekly briefing (made by the leader on its schedule)
  app.use(
    createScorecardRoutes({
      pool,
      principalOf,
      clock,
      publicEnabled: config.scorecardPublic ?? false,
      k: config.publicKAnonymity ?? PUBLIC_VIEW_DEFAULTS.kAnonymity,
    }),
  );
  const briefings = createBriefingService({
    pool,
    clock,
    log,
    utcOffsetMin: config.briefing?.utcOffsetMin ?? notify.settings.offsetMin,
    outbox: notify.settings,
  });
  const briefingSchedule = config.briefing?.schedule ?? null;
  const stopBriefingJob = briefingSchedule ? leader.run('weekly-briefing', () => briefings.startSchedule(briefingSchedule)) : null;
  app.use(createBriefingRoutes({ pool, briefings, principalOf, clock }));
  // one set of public snapshots for the public API, open data and CKAN
  const publicSources = createPublicSources({
    db: pool,
    k: config.publicKAnonymity,
    cacheMs: config.publicCacheMs,
    clock,
    log,
    // one load per period for the whole cluster, the same snapshot (and ETag) from every process
    shared: cluster?.snapshots,
  });
  app.use(
    createPublicRoutes({
      sources: publicSources,
      catalog: { metric: (c) => catalog.metric(c), publicSeries: (m, entity) => catalog.decideSeries({ role: 'public' }, m, entity).allow },
    }),
  );
  const openData = createOpenData({ db: pool, sources: publicSources, clock, license: config.openDataLicense });
  app.use(createOpenDataRoutes({ openData }), createCkanRoutes({ openData }), ckanErrorHandler);
  app.use(createOpenApiRoutes());
  app.use('/api', (_req, res) => void res.status(404).json({ error: 'no such endpoint', details: [] }));

  if (existsSync(config.clientDistDir)) {
    // Static assets compressed for slow networks (the API answers are compressed above); file names under
    // /assets/ carry a content hash, so browsers keep them for a year.
    app.use(compression());
    // /public with its headline numbers in the HTML (server-rendered shell), before any JavaScript
    app.get(
      ['/public', '/public/', '/public/index.html'],
      createPublicShellHandler({ db: pool, sources: publicSources, clientDistDir: config.clientDistDir, clock, log }),
    );
    app.use(
      express.static(config.clientDistDir, {
        index: 'index.html',
        maxAge: '1h',
        immutable: false,
        setHeaders: (res, path) => {
          if (path.startsWith(join(config.clientDistDir, 'assets'))) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        },
      }),
    );
    for (const s of SURFACES) {
      app.get(`/${s}`, (_req, res) => res.sendFile(join(config.clientDistDir, s, 'index.html')));
    }
  } else {
    log.warn({ dir: config.clientDistDir }, 'client build not found; the surfaces are not served (run `npm run build`)');
  }

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === 'number' ? err.status : 500;
    if (status === 413) {
      const limit = typeof err?.limit === 'number' ? err.limit : config.maxBodyBytes;
      return void res.status(413).json({ error: `request body larger than ${limit} bytes`, details: [] });
    }
    if (err?.type === 'entity.parse.failed') return void res.status(400).json({ error: 'body is not valid JSON', details: [] });
    if (status >= 400 && status < 500) return void res.status(status).json({ error: 'bad request', details: [] });
    // the database going away (stopping, restarting, unreachable) is an expected outage, not a bug: one line
    // each, so a demo's Ctrl-C or a database restart does not fill the terminal with stacks
    if (isDatabaseUnavailable(err)) req.log?.warn({ code: (err as { code?: string }).code }, 'request failed: database unavailable');
    else req.log?.error({ err }, 'request failed');
    if (!res.headersSent) res.status(503).json({ error: 'temporarily unavailable; retry later', details: [] });
  };
  app.use(onError);

  const recheck = registerNamespaces(io, {
    pool,
    catalog,
    channels,
    alerts,
    authenticate,
    log,
    clock,
    publicLimits: {
      ...(config.publicSocketsPerAddress !== undefined ? { socketsPerAddress: config.publicSocketsPerAddress } : {}),
      ...(config.publicSnapshotCacheBytes !== undefined ? { snapshotCacheBytes: config.publicSnapshotCacheBytes } : {}),
    },
    // the address TRUST_PROXY makes of the handshake request, as req.ip does for REST
    clientAddress: (req) => proxyaddr(req, app.get('trust proxy fn')),
    // a cluster counts per-address bounds across its processes
    ...(cluster ? { addressCounters: cluster.addressCounters } : {}),
  });
  // after each re-judging: incidents that left a purpose room still open through another agreement go, and those a
  // new agreement opens arrive (issue 16)
  const recheckAndUnshare = async () => {
    await recheck.now();
    await incidents.rejudgeShares().catch((err: unknown) => log.warn({ err }, 'could not tell purpose rooms of changed agreements'));
  };
  recheckNow = recheckAndUnshare;
  // agreements also start and run out by the clock: the leader compares every few seconds (a repeat is harmless:
  // the same removal, or the same incident version again)
  const stopUnshareJob = leader.run('incidents-unshare', () => {
    void incidents.rejudgeShares().catch(() => {}); // the first call records the agreements in force
    const timer = setInterval(
      () => void incidents.rejudgeShares().catch((err: unknown) => log.warn({ err }, 'could not tell purpose rooms of changed agreements')),
      AGREEMENT_REFRESH_MS,
    );
    timer.unref();
    return async () => clearInterval(timer);
  });

  return {
    httpServer,
    express: app,
    io,
    stream,
    hub,
    channels,
    catalog,
    backups,
    incidents,
    watcher,
    briefings,
    notifications: notify,
    recheckLive: recheckAndUnshare,
    sharing,
    sharingUsage,
    leader,
    async close() {
      await stopWatchJob?.();
      await stopBriefingJob?.();
      await stopSharingJob?.();
      await stopUnshareJob?.();
      await sharingUsage.close();
      await notify.stop();
      await backups?.stop();
      await stopBackupJob?.();
      await anchoring?.stop();
      await stopAlertJob?.();
      if (!deps.leader) await leader.close();
      await hub.close();
      catalog.close();
      geometry.close();
      scenes.close();
      await publicSources.close();
      stopCacheRefresh?.();
      recheck.stop();
      io.disconnectSockets(true);
      // keep-alive connections are kept 65 s: idle ones go now, busy ones get 2 s to finish their answer
      const closed = new Promise<void>((resolve) => io.close(() => resolve()));
      httpServer.closeIdleConnections();
      const grace = setTimeout(() => httpServer.closeAllConnections(), 2_000);
      await closed;
      clearTimeout(grace);
      httpServer.closeAllConnections();
      // no request is left to queue readings: let the evaluations already queued finish before the owner closes
      // the pool (they used to run on into a closed pool, each logging an error and leaving its alert half-written)
      await alerts.idle();
    },
  };
}
