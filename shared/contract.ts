/**
 * The typed socket contract. Server: `Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>`;
 * client: `Socket<ServerToClientEvents, ClientToServerEvents>`. Event names are `domain:verb`.
 */
import type { Ack, ErrorCode } from './ack';
import type { DataClass, EventKind, Metric, SeriesMeta } from './catalog';
import type { WireAlert } from './alerts';
import type { FeedHealth } from './feed-state';
import type { IncidentsChanged, IncidentsSnapshot, IncidentsSubscribeRequest } from './incidents';
import type { NoticesChanged, NoticesSnapshot, NoticesSubscribeRequest } from './notices';
import type {
  AlertsSubscribeRequest,
  BatchSubscribeRequest,
  CatalogSubscribeRequest,
  EventsSubscribeRequest,
  FeedsSubscribeRequest,
  SubscribeRequest,
} from './schemas';

/** A reading on the wire: epoch milliseconds, not ISO strings (formatting dates costs more than the JSON). */
export interface WirePoint {
  /** series id (see SeriesMeta) */
  s: number;
  t: number;
  v: number;
  lon?: number;
  lat?: number;
  /**
   * Present on a correction (a reading sent again with a higher `revision`): the value it replaces. The client
   * replaces the reading, also inside a folded minute (its mean moves by (v − was) / n).
   */
  was?: number;
}

/** One 1-minute bucket of history. */
export interface WireBucket {
  t: number;
  avg: number;
  min: number;
  max: number;
  last: number;
}

export interface SeriesSnapshot extends SeriesMeta {
  /** Latest reading, or null if the series has none yet. */
  latest: { t: number; v: number } | null;
  history: WireBucket[];
}

export interface MetricSnapshot {
  metric: Metric;
  /** Sequence number of the last delta included; deltas continue at seq + 1. */
  seq: number;
  series: SeriesSnapshot[];
}

/**
 * What every subscribe answer carries besides its snapshot: the hub's epoch (a resume names it) and the keys
 * that were resumed (no snapshot: the missed deltas follow the answer, from the seq the client sent).
 */
export interface SyncMeta {
  epoch: string;
  resumed: string[];
}

export interface Snapshot extends Partial<SyncMeta> {
  serverTime: number;
  metrics: MetricSnapshot[];
}

export interface PointsAppended {
  metric: string;
  seq: number;
  /**
   * The seq this message follows when it is not `seq − 1` (`/public` only): the message stands for every one
   * after `prev` up to `seq` — several merged (a metric without alert levels reaches citizens at most once a
   * second) or ones whose public view was empty and never sent (server/realtime/public-pace.ts). A client
   * holding any seq from `prev` to `seq − 1` applies it; one holding less has a gap.
   */
  prev?: number;
  /** Droppable (positions only): a client that missed earlier ones applies it without resyncing. */
  volatile?: boolean;
  /** Series first seen since the subscriber's snapshot travel with the points that need them. */
  series: SeriesMeta[];
  points: WirePoint[];
}

/** An event (complaint, flood report, milestone) as streamed to authorised subscribers. */
export interface WireEvent {
  kind: string;
  id: string;
  status: string;
  t: number;
  category: string | null;
  region: string | null;
  lon: number | null;
  lat: number | null;
}

// defined beside the subscription schema that bounds them
export { DEFAULT_SNAPSHOT_OPEN_EVENTS, MAX_SNAPSHOT_OPEN_EVENTS } from './schemas';

export interface EventsSnapshot extends Partial<SyncMeta> {
  serverTime: number;
  kinds: { kind: EventKind; seq: number; open: WireEvent[]; countsByStatus: Record<string, number> }[];
}

export interface EventsChanged {
  kind: string;
  seq: number;
  events: WireEvent[];
}

/** Alerts of one scope (`all`: the command center; an OPD code: that OPD's metrics), numbered per scope. */
export interface AlertsChanged {
  scope: string;
  seq: number;
  alerts: WireAlert[];
}

export interface AlertsSnapshot extends Partial<SyncMeta> {
  serverTime: number;
  scope: string;
  seq: number;
  alerts: WireAlert[];
}

export interface FeedsReported {
  seq: number;
  feeds: FeedHealth[];
}

export interface FeedsSnapshot extends Partial<SyncMeta> {
  serverTime: number;
  seq: number;
  feeds: FeedHealth[];
}

/** The catalog changed (issue 17): refetch GET /api/v1/catalog if `version` is newer than the one held. */
export interface CatalogChanged {
  seq: number;
  version: number;
}

export interface CatalogSnapshot extends Partial<SyncMeta> {
  serverTime: number;
  seq: number;
  /** The catalog version the server holds now. */
  version: number;
}

export interface ServerToClientEvents {
  'points:appended': (msg: PointsAppended) => void;
  'events:changed': (msg: EventsChanged) => void;
  /** Health of ingest feeds as workers report it (operators only). */
  'feeds:reported': (msg: FeedsReported) => void;
  /** Alerts opened, escalated, cleared or acknowledged (never volatile). */
  'alerts:changed': (msg: AlertsChanged) => void;
  /** Incidents, watch alerts and escalation steps of the socket's room (never volatile; per-room seq). */
  'incidents:changed': (msg: IncidentsChanged) => void;
  /** Public notices published, updated or withdrawn (issue 21; /public and /live; never volatile). */
  'notices:changed': (msg: NoticesChanged) => void;
  /** The catalog changed (admin REST or CLI, issue 17): clients refetch /api/v1/catalog (/live; never volatile). */
  'catalog:changed': (msg: CatalogChanged) => void;
  /** A request the server does not know was refused (forged event names get an answer, not silence). */
  'request:refused': (msg: { event: string; code: ErrorCode; message: string }) => void;
  /** The session behind this socket ended (expired, revoked, user disabled or changed); the server disconnects next. */
  'session:ended': (msg: { reason: SessionEndReason; message: string }) => void;
  /**
   * A subscription lost its permission (agreement ended or revoked, role changed): the server left its room.
   * `channel` and `key` name it; `metric` / `kind` repeat the key for points and events.
   */
  'subscription:ended': (msg: { channel: string; key: string; metric?: string; kind?: string; code: ErrorCode; message: string }) => void;
}

/** Why a live socket's session ended: `revoked` covers logout elsewhere, a password change, a token revoked. */
export type SessionEndReason = 'expired' | 'revoked' | 'disabled' | 'role_changed';

export interface ClientToServerEvents {
  'series:subscribe': (req: SubscribeRequest, ack: (res: Ack<Snapshot>) => void) => void;
  'series:unsubscribe': (req: { metrics: string[] }, ack: (res: Ack<{ metrics: string[] }>) => void) => void;
  'events:subscribe': (req: EventsSubscribeRequest, ack: (res: Ack<EventsSnapshot>) => void) => void;
  /** Open alerts and those cleared in the last day that the caller may see (/live). */
  'alerts:list': (req: Record<string, never>, ack: (res: Ack<{ alerts: WireAlert[] }>) => void) => void;
  /** The caller's alerts scope: a snapshot with its seq, then `alerts:changed` in sequence (catch-up on resume). */
  'alerts:subscribe': (req: AlertsSubscribeRequest, ack: (res: Ack<AlertsSnapshot>) => void) => void;
  /** Feed health (operators): a snapshot with its seq, then `feeds:reported` in sequence. */
  'feeds:subscribe': (req: FeedsSubscribeRequest, ack: (res: Ack<FeedsSnapshot>) => void) => void;
  'alert:acknowledge': (req: { id: number; note: string }, ack: (res: Ack<WireAlert>) => void) => void;
  /** Incidents of the caller's scope (issue 16): a snapshot with its seq, then `incidents:changed` in sequence. */
  'incidents:subscribe': (req: IncidentsSubscribeRequest, ack: (res: Ack<IncidentsSnapshot>) => void) => void;
  /** Public notices in force or announced (issue 21): a snapshot with its seq, then `notices:changed` in sequence. */
  'notices:subscribe': (req: NoticesSubscribeRequest, ack: (res: Ack<NoticesSnapshot>) => void) => void;
  /** Catalog changes (signed-in sockets are in the room from connection): the version held, then `catalog:changed`. */
  'catalog:subscribe': (req: CatalogSubscribeRequest, ack: (res: Ack<CatalogSnapshot>) => void) => void;
  /**
   * Several subscriptions in one request (shared/schemas.ts `batchSubscribeSchema`): one answer whose `results`
   * are, in the items' order, what each channel's own subscribe request would have answered.
   */
  'channels:subscribe': (req: BatchSubscribeRequest, ack: (res: Ack<BatchSubscribeAnswer>) => void) => void;
}

/** The answer of `channels:subscribe`: one acknowledgement per item, in order (each as its channel's own). */
export interface BatchSubscribeAnswer {
  results: Ack<Record<string, unknown>>[];
}

export type InterServerEvents = Record<string, never>;

/** Who is on the other end of a socket; set once by the handshake middleware. `user`: the username of a login session (absent for device tokens). */
export type Principal =
  | { role: 'public' }
  | { role: 'admin'; tokenId: number; user?: string }
  | { role: 'operator'; tokenId: number; user?: string }
  | { role: 'agency'; opd: string; tokenId: number; user?: string }
  /** A territorial user (camat: a kecamatan code; lurah/kades: a kelurahan/desa code), issue 17. */
  | { role: 'wilayah'; region: string; tokenId: number; user?: string };

export interface SocketData {
  principal: Principal;
  /** What the socket subscribed to (by room), with the purpose it stated: re-judged when permissions change. */
  subscriptions?: Record<string, SubscriptionRecord>;
}

/** One subscription of a socket: its channel type (`points`, `events`, `alerts`, `feeds`, …), key and stated purpose. */
export interface SubscriptionRecord {
  type: string;
  code: string;
  purpose?: string | undefined;
}

export const NAMESPACES = { public: '/public', live: '/live' } as const;

export type { DataClass };
