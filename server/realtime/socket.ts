/**
 * The thin socket layer: authenticate once in `use`, authorise each subscription with the access rule,
 * put sockets in rooms, forward what the stream publishes. `/public` is anonymous and publik-only;
 * `/live` needs a token.
 */
import type { Server as HttpServer } from 'node:http';
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

const ackSchema = z.object({ id: z.number().int().positive(), note: safeText(500).pipe(z.string().trim().min(1)) });
import { openEvents } from '../../db/queries/events';
import type pg from 'pg';
import type { CatalogService } from '../catalog/service';
import type { SeriesService } from '../series/service';
import type { Stream, StreamSink } from './stream';

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
  /** Told the size of every snapshot sent (metrics): series buckets and latest readings, or open events. */
  observeSnapshot?: (kind: 'series' | 'events', items: number) => void;
  authenticate: (token: string) => Promise<Principal | null>;
  log: Logger;
  clock: () => number;
}

export function createIo(httpServer: HttpServer, corsOrigins: readonly string[]): IoServer {
  return new Server(httpServer, {
    // websocket only: connects faster and holds less memory per client than long-polling
    transports: ['websocket'],
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    cors: corsOrigins.length ? { origin: [...corsOrigins] } : undefined,
    // Browsers do not apply CORS to websockets: a page of another site could open one with the user's
    // stored token. Only this site's pages (and listed origins) may; non-browser clients send no Origin.
    allowRequest: (req, callback) => {
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
export function createSink(io: IoServer, catalog: CatalogService, log?: Pick<Logger, 'error'>): StreamSink {
  const live = io.of(NAMESPACES.live);
  const pub = io.of(NAMESPACES.public);
  const isPublik = (c: { class: string } | undefined) => c?.class === 'publik';
  const PUBLIC: Principal = { role: 'public' };
  const perSocket = (roomId: string, send: (socket: { data: SocketData; emit: Sock['emit'] }) => void) => {
    live
      .in(roomId)
      .fetchSockets()
      .then((sockets) => sockets.forEach((s) => send(s as unknown as { data: SocketData; emit: Sock['emit'] })))
      .catch((err: unknown) => log?.error({ err }, 'live: per-socket delivery failed'));
  };
  return {
    points(roomId, msg) {
      const metric = catalog.metric(msg.metric);
      const entityOf = entityLookup(catalog, msg);
      if (!metric || !classifiedIn([...msg.series.map((s) => s.id), ...msg.points.map((p) => p.s)], entityOf)) {
        live.to(roomId).emit('points:appended', msg);
        if (isPublik(metric)) pub.to(roomId).emit('points:appended', msg);
        return;
      }
      const view = (who: Principal) => filterPoints(msg, entityOf, (e) => catalog.decideSeries(who, metric, e.id).allow);
      perSocket(roomId, (s) => s.emit('points:appended', view(s.data.principal)));
      if (isPublik(metric)) pub.to(roomId).emit('points:appended', view(PUBLIC));
    },
    events(roomId, msg) {
      const kind = catalog.eventKind(msg.kind);
      const visible = (who: Principal): EventsChanged =>
        kind ? { ...msg, events: msg.events.filter((e) => catalog.decideEvent(who, kind, e.id).allow) } : msg;
      if (!kind || !msg.events.some((e) => catalog.decideEvent(PUBLIC, { ...kind, class: 'publik' }, e.id).allow === false)) {
        live.to(roomId).emit('events:changed', msg);
        if (isPublik(kind)) pub.to(roomId).emit('events:changed', msg);
        return;
      }
      perSocket(roomId, (s) => s.emit('events:changed', visible(s.data.principal)));
      if (isPublik(kind)) pub.to(roomId).emit('events:changed', visible(PUBLIC));
    },
  };
}

export function registerNamespaces(io: IoServer, deps: SocketDeps): void {
  const pub = io.of(NAMESPACES.public);
  pub.use((socket, next) => {
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
  for (const nsp of [pub, live]) wire(nsp, deps);
}

function wire(nsp: Nsp, deps: SocketDeps): void {
  const { catalog, series, log } = deps;
  const publicSnapshots = createSnapshotCache(series, deps.stream, deps.publicSnapshotMs ?? 2_000, deps.clock);

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

  const subscribe = handle('series:subscribe', async (socket, arg) => {
    const parsed = subscribeSchema.safeParse(arg);
    if (!parsed.success)
      return fail(
        'invalid',
        'invalid subscription',
        parsed.error.issues.map((i) => i.message),
      );
    const who = socket.data.principal;
    const metrics: Metric[] = [];
    for (const code of new Set(parsed.data.metrics)) {
      const metric = catalog.metric(code);
      if (!metric) return fail('not_found', `unknown metric '${code}'`);
      const decision = catalog.decide(who, metric, 'metric', parsed.data.purpose);
      if (!decision.allow) return fail('forbidden', decision.reason);
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
        ? publicSnapshots.get(m, parsed.data.historyMinutes, now)
        : (() => {
            const seq = stream.pointsSeq(m.code);
            return series.snapshot(m, parsed.data.historyMinutes, now).then((snap) => ({ ...snap, seq }));
          })();
    // The series of classified entities (a rahasia project) are left out of what this principal may not read.
    const out: MetricSnapshot[] = (await Promise.all(metrics.map(load))).map((snap) => {
      const series = snap.series.filter((x) => catalog.decideSeries(who, snap.metric, x.entity, parsed.data.purpose).allow);
      return series.length === snap.series.length ? snap : { ...snap, series };
    });
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
        socket.join(toRoomId({ type: 'metric', metric: m.code }));
      });
    return [ok({ serverTime: now, metrics: out }), catchUp];
  });

  const unsubscribe = handle('series:unsubscribe', async (socket, arg) => {
    const metrics = (arg as { metrics?: unknown } | null)?.metrics;
    if (!Array.isArray(metrics) || metrics.length > 64 || !metrics.every((m) => typeof m === 'string' && catalog.metric(m))) {
      return fail('invalid', 'metrics must be a list of catalog metric codes');
    }
    for (const m of metrics as string[]) socket.leave(toRoomId({ type: 'metric', metric: m }));
    return ok({ metrics: metrics as string[] });
  });

  const subscribeEvents = handle('events:subscribe', async (socket, arg) => {
    const parsed = eventsSubscribeSchema.safeParse(arg);
    if (!parsed.success)
      return fail(
        'invalid',
        'invalid subscription',
        parsed.error.issues.map((i) => i.message),
      );
    const who = socket.data.principal;
    const kinds: NonNullable<ReturnType<CatalogService['eventKind']>>[] = [];
    for (const code of new Set(parsed.data.kinds)) {
      const kind = catalog.eventKind(code);
      if (!kind) return fail('not_found', `unknown event kind '${code}'`);
      const decision = catalog.decide(who, kind, 'event_kind', parsed.data.purpose);
      if (!decision.allow) return fail('forbidden', decision.reason);
      kinds.push(kind);
    }
    const stream = deps.stream;
    const seqs = kinds.map((k) => stream.eventsSeq(k.code));
    const states = (await Promise.all(kinds.map((k) => openEvents(deps.pool, k.code, parsed.data.open)))).map((st, i) => ({
      ...st,
      open: st.open.filter((e) => catalog.decideEvent(who, kinds[i]!, e.id, parsed.data.purpose).allow),
    }));
    if (socket.disconnected) return fail('unavailable', 'disconnected');
    deps.observeSnapshot?.(
      'events',
      states.reduce((n, s) => n + s.open.length, 0),
    );
    const catchUp = () =>
      kinds.forEach((k, i) => {
        for (const msg of stream.eventsSince(k.code, seqs[i]!) ?? [])
          socket.emit('events:changed', { ...msg, events: msg.events.filter((e) => catalog.decideEvent(who, k, e.id, parsed.data.purpose).allow) });
        socket.join(toRoomId({ type: 'events', kind: k.code }));
      });
    const snapshot = ok({
      serverTime: deps.clock(),
      kinds: kinds.map((kind, i) => ({ kind, seq: seqs[i]!, ...states[i]! })),
    });
    return [snapshot, catchUp];
  });

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

/** Snapshots shared for a short while (and while in flight), per metric and history length. */
function createSnapshotCache(series: SeriesService, stream: Stream, ttlMs: number, clock: () => number) {
  const cache = new Map<string, { at: number; snapshot: Promise<MetricSnapshot> }>();
  return {
    get(metric: Metric, historyMinutes: number, now: number): Promise<MetricSnapshot> {
      const key = `${metric.code}:${historyMinutes}`;
      const hit = cache.get(key);
      if (hit && clock() - hit.at < ttlMs) return hit.snapshot;
      const seq = stream.pointsSeq(metric.code);
      const snapshot = series.snapshot(metric, historyMinutes, now).then((snap) => ({ ...snap, seq }));
      cache.set(key, { at: clock(), snapshot });
      snapshot.catch(() => cache.delete(key));
      return snapshot;
    },
  };
}
