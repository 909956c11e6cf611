/**
 * The thin socket layer: authenticate once in `use`, authorise each subscription with the access rule,
 * put sockets in rooms, forward what the stream publishes. `/public` is anonymous and publik-only;
 * `/live` needs a token.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { Server, type Namespace, type Socket } from 'socket.io';
import { fail, ok, type Ack, type ErrorCode } from '../../shared/ack';
import type {
  ClientToServerEvents,
  EventsChanged,
  InterServerEvents,
  MetricSnapshot,
  PointsAppended,
  Principal,
  ServerToClientEvents,
  SocketData,
} from '../../shared/contract';
import type { ClassifiedEntity } from '../access/policy';
import { NAMESPACES } from '../../shared/contract';
import type { Metric } from '../../shared/catalog';
import { toRoomId } from '../../shared/rooms';
import { eventsSubscribeSchema, safeText, subscribeSchema } from '../../shared/schemas';
import { z } from 'zod';
import { ackRefusal, type AckResult, type AlertService } from '../alerts/service';
import { LOOPBACK_HOSTS, requestHostAllowed } from '../http/hosts';
import { auditSharedRead } from '../sharing/audit-read';
import { endedSessions, endedSubscriptions, SESSION_END_MESSAGES } from './recheck';

const ackSchema = z.object({ id: z.number().int().positive(), note: safeText(500).pipe(z.string().trim().min(1)) });
import { openEvents } from '../../db/queries/events';
import type pg from 'pg';
import type { CatalogService } from '../catalog/service';
import type { SeriesService } from '../series/service';
import type { Stream, StreamSink } from './stream';
import { createOutboundGuard, type OutboundGuard } from './outbound';
import { preEncode, preEncodingParser } from './preencoded';
import type { LiveLatest } from '../public/live-latest';

/** The acknowledgement code the client translates, per refused acknowledgement. */
const ACK_CODE: Record<Exclude<AckResult, { kind: 'acknowledged' }>['kind'], ErrorCode> = {
  not_signed_in: 'unauthenticated',
  note_missing: 'invalid',
  not_found: 'not_found',
  not_owner: 'forbidden',
  already_acknowledged: 'conflict',
};

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type Nsp = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type Sock = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketDeps {
  pool: pg.Pool;
  catalog: CatalogService;
  series: SeriesService;
  stream: Stream;
  alerts: AlertService;
  /**
   * How long anonymous subscribers share a snapshot. Catch-up replays the deltas sent since, so it must stay
   * well inside what the stream holds (32 ticks).
   */
  publicSnapshotMs?: number;
  /** Anonymous snapshots without history: the current state kept in memory (server/public/live-latest.ts). */
  publicLatest?: LiveLatest;
  /** Told the size of every snapshot sent (metrics): series buckets and latest readings, or open events. */
  observeSnapshot?: (kind: 'series' | 'events', items: number) => void;
  authenticate: (token: string) => Promise<Principal | null>;
  log: Logger;
  clock: () => number;
  /** What one anonymous client may make the server hold or do (PUBLIC_LIMITS by default). */
  publicLimits?: Partial<PublicLimits>;
  /** The client's address as the HTTP side sees it (TRUST_PROXY applied); default the peer's. */
  clientAddress?: (req: IncomingMessage) => string;
}

/**
 * Bounds on what anonymous clients can make the server hold (issue 13, item 2: one socket asking for every
 * history length from 1 to 1440 minutes grew the server by ~440 MB and it stayed).
 */
export interface PublicLimits {
  /** Bytes (estimated) of shared anonymous snapshots kept; least recently used go first. */
  snapshotCacheBytes: number;
  /** Open /public sockets per client address. */
  socketsPerAddress: number;
  /** Subscribe requests per socket per minute, and per address per minute (all its sockets). */
  subscribesPerSocketPerMin: number;
  subscribesPerAddressPerMin: number;
  /** Subscribe requests of one address answered at once (each holds a snapshot in memory until sent); more wait their turn. */
  inFlightPerAddress: number;
  /** Open events one anonymous snapshot carries per kind at most. */
  openEvents: number;
}

export const PUBLIC_LIMITS: Readonly<PublicLimits> = Object.freeze({
  snapshotCacheBytes: 32 * 1024 * 1024,
  socketsPerAddress: 64,
  subscribesPerSocketPerMin: 120,
  subscribesPerAddressPerMin: 2_000,
  inFlightPerAddress: 4,
  openEvents: 500,
});

/** Anonymous history lengths are rounded up to one of these (minutes), so a client cannot mint cache keys. */
export const PUBLIC_HISTORY_STEPS: readonly number[] = [0, 5, 15, 30, 60, 120, 240, 480, 720, 1440];
export const quantiseHistory = (minutes: number): number => PUBLIC_HISTORY_STEPS.find((s) => s >= minutes) ?? PUBLIC_HISTORY_STEPS.at(-1)!;

/** A fixed-window counter per key, bounded in keys (the oldest window is dropped first). */
function createWindowCounter(perMin: number, clock: () => number, maxKeys = 100_000) {
  const windows = new Map<string, { start: number; n: number }>();
  return (key: string): boolean => {
    const now = clock();
    let w = windows.get(key);
    if (!w || now - w.start >= 60_000) {
      windows.delete(key);
      w = { start: now, n: 0 };
      windows.set(key, w);
      if (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
    }
    w.n += 1;
    return w.n <= perMin;
  };
}

export function createIo(httpServer: HttpServer, corsOrigins: readonly string[], allowedHosts: readonly string[] = LOOPBACK_HOSTS): IoServer {
  return new Server(httpServer, {
    // websocket only: connects faster and holds less memory per client than long-polling
    transports: ['websocket'],
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    // shared anonymous snapshots are serialised once, not once per subscriber (preencoded.ts)
    parser: preEncodingParser,
    cors: corsOrigins.length ? { origin: [...corsOrigins] } : undefined,
    // Browsers do not apply CORS to websockets: a page of another site could open one with the user's
    // stored token. Only this site's pages (and listed origins) may; non-browser clients send no Origin.
    allowRequest: (req, callback) => {
      // DNS rebinding: a handshake naming a host that is not ours is refused like an HTTP request
      if (!requestHostAllowed(req, allowedHosts)) return callback('host not allowed', false);
      const origin = req.headers.origin;
      if (!origin || corsOrigins.includes(origin)) return callback(null, true);
      let sameHost = false;
      try {
        sameHost = new URL(origin).host === req.headers.host;
      } catch {
        sameHost = false;
      }
      callback(sameHost ? null : 'origin not allowed', sameHost);
    },
  });
}

/**
 * A points message as one principal may see it: the readings of series whose entity is classified beyond what
 * `allowed` lets through are dropped (the message keeps its seq, so the subscriber sees no gap). Pure.
 */
export function filterPoints(
  msg: PointsAppended,
  entityOfSeries: (id: number) => ClassifiedEntity | undefined,
  allowed: (entity: ClassifiedEntity) => boolean,
): PointsAppended {
  const hidden = new Set<number>();
  const series = msg.series.filter((s) => {
    const e = entityOfSeries(s.id);
    if (e && !allowed(e)) hidden.add(s.id);
    return !hidden.has(s.id);
  });
  const points = msg.points.filter((p) => {
    if (hidden.has(p.s)) return false;
    const e = entityOfSeries(p.s);
    return !e || allowed(e);
  });
  return points.length === msg.points.length && series.length === msg.series.length ? msg : { ...msg, series, points };
}

/** The classified entity of each series of a message: new series travel in it, before the registry's next refresh. */
function entityLookup(catalog: Pick<CatalogService, 'entity' | 'entityOfSeries' | 'noteSeries'>, msg: PointsAppended) {
  const fresh = new Map(msg.series.map((s) => [s.id, s.entity]));
  if (msg.series.length) catalog.noteSeries(msg.series);
  return (id: number): ClassifiedEntity | undefined => {
    const e = fresh.get(id);
    return e !== undefined ? catalog.entity(e) : catalog.entityOfSeries(id);
  };
}

/** Whether a message carries anything of a classified entity (then it goes out filtered, socket by socket). */
const classifiedIn = (ids: Iterable<number>, entityOfSeries: (id: number) => ClassifiedEntity | undefined) => {
  for (const id of ids) if (entityOfSeries(id)) return true;
  return false;
};

/**
 * The stream's sink: each message goes to its room in /live, and publik ones to /public too. A message that
 * carries readings or events of a classified entity (a terbatas or rahasia project) goes out filtered through
 * the access rule (catalog.decideSeries / decideEvent): to /public without them, and to each /live socket of
 * the room as its principal may see it.
 */
export function createSink(
  io: IoServer,
  catalog: CatalogService,
  log?: Pick<Logger, 'error'>,
  guard: OutboundGuard = createOutboundGuard(),
): StreamSink {
  const live = io.of(NAMESPACES.live);
  const pub = io.of(NAMESPACES.public);
  const isPublik = (c: { class: string } | undefined) => c?.class === 'publik';
  const PUBLIC: Principal = { role: 'public' };
  // sockets whose client does not read get no more deltas, and are cut past a bound (outbound.ts)
  const to = (nsp: Nsp, roomId: string) => nsp.to(roomId).except(guard.slow(nsp));
  const perSocket = (roomId: string, send: (socket: { data: SocketData; emit: Sock['emit'] }) => void) => {
    live
      .in(roomId)
      .except(guard.slow(live))
      .fetchSockets()
      .then((sockets) => sockets.forEach((s) => send(s as unknown as { data: SocketData; emit: Sock['emit'] })))
      .catch((err: unknown) => log?.error({ err }, 'live: per-socket delivery failed'));
  };
  return {
    points(roomId, msg) {
      const metric = catalog.metric(msg.metric);
      const entityOf = entityLookup(catalog, msg);
      if (!metric || !classifiedIn([...msg.series.map((s) => s.id), ...msg.points.map((p) => p.s)], entityOf)) {
        to(live, roomId).emit('points:appended', msg);
        if (isPublik(metric)) to(pub, roomId).emit('points:appended', msg);
        return;
      }
      const view = (who: Principal) => filterPoints(msg, entityOf, (e) => catalog.decideSeries(who, metric, e.id).allow);
      perSocket(roomId, (s) => s.emit('points:appended', view(s.data.principal)));
      if (isPublik(metric)) to(pub, roomId).emit('points:appended', view(PUBLIC));
    },
    events(roomId, msg) {
      const kind = catalog.eventKind(msg.kind);
      const visible = (who: Principal): EventsChanged =>
        kind ? { ...msg, events: msg.events.filter((e) => catalog.decideEvent(who, kind, e.id).allow) } : msg;
      if (!kind || !msg.events.some((e) => catalog.decideEvent(PUBLIC, { ...kind, class: 'publik' }, e.id).allow === false)) {
        to(live, roomId).emit('events:changed', msg);
        if (isPublik(kind)) to(pub, roomId).emit('events:changed', msg);
        return;
      }
      perSocket(roomId, (s) => s.emit('events:changed', visible(s.data.principal)));
      if (isPublik(kind)) to(pub, roomId).emit('events:changed', visible(PUBLIC));
    },
  };
}

export function registerNamespaces(io: IoServer, deps: SocketDeps): { stop(): void; now(): Promise<void> } {
  const limits: PublicLimits = { ...PUBLIC_LIMITS, ...deps.publicLimits };
  const addressOf = (socket: Sock) => (deps.clientAddress ? deps.clientAddress(socket.request) : socket.handshake.address);
  const pub = io.of(NAMESPACES.public);
  const perAddress = new Map<string, number>();
  pub.use((socket, next) => {
    const address = addressOf(socket);
    const open = perAddress.get(address) ?? 0;
    if (open >= limits.socketsPerAddress) return next(new Error('too many connections from this address'));
    perAddress.set(address, open + 1);
    socket.once('disconnect', () => {
      const n = (perAddress.get(address) ?? 1) - 1;
      if (n <= 0) perAddress.delete(address);
      else perAddress.set(address, n);
    });
    socket.data.principal = { role: 'public' };
    next();
  });
  const live = io.of(NAMESPACES.live);
  live.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return next(new Error('unauthenticated'));
    deps
      .authenticate(token)
      .then((principal) => {
        if (!principal) return next(new Error('unauthenticated'));
        socket.data.principal = principal;
        next();
      })
      .catch((e) => {
        deps.log.error({ err: e }, 'socket authentication failed');
        next(new Error('unavailable'));
      });
  });
  // Feed health and all alerts are for the command center; an agency hears the alerts of its own metrics.
  live.on('connection', (socket) => {
    const who = socket.data.principal;
    if (who.role === 'operator' || who.role === 'admin') socket.join([toRoomId({ type: 'feeds' }), toRoomId({ type: 'alerts' })]);
    if (who.role === 'agency') socket.join(toRoomId({ type: 'alerts', opd: who.opd }));
  });
  const addressBudget = createWindowCounter(limits.subscribesPerAddressPerMin, deps.clock);
  // per address: how many requests run, and those waiting their turn (a crowd behind one address queues)
  const inFlight = new Map<string, { running: number; waiting: (() => void)[] }>();
  /** An anonymous request's ticket (call it when answered) once its turn comes, or why it is refused. */
  const admitAddress = async (socket: Sock): Promise<(() => void) | string> => {
    const address = addressOf(socket);
    if (!addressBudget(address)) return 'too many subscriptions from this address; slow down and retry in a minute';
    let slot = inFlight.get(address);
    if (!slot) inFlight.set(address, (slot = { running: 0, waiting: [] }));
    if (slot.running >= limits.inFlightPerAddress) {
      if (slot.waiting.length >= 2 * limits.socketsPerAddress) return 'too many subscriptions at once from this address; retry later';
      await new Promise<void>((resolve) => slot!.waiting.push(resolve));
    } else slot.running++;
    const s = slot;
    return () => {
      const next = s.waiting.shift();
      if (next) return next(); // the slot passes to the next in line
      s.running--;
      if (s.running === 0) inFlight.delete(address);
    };
  };
  for (const nsp of [pub, live]) wire(nsp, deps, limits, admitAddress);
  return startRecheck(live, deps);
}

/** Every RECHECK_MS: sessions that ended close their sockets; subscriptions no longer allowed are left. */
export const RECHECK_MS = 5_000;

function startRecheck(live: Nsp, deps: SocketDeps): { stop(): void; now(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const sweep = async () => {
    const sockets = [...live.sockets.values()];
    const ids = sockets.map((s) => s.data.principal).flatMap((p) => (p.role === 'public' ? [] : [p.tokenId]));
    const ended = await endedSessions(deps.pool, ids);
    for (const socket of sockets) {
      const who = socket.data.principal;
      if (who.role === 'public') continue;
      const reason = ended.get(who.tokenId);
      if (reason) {
        socket.emit('session:ended', { reason, message: SESSION_END_MESSAGES[reason] });
        socket.disconnect(true);
        continue;
      }
      const subs = Object.entries(socket.data.subscriptions ?? {});
      const lost = endedSubscriptions(
        who,
        subs.map(([, s]) => s),
        (p, s) => {
          const item = s.type === 'metric' ? deps.catalog.metric(s.code) : deps.catalog.eventKind(s.code);
          return item ? deps.catalog.decide(p, item, s.type, s.purpose) : 'gone';
        },
      );
      for (const l of lost) {
        const room = subs.find(([, s]) => s === l.sub)![0];
        socket.leave(room);
        delete socket.data.subscriptions![room];
        socket.emit('subscription:ended', {
          ...(l.sub.type === 'metric' ? { metric: l.sub.code } : { kind: l.sub.code }),
          code: l.code,
          message: l.message,
        });
      }
    }
  };
  const run = () =>
    (running = running.then(sweep).catch((e) => deps.log.warn({ err: e }, 'could not re-check live subscriptions; retrying at the next sweep')));
  const timer = setInterval(run, RECHECK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), now: run };
}

function wire(nsp: Nsp, deps: SocketDeps, limits: PublicLimits, admitAddress: (socket: Sock) => Promise<(() => void) | string>): void {
  const { catalog, series, log } = deps;
  const publicSnapshots = createSnapshotCache(series, deps.stream, deps.publicSnapshotMs ?? 2_000, deps.clock, limits.snapshotCacheBytes, (metric, s) =>
    catalog.decideSeries({ role: 'public' }, metric, s.entity).allow,
  );
  const publicEvents = createEventsCache(deps.pool, deps.publicSnapshotMs ?? 2_000, deps.clock, limits.openEvents);
  const socketBudget = createWindowCounter(limits.subscribesPerSocketPerMin, deps.clock);
  /** Anonymous subscribe requests are counted per socket and per address; signed-in ones are not limited here. */
  /** Anonymous subscribe requests are counted per socket and per address, and only a few run at once per address. */
  const gated =
    <T>(fn: (socket: Sock, arg: unknown) => Promise<Ack<T> | [Ack<T>, () => void]>) =>
    async (socket: Sock, arg: unknown): Promise<Ack<T> | [Ack<T>, () => void]> => {
      if (socket.data.principal.role !== 'public') return fn(socket, arg);
      if (!socketBudget(socket.id)) return fail('unavailable', 'too many subscriptions on this connection; slow down and retry in a minute');
      const ticket = await admitAddress(socket);
      if (typeof ticket === 'string') return fail('unavailable', ticket);
      try {
        return await fn(socket, arg);
      } finally {
        ticket();
      }
    };

  /**
   * Runs a handler so that no error and no malformed ack argument can take the server down.
   * A handler may return a continuation that runs right after the ack is sent (catch-up, joining rooms).
   */
  const handle =
    <A, T>(name: string, fn: (socket: Sock, arg: unknown) => Promise<Ack<T> | [Ack<T>, () => void]>) =>
    (socket: Sock) =>
    (arg: A, ack: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: Ack<T>) => void) : () => {};
      fn(socket, arg).then(
        (res) => {
          if (Array.isArray(res)) {
            reply(res[0]);
            res[1]();
          } else reply(res);
        },
        (e) => {
          log.error({ err: e, event: name }, 'socket handler failed');
          reply(fail('internal', 'internal error'));
        },
      );
    };

  const subscribe = handle(
    'series:subscribe',
    gated(async (socket, arg) => {
      const parsed = subscribeSchema.safeParse(arg);
      if (!parsed.success)
        return fail(
          'invalid',
          'invalid subscription',
          parsed.error.issues.map((i) => i.message),
        );
      const who = socket.data.principal;
      const metrics: Metric[] = [];
      const shared: (() => Promise<void>)[] = [];
      const source = socket.handshake.address ?? null;
      for (const code of new Set(parsed.data.metrics)) {
        const metric = catalog.metric(code);
        if (!metric) return fail('not_found', `unknown metric '${code}'`);
        const decision = catalog.decide(who, metric, 'metric', parsed.data.purpose);
        if (!decision.allow) return fail('forbidden', decision.reason);
        shared.push(() =>
          auditSharedRead(deps.pool, who, { type: 'metric', code: metric.code, ownerOpd: metric.ownerOpd }, decision, { via: 'socket', source }),
        );
        metrics.push(metric);
      }
      const stream = deps.stream;
      // Sequence numbers are read before the queries: everything published up to them is in the snapshot;
      // anything after is replayed to this socket right after the ack, so nothing falls in between.
      const now = deps.clock();
      // Anonymous subscribers share snapshots (a crowd of citizens costs the database one query per metric and
      // period); everyone else gets a fresh one. Each carries the seq read before its query started.
      const load = (m: Metric) =>
        socket.data.principal.role === 'public'
          ? quantiseHistory(parsed.data.historyMinutes) === 0 && deps.publicLatest
            ? deps.publicLatest.get(m)
            : publicSnapshots.get(m, quantiseHistory(parsed.data.historyMinutes), now)
          : (() => {
              const seq = stream.pointsSeq(m.code);
              return series.snapshot(m, parsed.data.historyMinutes, now).then((snap) => ({ ...snap, seq }));
            })();
      // The series of classified entities (a rahasia project) are left out of what this principal may not read.
      const out: MetricSnapshot[] = (await Promise.all(metrics.map(load))).map((snap) => {
        const series = snap.series.filter((x) => catalog.decideSeries(who, snap.metric, x.entity, parsed.data.purpose).allow);
        return series.length === snap.series.length ? snap : { ...snap, series };
      });
      for (const audit of shared) await audit();
      if (socket.disconnected) return fail('unavailable', 'disconnected');
      deps.observeSnapshot?.(
        'series',
        out.reduce((n, m) => n + m.series.reduce((k, s) => k + s.history.length + 1, 0), 0),
      );
      const seqs = out.map((s) => s.seq);
      const catchUp = () =>
        metrics.forEach((m, i) => {
          const missed = stream.pointsSince(m.code, seqs[i]!);
          // null: more happened than the stream holds; the client sees a seq gap and resubscribes
          for (const msg of missed ?? [])
            socket.emit(
              'points:appended',
              filterPoints(msg, entityLookup(catalog, msg), (e) => catalog.decideSeries(who, m, e.id, parsed.data.purpose).allow),
            );
          const room = toRoomId({ type: 'metric', metric: m.code });
          socket.join(room);
          (socket.data.subscriptions ??= {})[room] = { type: 'metric', code: m.code, purpose: parsed.data.purpose };
        });
      return [ok({ serverTime: now, metrics: out }), catchUp];
    }),
  );

  const unsubscribe = handle('series:unsubscribe', async (socket, arg) => {
    const metrics = (arg as { metrics?: unknown } | null)?.metrics;
    if (!Array.isArray(metrics) || metrics.length > 64 || !metrics.every((m) => typeof m === 'string' && catalog.metric(m))) {
      return fail('invalid', 'metrics must be a list of catalog metric codes');
    }
    for (const m of metrics as string[]) {
      const room = toRoomId({ type: 'metric', metric: m });
      socket.leave(room);
      if (socket.data.subscriptions) delete socket.data.subscriptions[room];
    }
    return ok({ metrics: metrics as string[] });
  });

  const subscribeEvents = handle(
    'events:subscribe',
    gated(async (socket, arg) => {
      const parsed = eventsSubscribeSchema.safeParse(arg);
      if (!parsed.success)
        return fail(
          'invalid',
          'invalid subscription',
          parsed.error.issues.map((i) => i.message),
        );
      const who = socket.data.principal;
      const kinds: NonNullable<ReturnType<CatalogService['eventKind']>>[] = [];
      const shared: (() => Promise<void>)[] = [];
      const source = socket.handshake.address ?? null;
      for (const code of new Set(parsed.data.kinds)) {
        const kind = catalog.eventKind(code);
        if (!kind) return fail('not_found', `unknown event kind '${code}'`);
        const decision = catalog.decide(who, kind, 'event_kind', parsed.data.purpose);
        if (!decision.allow) return fail('forbidden', decision.reason);
        shared.push(() =>
          auditSharedRead(deps.pool, who, { type: 'event_kind', code: kind.code, ownerOpd: kind.ownerOpd }, decision, { via: 'socket', source }),
        );
        kinds.push(kind);
      }
      const stream = deps.stream;
      const seqs = kinds.map((k) => stream.eventsSeq(k.code));
      // anonymous: at most limits.openEvents per kind, from a shared snapshot (never a query per request)
      const states = (
        await Promise.all(
          kinds.map((k) => (who.role === 'public' ? publicEvents.get(k.code, parsed.data.open) : openEvents(deps.pool, k.code, parsed.data.open))),
        )
      ).map((st, i) => ({
        ...st,
        open: st.open.filter((e) => catalog.decideEvent(who, kinds[i]!, e.id, parsed.data.purpose).allow),
      }));
      for (const audit of shared) await audit();
      if (socket.disconnected) return fail('unavailable', 'disconnected');
      deps.observeSnapshot?.(
        'events',
        states.reduce((n, s) => n + s.open.length, 0),
      );
      const catchUp = () =>
        kinds.forEach((k, i) => {
          for (const msg of stream.eventsSince(k.code, seqs[i]!) ?? [])
            socket.emit('events:changed', { ...msg, events: msg.events.filter((e) => catalog.decideEvent(who, k, e.id, parsed.data.purpose).allow) });
          const room = toRoomId({ type: 'events', kind: k.code });
          socket.join(room);
          (socket.data.subscriptions ??= {})[room] = { type: 'event_kind', code: k.code, purpose: parsed.data.purpose };
        });
      const snapshot = ok({
        serverTime: deps.clock(),
        kinds: kinds.map((kind, i) => ({ kind, seq: seqs[i]!, ...states[i]! })),
      });
      return [snapshot, catchUp];
    }),
  );

  const listAlerts = handle('alerts:list', async (socket) => {
    const who = socket.data.principal;
    if (who.role === 'public') return fail('forbidden', 'alerts are for signed-in users; public warnings are on /api/public/v1');
    return ok({ alerts: await deps.alerts.list(who) });
  });

  const acknowledge = handle('alert:acknowledge', async (socket, arg) => {
    const parsed = ackSchema.safeParse(arg);
    if (!parsed.success)
      return fail(
        'invalid',
        'an acknowledgement is { id, note }',
        parsed.error.issues.map((i) => i.message),
      );
    const result = await deps.alerts.acknowledge(socket.data.principal, parsed.data.id, parsed.data.note, socket.handshake.address ?? null);
    if (result.kind === 'acknowledged') return ok(result.alert);
    return fail(ACK_CODE[result.kind], ackRefusal(result));
  });

  const KNOWN: ReadonlySet<string> = new Set(['series:subscribe', 'series:unsubscribe', 'events:subscribe', 'alerts:list', 'alert:acknowledge']);
  nsp.on('connection', (socket) => {
    // Anything else a client sends (forged event names, room names, crafted payloads) is refused, with why.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && KNOWN.has(event)) return;
      const refusal = { event: String(event).slice(0, 64), code: 'not_found' as const, message: `no such request '${String(event).slice(0, 64)}'` };
      socket.emit('request:refused', refusal);
      const ack = args.at(-1);
      if (typeof ack === 'function') ack(fail('not_found', refusal.message));
    });
    socket.on('series:subscribe', subscribe(socket));
    socket.on('series:unsubscribe', unsubscribe(socket));
    socket.on('events:subscribe', subscribeEvents(socket));
    socket.on('alerts:list', listAlerts(socket));
    socket.on('alert:acknowledge', acknowledge(socket));
  });
}

/** Roughly what a snapshot costs in memory: bytes per history bucket and per series (measured, bench:greedy). */
const snapshotBytes = (s: MetricSnapshot): number => 512 + s.series.reduce((n, x) => n + 400 + x.history.length * 64, 0);

/**
 * Snapshots shared by anonymous subscribers for a short while (and while in flight), per metric and
 * (quantised) history length. Bounded by bytes, least recently used first out, and by age. Each is filtered
 * once for the public (`visible`) and serialised once (`encoded`): a crowd costs one query and one
 * `JSON.stringify` per metric and period, not one per subscriber.
 */
export function createSnapshotCache(
  series: SeriesService,
  stream: Stream,
  ttlMs: number,
  clock: () => number,
  maxBytes: number = PUBLIC_LIMITS.snapshotCacheBytes,
  visible: (metric: Metric, s: MetricSnapshot['series'][number]) => boolean = () => true,
) {
  type Entry = { at: number; snapshot: Promise<MetricSnapshot> };
  // an entry in flight counts as 64 KiB until its size is known
  const cache = new LRUCache<string, Entry>({ maxSize: maxBytes, sizeCalculation: () => 64 * 1024 });
  return {
    get(metric: Metric, historyMinutes: number, now: number): Promise<MetricSnapshot> {
      const key = `${metric.code}:${historyMinutes}`;
      const hit = cache.get(key);
      if (hit && clock() - hit.at < ttlMs) return hit.snapshot;
      const seq = stream.pointsSeq(metric.code);
      const snapshot = series.snapshot(metric, historyMinutes, now).then((snap) => {
        // serialised once for every subscriber it goes to unchanged (a copy filtered further is serialised as usual)
        return preEncode<MetricSnapshot>({ ...snap, seq, series: snap.series.filter((x) => visible(metric, x)) });
      });
      const entry: Entry = { at: clock(), snapshot };
      cache.set(key, entry);
      snapshot.then(
        (s) => {
          if (cache.peek(key) === entry) // the object and its serialised text
          cache.set(key, entry, { size: Math.min(maxBytes, 2 * snapshotBytes(s)) });
        },
        () => {
          if (cache.peek(key) === entry) cache.delete(key);
        },
      );
      return snapshot;
    },
    /** Estimated bytes held (tests, bench:greedy). */
    get bytes() {
      return cache.calculatedSize;
    },
  };
}

/** Open events of a kind shared by anonymous subscribers (at most `max` per kind), sliced to what each asked. */
function createEventsCache(pool: pg.Pool, ttlMs: number, clock: () => number, max: number) {
  const cache = new Map<string, { at: number; state: ReturnType<typeof openEvents> }>();
  return {
    async get(kind: string, open: number): Promise<Awaited<ReturnType<typeof openEvents>>> {
      let hit = cache.get(kind);
      if (!hit || clock() - hit.at >= ttlMs) {
        hit = { at: clock(), state: openEvents(pool, kind, max) };
        cache.set(kind, hit); // one entry per event kind of the catalog: bounded by the catalog
        const entry = hit;
        entry.state.catch(() => cache.get(kind) === entry && cache.delete(kind));
      }
      const state = await hit.state;
      return { ...state, open: state.open.slice(0, Math.min(open, max)) };
    },
  };
}
