/**
 * The thin socket layer: authenticate once in `use`, bound what anonymous clients may do, and hand every
 * subscription to the one generic path of channel.ts (each channel's handler is owned by its domain). `/public`
 * is anonymous and publik-only; `/live` needs a token. Permissions are re-judged every RECHECK_MS (recheck.ts).
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Namespace } from 'socket.io';
import { fail, ok, type Ack, type ErrorCode } from '../../shared/ack';
import type { ClientToServerEvents, InterServerEvents, Principal, ServerToClientEvents, SocketData } from '../../shared/contract';
import { NAMESPACES } from '../../shared/contract';
import { batchSubscribeSchema, MAX_BATCH_ITEMS, safeText } from '../../shared/schemas';
import { z } from 'zod';
import type pg from 'pg';
import { ackRefusal, type AckResult, type AlertService } from '../alerts/service';
import type { CatalogService } from '../catalog/service';
import { preEncodingParser } from './preencoded';
import { LOOPBACK_HOSTS, requestHostAllowed } from '../http/hosts';
import type { Channels, Sock } from './channel';
import { endedSessions, judgeSubscriptions, SESSION_END_MESSAGES } from './recheck';

export { quantiseHistory, PUBLIC_HISTORY_STEPS } from '../series/channel';

const ackSchema = z.object({ id: z.number().int().positive(), note: safeText(500).pipe(z.string().trim().min(1)) });

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

export interface SocketDeps {
  pool: pg.Pool;
  catalog: CatalogService;
  channels: Channels;
  alerts: AlertService;
  authenticate: (token: string) => Promise<Principal | null>;
  log: Logger;
  clock: () => number;
  /** What one anonymous client may make the server hold or do (PUBLIC_LIMITS by default). */
  publicLimits?: Partial<PublicLimits>;
  /** The client's address as the HTTP side sees it (TRUST_PROXY applied); default the peer's. */
  clientAddress?: (req: IncomingMessage) => string;
  /** Where per-address bounds are counted (a cluster: Redis); default this process's memory. */
  addressCounters?: AddressCounters;
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

/**
 * Where the per-address bounds on anonymous clients are counted: in this process (one process), or across the
 * cluster (server/cluster/redis.ts), so that a flood from one address meets one limit, not one per process.
 * Requests in flight per address stay per process: they bound the memory of the process answering them.
 */
export interface AddressCounters {
  /** Takes one of the address's socket slots; false when it has `max` open already. */
  openSocket(address: string, max: number): Promise<boolean>;
  closeSocket(address: string): void;
  /** Counts one subscribe request of the address in the current minute; false past `perMin`. */
  subscribe(address: string, perMin: number): Promise<boolean>;
}

/** One process: everything in memory. */
export function memoryAddressCounters(clock: () => number): AddressCounters {
  const open = new Map<string, number>();
  const budgets = new Map<number, (key: string) => boolean>();
  return {
    async openSocket(address, max) {
      const n = open.get(address) ?? 0;
      if (n >= max) return false;
      open.set(address, n + 1);
      return true;
    },
    closeSocket(address) {
      const n = (open.get(address) ?? 1) - 1;
      if (n <= 0) open.delete(address);
      else open.set(address, n);
    },
    async subscribe(address, perMin) {
      let budget = budgets.get(perMin);
      if (!budget) budgets.set(perMin, (budget = createWindowCounter(perMin, clock)));
      return budget(address);
    },
  };
}

/** A fixed-window counter per key, bounded in keys (the oldest window is dropped first). */
function createWindowCounter(perMin: number, clock: () => number, maxKeys = 100_000) {
  const windows = new Map<string, { start: number; n: number }>();
  return (key: string, weight = 1): boolean => {
    const now = clock();
    let w = windows.get(key);
    if (!w || now - w.start >= 60_000) {
      windows.delete(key);
      w = { start: now, n: 0 };
      windows.set(key, w);
      if (windows.size > maxKeys) windows.delete(windows.keys().next().value!);
    }
    w.n += weight;
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

export function registerNamespaces(io: IoServer, deps: SocketDeps): { stop(): void; now(): Promise<void> } {
  const limits: PublicLimits = { ...PUBLIC_LIMITS, ...deps.publicLimits };
  const addressOf = (socket: Sock) => (deps.clientAddress ? deps.clientAddress(socket.request) : socket.handshake.address);
  const pub = io.of(NAMESPACES.public);
  const counters = deps.addressCounters ?? memoryAddressCounters(deps.clock);
  pub.use((socket, next) => {
    const address = addressOf(socket);
    counters.openSocket(address, limits.socketsPerAddress).then(
      (allowed) => {
        if (!allowed) return next(new Error('too many connections from this address'));
        // given back once, when the socket leaves or its connection closes (also during the handshake)
        let freed = false;
        const free = () => {
          if (freed) return;
          freed = true;
          counters.closeSocket(address);
        };
        socket.once('disconnect', free);
        socket.conn.once('close', free);
        if (socket.conn.readyState !== 'open') {
          free();
          return next(new Error('disconnected'));
        }
        socket.data.principal = { role: 'public' };
        next();
      },
      (e: unknown) => {
        deps.log.error({ err: e }, 'could not count the connections of an address');
        next(new Error('unavailable'));
      },
    );
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
  // Feed health and alerts must not be missed: a socket is in their rooms from connection (channel autoJoin).
  live.on('connection', (socket) => deps.channels.autoJoin(socket));

  // per address: how many requests run, and those waiting their turn (a crowd behind one address queues)
  const inFlight = new Map<string, { running: number; waiting: (() => void)[] }>();
  /** An anonymous request's ticket (call it when answered) once its turn comes, or why it is refused. */
  const admitAddress = async (socket: Sock): Promise<(() => void) | string> => {
    const address = addressOf(socket);
    if (!(await counters.subscribe(address, limits.subscribesPerAddressPerMin)))
      return 'too many subscriptions from this address; slow down and retry in a minute';
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
    const ended = await endedSessions(
      deps.pool,
      sockets.map((s) => s.data.principal),
    );
    for (const socket of sockets) {
      const who = socket.data.principal;
      if (who.role === 'public') continue;
      const reason = ended.get(who.tokenId);
      if (reason) {
        socket.emit('session:ended', { reason, message: SESSION_END_MESSAGES[reason] });
        socket.disconnect(true);
        continue;
      }
      // every channel's subscriptions (points, events, alerts, feeds, …) by its own access rule
      for (const { room, refusal } of judgeSubscriptions(who, socket.data.subscriptions ?? {}, (type) => deps.channels.handler(type)))
        deps.channels.end(socket, room, refusal);
    }
  };
  const run = () =>
    (running = running.then(sweep).catch((e) => deps.log.warn({ err: e }, 'could not re-check live subscriptions; retrying at the next sweep')));
  const timer = setInterval(run, RECHECK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), now: run };
}

function wire(nsp: Nsp, deps: SocketDeps, limits: PublicLimits, admitAddress: (socket: Sock) => Promise<(() => void) | string>): void {
  const { log, channels } = deps;
  const socketBudget = createWindowCounter(limits.subscribesPerSocketPerMin, deps.clock);
  /**
   * Anonymous subscribe requests are counted per socket and per address, and only a few run at once per address.
   * A batch counts its items against the socket's budget (what it asks for), and once against the address's
   * (one request in flight, one round-trip to a cluster's counters).
   */
  const gated =
    <T>(fn: (socket: Sock, arg: unknown) => Promise<Ack<T> | [Ack<T>, () => void]>, weightOf: (arg: unknown) => number = () => 1) =>
    async (socket: Sock, arg: unknown): Promise<Ack<T> | [Ack<T>, () => void]> => {
      if (socket.data.principal.role !== 'public') return fn(socket, arg);
      if (!socketBudget(socket.id, weightOf(arg)))
        return fail('unavailable', 'too many subscriptions on this connection; slow down and retry in a minute');
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

  // one generic subscribe path per channel (channel.ts)
  const subscribers = channels.handlers().map((h) => ({
    event: h.subscribeEvent,
    on: handle(
      h.subscribeEvent,
      gated((socket, arg) => channels.subscribe(h, socket, arg, socket.handshake.address ?? null)),
    ),
  }));

  /**
   * Several subscriptions in one request (the citizen page's first: nine metrics and the notices). Each item
   * takes the one generic path of its channel, parsed and authorised as if it had come alone, and is answered
   * on its own; the catch-ups run after the one acknowledgement, in the items' order.
   */
  const batch = handle(
    'channels:subscribe',
    gated(
      async (socket, arg) => {
        const parsed = batchSubscribeSchema.safeParse(arg);
        if (!parsed.success)
          return fail(
            'invalid',
            `a batch is { items: [{ channel, request }] } with 1 to ${MAX_BATCH_ITEMS} items`,
            parsed.error.issues.map((i) => i.message),
          );
        const answers = await Promise.all(
          parsed.data.items.map((item) => {
            const h = channels.handler(item.channel);
            if (!h) return fail('not_found', `no channel '${item.channel.slice(0, 32)}'`);
            return channels.subscribe(h, socket, item.request, socket.handshake.address ?? null);
          }),
        );
        const results = answers.map((a) => (Array.isArray(a) ? a[0] : a)) as Ack<Record<string, unknown>>[];
        const after = answers.flatMap((a) => (Array.isArray(a) ? [a[1]] : []));
        return [ok({ results }), () => after.forEach((run) => run())];
      },
      // malformed or oversized: one unit (refused by the parse before any work)
      (arg) => {
        const items = (arg as { items?: unknown } | null)?.items;
        return Array.isArray(items) && items.length <= MAX_BATCH_ITEMS ? Math.max(1, items.length) : 1;
      },
    ),
  );

  const points = channels.handler('points');
  const unsubscribe = handle('series:unsubscribe', async (socket, arg) => {
    const metrics = (arg as { metrics?: unknown } | null)?.metrics;
    if (!points || !Array.isArray(metrics) || metrics.length > 64 || !metrics.every((m) => typeof m === 'string' && deps.catalog.metric(m))) {
      return fail('invalid', 'metrics must be a list of catalog metric codes');
    }
    for (const m of metrics as string[]) {
      const room = points.roomOf(m);
      socket.leave(room);
      if (socket.data.subscriptions) delete socket.data.subscriptions[room];
    }
    return ok({ metrics: metrics as string[] });
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

  const KNOWN: ReadonlySet<string> = new Set([
    'series:unsubscribe',
    'alerts:list',
    'alert:acknowledge',
    'channels:subscribe',
    ...subscribers.map((s) => s.event),
  ]);
  nsp.on('connection', (socket) => {
    // Anything else a client sends (forged event names, room names, crafted payloads) is refused, with why.
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && KNOWN.has(event)) return;
      const refusal = { event: String(event).slice(0, 64), code: 'not_found' as const, message: `no such request '${String(event).slice(0, 64)}'` };
      socket.emit('request:refused', refusal);
      const ack = args.at(-1);
      if (typeof ack === 'function') ack(fail('not_found', refusal.message));
    });
    for (const sub of subscribers) socket.on(sub.event, sub.on(socket) as never);
    socket.on('channels:subscribe', batch(socket));
    socket.on('series:unsubscribe', unsubscribe(socket));
    socket.on('alerts:list', listAlerts(socket));
    socket.on('alert:acknowledge', acknowledge(socket));
  });
}
