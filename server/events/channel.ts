/**
 * The events channel (`events:subscribe` → `events:changed`): one room per event kind. The snapshot is the
 * kind's open events (newest first, bounded) and counts by status; anonymous subscribers share one per kind.
 * Events of a classified entity reach only those the access rule lets see them (`view`).
 */
import type pg from 'pg';
import type { z } from 'zod';
import type { EventKind } from '../../shared/catalog';
import type { EventsChanged, EventsSnapshot, Principal, WireEvent } from '../../shared/contract';
import { parseRoomId, toRoomId } from '../../shared/rooms';
import { eventsSubscribeSchema } from '../../shared/schemas';
import { openEvents } from '../../db/queries/events';
import type { CatalogService } from '../catalog/service';
import type { ChannelHandler } from '../realtime/channel';
import { auditSharedRead } from '../sharing/audit-read';
import type { UsageRecorder } from '../sharing/usage';
import { liveRefusal } from '../sharing/coarsen';
import { inTerritory } from '../access/policy';

/** What ingest publishes: the events of one kind whose status changed in a committed batch. */
export interface EventsFact {
  kind: string;
  events: readonly WireEvent[];
}

type Delta = Omit<EventsChanged, 'seq'>;

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

const PUBLIC: Principal = { role: 'public' };

export function createEventsChannel(deps: {
  pool: pg.Pool;
  catalog: CatalogService;
  /** Counts reads made through a sharing agreement (server/sharing/usage.ts). */
  usage?: UsageRecorder;
  clock: () => number;
  publicSnapshotMs: number;
  /** Open events one anonymous snapshot carries per kind at most. */
  publicOpenEvents: number;
  observeSnapshot?: (kind: 'series' | 'events', items: number) => void;
}): ChannelHandler<z.output<typeof eventsSubscribeSchema>, EventKind, EventsFact, Delta, EventsSnapshot> {
  const { catalog } = deps;
  const shared = createEventsCache(deps.pool, deps.publicSnapshotMs, deps.clock, deps.publicOpenEvents);
  return {
    type: 'events',
    subscribeEvent: 'events:subscribe',
    deltaEvent: 'events:changed',
    schema: eventsSubscribeSchema,
    keys: (req) => req.kinds,
    authorise(who, key, purpose) {
      const kind = catalog.eventKind(key);
      if (!kind) return { allow: false, code: 'not_found', message: `unknown event kind '${key}'` };
      const d = catalog.decide(who, kind, 'event_kind', purpose);
      if (!d.allow) return { allow: false, code: 'forbidden', message: d.reason };
      const coarse = liveRefusal(kind.code, d.via);
      if (coarse) return { allow: false, code: 'forbidden', message: coarse };
      return {
        allow: true,
        item: kind,
        audit: (source) =>
          auditSharedRead(deps.pool, who, { type: 'event_kind', code: kind.code, ownerOpd: kind.ownerOpd }, d, { via: 'socket', source }, deps.usage),
      };
    },
    roomOf: (kind) => toRoomId({ type: 'events', kind }),
    keyOf(room) {
      const r = parseRoomId(room);
      return r?.type === 'events' ? r.kind : null;
    },
    isPublik: (key) => catalog.eventKind(key)?.class === 'publik',
    roomsOf: (fact) =>
      fact.events.length ? [{ room: toRoomId({ type: 'events', kind: fact.kind }), delta: { kind: fact.kind, events: [...fact.events] } }] : [],
    merge: (a, b) => ({ kind: a.kind, events: [...a.events, ...b.events] }),
    async snapshot(who, inputs, req) {
      // anonymous: at most publicOpenEvents per kind, from a shared snapshot (never a query per request)
      // a territorial role's snapshot (open events and counts) is its area's alone
      const territoryOf = (item: EventKind) => {
        const d = catalog.decide(who, item, 'event_kind', req.purpose);
        return d.allow ? d.territory : undefined;
      };
      const states = await Promise.all(
        inputs.map(({ key, item }) => (who.role === 'public' ? shared.get(key, req.open) : openEvents(deps.pool, key, req.open, territoryOf(item)))),
      );
      const kinds = inputs.map(({ item, seq }, i) => ({
        kind: item,
        seq,
        ...states[i]!,
        open: states[i]!.open.filter((e) => catalog.decideEvent(who, item, e.id, req.purpose).allow),
      }));
      return { data: { serverTime: deps.clock(), kinds }, seqs: inputs.map((i) => i.seq) };
    },
    classified(msg) {
      const kind = catalog.eventKind(msg.kind);
      // a territorial kind's messages differ by territory (camat and lurah subscribers see their area's events)
      return !!kind && (kind.territorial === true || msg.events.some((e) => !catalog.decideEvent(PUBLIC, { ...kind, class: 'publik' }, e.id).allow));
    },
    view(who, msg, key, purpose) {
      const kind = catalog.eventKind(key);
      if (!kind) return msg;
      const events = inTerritory(msg.events, catalog.decide(who, kind, 'event_kind', purpose)).filter(
        (e) => catalog.decideEvent(who, kind, e.id, purpose).allow,
      );
      return events.length === msg.events.length ? msg : { ...msg, events };
    },
    endedFields: (kind) => ({ kind }),
    observe: (snap) =>
      deps.observeSnapshot?.(
        'events',
        snap.kinds.reduce((n, s) => n + s.open.length, 0),
      ),
  };
}
