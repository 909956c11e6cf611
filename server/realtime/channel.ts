/**
 * One channel model (Grafana Live's channel handlers, tldraw's protocol file): every live fact is published
 * to a channel, numbered and kept by the hub (hub.ts), and sent to the sockets of its room; every subscription
 * takes ONE path (`subscribe` below):
 *
 *   parse → authorise (the access rule, per key) → read seq → snapshot → ack → catch up → join
 *
 * and every subscription is judged again by the same `authorise` when rights change (recheck.ts). Domains own
 * their handler (`server/series/channel.ts`, `server/events/channel.ts`, `server/alerts/channel.ts`,
 * `server/feeds/channel.ts`); no domain emits on a socket, the sink here does.
 *
 * Adding a channel (e.g. incidents):
 *   1. the wire names in shared/contract.ts (`incidents:subscribe` request with `SyncRequest` fields, its
 *      snapshot type with `SyncMeta`, and an `incidents:changed` delta that carries `seq`);
 *   2. a handler file `server/incidents/channel.ts` exporting `createIncidentsChannel(deps): ChannelHandler<…>`;
 *   3. one line in server/app.ts: `channels.register(createIncidentsChannel({ … }))`;
 *   4. the domain publishes with `channels.publish('incidents', fact)` (never `io.emit`).
 */
import type { Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import { fail, ok, type Ack, type ErrorCode } from '../../shared/ack';
import type {
  ClientToServerEvents,
  InterServerEvents,
  Principal,
  ServerToClientEvents,
  SocketData,
  SubscriptionRecord,
  SyncMeta,
} from '../../shared/contract';
import { createFanout, type FanoutMessage, type FanoutReport } from './fanout';
import type { Hub, HubEnvelope } from './hub';
import { createPublicPace, type PacedChannel, type PublicPace } from './public-pace';

type Nsp = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type Sock = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Why a key may not be subscribed (unknown: `not_found`; the access rule says no: `forbidden`). */
export interface Refusal {
  code: ErrorCode;
  message: string;
}

export type Authorisation<Item> = { allow: true; item: Item; audit?: (source: string | null) => Promise<void> } | ({ allow: false } & Refusal);

/** Every subscribe request may carry these (shared/schemas.ts `syncRequestFields`). */
export interface BaseRequest {
  purpose?: string | undefined;
  /** Resume: the epoch and the last seq the client holds per key; what the hub still holds is replayed instead of a snapshot. */
  since?: { epoch: string; seqs: Record<string, number> } | undefined;
}

/** What a snapshot is made from: each authorised key, its item, and the seq read before the snapshot's query. */
export interface SnapshotInput<Item> {
  key: string;
  item: Item;
  seq: number;
}

/**
 * A channel's handler, owned by its domain. Keys are the codes a client names (a metric, an event kind, an
 * alerts scope); a key has one room. All functions but `snapshot` are synchronous and cheap: the sink calls
 * `view` per socket for classified messages, the recheck calls `authorise` for every subscription every 5 s.
 *
 * - `type`: the channel's name (the hub's channel type; `SocketData.subscriptions[room].type`).
 * - `subscribeEvent` / `deltaEvent`: its wire names (shared/contract.ts).
 * - `schema`: the request (zod, with `syncRequestFields`); `keys(req)`: the keys it names.
 * - `authorise(who, key, purpose)`: the access rule for one key (also re-run when rights change).
 * - `roomOf(key)` / `keyOf(room)`: built with shared/rooms.ts, nowhere else.
 * - `isPublik(key)`: whether `/public` hears the room too (anonymous principals get `view(PUBLIC, …)`).
 * - `roomsOf(fact)`: where a published fact goes, with the payload for each room (`deltaOf`).
 * - `merge(a, b)`: coalescing of one room's payloads within one tick.
 * - `snapshot(who, inputs, req)`: the current state of the keys, with the seq each actually covers
 *   (a shared, cached snapshot may cover an older seq than the one read; catch-up starts from it).
 * - `view(who, msg, key, purpose)`: the message as this principal may see it (same seq, fewer items);
 *   `classified(msg)` says when views differ among signed-in principals (otherwise one broadcast serves every
 *   `/live` socket). `/public` always gets `view(PUBLIC, …)`, made once per message.
 * - `autoJoin(who)`: keys a socket is put in at connection, before any snapshot (alerts must never be
 *   missed); they are re-judged like any subscription.
 * - `volatile(msg)`: droppable (vehicle positions): sent volatile, and the client does not resync on it.
 */
export interface ChannelHandler<
  Req extends BaseRequest = BaseRequest,
  Item = unknown,
  Fact = unknown,
  Delta extends object = object,
  Snap = unknown,
> {
  readonly type: string;
  readonly subscribeEvent: keyof ClientToServerEvents;
  readonly deltaEvent: keyof ServerToClientEvents;
  readonly schema: z.ZodType<Req>;
  keys(req: Req, who: Principal): string[];
  authorise(who: Principal, key: string, purpose?: string): Authorisation<Item>;
  roomOf(key: string): string;
  keyOf(room: string): string | null;
  isPublik(key: string): boolean;
  roomsOf(fact: Fact): { room: string; delta: Delta }[];
  merge(a: Delta, b: Delta): Delta;
  snapshot(who: Principal, inputs: SnapshotInput<Item>[], req: Req): Promise<{ data: Snap; seqs: number[] }>;
  view?(who: Principal, msg: Delta & { seq: number }, key: string, purpose?: string): Delta & { seq: number };
  classified?(msg: Delta): boolean;
  autoJoin?(who: Principal): string[];
  volatile?(delta: Delta): boolean;
  /**
   * `/public`: empty views not sent, and rooms the handler calls paced sent at most once a second, merged
   * (public-pace.ts; the client follows through the messages' `prev`). Absent: every message sent at once.
   */
  publicPace?: PublicPace<Delta>;
  /** Extra fields of `subscription:ended` for older clients (`metric`, `kind`). */
  endedFields?(key: string): { metric?: string; kind?: string };
  /** Told the size of each snapshot (metrics). */
  observe?(snap: Snap): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers of every request/fact type live in one registry
type AnyHandler = ChannelHandler<any, any, any, any, any>;

const PUBLIC: Principal = { role: 'public' };

export interface Channels {
  register<Req extends BaseRequest, Item, Fact, Delta extends object, Snap>(handler: ChannelHandler<Req, Item, Fact, Delta, Snap>): void;
  /** A fact for the channel's rooms (numbered and sent at the next tick). */
  publish(type: string, fact: unknown): void;
  handler(type: string): AnyHandler | undefined;
  handlers(): AnyHandler[];
  /** The hub's sink: one delivered message to the room's sockets of this process (each as its principal may see it). */
  deliver(env: HubEnvelope): void;
  /** Messages the hub delivered together (one tick, one stream read): `/public` gets them in one write per socket. */
  deliverAll(envs: readonly HubEnvelope[]): void;
  /** The generic subscribe path for one request (see the file header). A continuation runs right after the ack. */
  subscribe(handler: AnyHandler, socket: Sock, arg: unknown, source: string | null): Promise<Ack<unknown> | [Ack<unknown>, () => void]>;
  /** Puts a new socket in the rooms its handlers join at connection. */
  autoJoin(socket: Sock): void;
  /** Leaves a subscription and tells the client why. */
  end(socket: Sock, room: string, refusal: Refusal): void;
}

export function createChannels(deps: {
  hub: () => Hub;
  live: Nsp;
  pub: Nsp;
  /** Socket ids of a namespace that get no more deltas now (outbound.ts). */
  slow: (nsp: Nsp) => string[];
  onError?: (err: unknown) => void;
  /** Told what each `/public` fan-out cost (benchmarks). */
  observeFanout?: (r: FanoutReport) => void;
}): Channels {
  const handlers = new Map<string, AnyHandler>();
  /** `/public`'s sliced write loop (fanout.ts). */
  const pubFanout = createFanout(deps.pub, deps.observeFanout ? { observe: deps.observeFanout } : {});
  /** What `/public` sends of the rooms of handlers with a `publicPace`, and when (public-pace.ts). */
  const publicPace = createPublicPace({
    send: (messages) => pubFanout.deliver(messages, deps.slow(deps.pub)),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  const paced = new Map<string, PacedChannel<object>>();

  const emitTo = (target: { emit: Sock['emit'] }, event: string, msg: object) => (target.emit as (e: string, m: object) => void)(event, msg);

  const record = (socket: Sock, h: AnyHandler, key: string, purpose: string | undefined) => {
    const room = h.roomOf(key);
    const rec: SubscriptionRecord = { type: h.type, code: key, purpose };
    (socket.data.subscriptions ??= {})[room] = rec;
    socket.join(room);
  };

  const api: Channels = {
    register(handler) {
      if (handlers.has(handler.type)) throw new Error(`channel '${handler.type}' registered twice`);
      handlers.set(handler.type, handler as AnyHandler);
      const h = handler as AnyHandler;
      if (h.publicPace)
        paced.set(h.type, {
          deltaEvent: h.deltaEvent,
          publicPace: h.publicPace,
          merge: (a, b) => h.merge(a, b),
          isPublik: (key) => h.isPublik(key),
          publicView: (msg, key) => (h.view ? h.view(PUBLIC, msg, key) : msg),
        });
      deps.hub().define(handler.type, (a, b) => handler.merge(a as never, b as never));
    },
    publish(type, fact) {
      const h = handlers.get(type);
      if (!h) throw new Error(`no channel '${type}'`);
      for (const { room, delta } of h.roomsOf(fact)) deps.hub().publish(type, room, delta, { volatile: h.volatile?.(delta) ?? false });
    },
    handler: (type) => handlers.get(type),
    handlers: () => [...handlers.values()],
    deliver(env) {
      api.deliverAll([env]);
    },
    deliverAll(envs) {
      // /public: every message of the delivery encoded once, one write per socket for all of them (fanout.ts)
      const toPublic: FanoutMessage[] = [];
      for (const env of envs) {
        const h = handlers.get(env.channel);
        const key = h?.keyOf(env.room);
        if (!h || key == null) continue;
        try {
          const wire = { ...env.data, seq: env.seq, ...(env.volatile ? { volatile: true } : {}) } as object & { seq: number };
          const views = h.view && (h.classified?.(env.data) ?? true);
          // every anonymous socket sees the same view: made and encoded once for the room, not per socket; made
          // whatever `classified` says (as catch-up does), since anonymous sockets may get less than any signed-in
          // principal (no registered lines, current readings only: series/channel.ts)
          if (h.isPublik(key)) {
            const pace = paced.get(h.type);
            const m = pace
              ? publicPace.offer(pace, env, key)
              : { room: env.room, event: h.deltaEvent, payload: h.view ? h.view(PUBLIC, wire, key) : wire, volatile: env.volatile };
            if (m) toPublic.push(m);
          }
          const nsp = deps.live;
          // one broadcast when every socket sees the same (no classified items)
          if (!views) {
            const op = nsp.local.to(env.room).except(deps.slow(nsp));
            emitTo(env.volatile ? op.volatile : op, h.deltaEvent, wire);
            continue;
          }
          // per socket (classified items differ by principal), this process's sockets only, in order
          const ids = nsp.adapter.rooms.get(env.room);
          if (!ids) continue;
          const skip = new Set(deps.slow(nsp));
          for (const id of ids) {
            const s = nsp.sockets.get(id);
            if (!s || skip.has(id)) continue;
            emitTo(env.volatile ? s.volatile : s, h.deltaEvent, h.view!(s.data.principal, wire, key, s.data.subscriptions?.[env.room]?.purpose));
          }
        } catch (e) {
          deps.onError?.(e);
        }
      }
      try {
        if (toPublic.length) pubFanout.deliver(toPublic, deps.slow(deps.pub));
      } catch (e) {
        deps.onError?.(e);
      }
    },
    async subscribe(h, socket, arg, source) {
      const parsed = h.schema.safeParse(arg);
      if (!parsed.success)
        return fail(
          'invalid',
          'invalid subscription',
          parsed.error.issues.map((i) => i.message),
        );
      const req = parsed.data as BaseRequest;
      const who = socket.data.principal;
      const hub = deps.hub();
      // authorise every key first: one refusal refuses the request
      const granted: { key: string; item: unknown; audit?: (source: string | null) => Promise<void> }[] = [];
      for (const key of new Set(h.keys(req, who))) {
        const a = h.authorise(who, key, req.purpose);
        if (!a.allow) return fail(a.code, a.message);
        granted.push({ key, item: a.item, ...(a.audit ? { audit: a.audit } : {}) });
      }
      // resume: keys whose missed messages the hub still holds (same epoch) need no snapshot
      const since = req.since?.epoch === hub.epoch ? req.since.seqs : {};
      const resumed = new Map<string, number>();
      for (const g of granted) {
        const from = since[g.key];
        if (from !== undefined && hub.since(h.roomOf(g.key), from) !== null) resumed.set(g.key, from);
      }
      // seqs are read before the queries: what was published up to them is in the snapshot, the rest is replayed
      const inputs = granted.filter((g) => !resumed.has(g.key)).map((g) => ({ key: g.key, item: g.item, seq: hub.seq(h.roomOf(g.key)) }));
      const snap = await h.snapshot(who, inputs, req);
      for (const g of granted) await g.audit?.(source);
      if (socket.disconnected) return fail('unavailable', 'disconnected');
      h.observe?.(snap.data);
      const from = new Map(resumed);
      inputs.forEach((inp, i) => from.set(inp.key, snap.seqs[i] ?? inp.seq));
      const meta: SyncMeta = { epoch: hub.epoch, resumed: [...resumed.keys()] };
      const catchUp = () => {
        for (const g of granted) {
          const room = h.roomOf(g.key);
          // null: more happened than the hub holds; the client sees a seq gap and resubscribes
          for (const env of hub.since(room, from.get(g.key)!) ?? []) {
            const wire = { ...env.data, seq: env.seq, ...(env.volatile ? { volatile: true } : {}) } as object & { seq: number };
            emitTo(socket, h.deltaEvent, h.view ? h.view(who, wire, g.key, req.purpose) : wire);
          }
          record(socket, h, g.key, req.purpose);
        }
      };
      // what the fan-out still holds for this socket leaves before the answer (the order it would have had)
      pubFanout.flush(socket.id);
      return [ok({ ...(snap.data as object), ...meta }), catchUp];
    },
    autoJoin(socket) {
      const who = socket.data.principal;
      for (const h of handlers.values())
        for (const key of h.autoJoin?.(who) ?? []) {
          if (h.authorise(who, key).allow) record(socket, h, key, undefined);
        }
    },
    end(socket, room, refusal) {
      const sub = socket.data.subscriptions?.[room];
      socket.leave(room);
      if (!sub) return;
      delete socket.data.subscriptions![room];
      const h = handlers.get(sub.type);
      socket.emit('subscription:ended', {
        channel: sub.type,
        key: sub.code,
        ...h?.endedFields?.(sub.code),
        code: refusal.code,
        message: refusal.message,
      });
    },
  };
  return api;
}
