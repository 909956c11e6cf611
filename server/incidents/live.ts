/**
 * The incidents channel on the live socket: one small, isolated file, so it ports onto the one channel model
 * (issue 18) as one handler. Until then it keeps the same model by itself: rooms built by shared/rooms.ts
 * (`incidents` for the command center, `incidents:<OPD>` per OPD), a sequence number per room, changes coalesced
 * per tick, never volatile. The snapshot is GET /api/v1/incidents, which answers the seq it is current to;
 * a client applies deltas after it (by incident version, so a delta seen twice changes nothing) and resyncs on a
 * gap. Sockets join their rooms at connection (a principal's rooms follow from its role and OPD only; an ended
 * session is disconnected by the live recheck). Incidents an OPD sees through an agreement are REST-only.
 */
import type { Namespace } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, Principal, ServerToClientEvents, SocketData } from '../../shared/contract';
import type { IncidentsChanged, WireEscalation, WireIncident, WireWatchAlert } from '../../shared/incidents';
import { toRoomId } from '../../shared/rooms';
import type { IncidentRow } from './repository';
import { maySeeReporter } from './rules';

type LiveNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** The rooms a principal hears incidents in. */
export function incidentRoomsOf(who: Principal): string[] {
  if (who.role === 'operator' || who.role === 'admin') return [toRoomId({ type: 'incidents' })];
  if (who.role === 'agency') return [toRoomId({ type: 'incidents', opd: who.opd })];
  return [];
}

/** The wire incident as `who` sees it: the reporter only where the rule allows. */
export function redactIncident(who: Principal, row: IncidentRow): WireIncident {
  return {
    id: row.id,
    sourceType: row.sourceType,
    sourceRef: row.sourceRef,
    title: row.title,
    region: row.region,
    lon: row.lon,
    lat: row.lat,
    severity: row.severity,
    handlingOpd: row.handlingOpd,
    supportingOpds: row.supportingOpds,
    class: row.class,
    status: row.status,
    targetAt: row.targetAt,
    reporter: maySeeReporter(who, row) ? row.reporter : null,
    reporterShared: row.reporterShared,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    acceptedAt: row.acceptedAt,
    closedAt: row.closedAt,
    mergedInto: row.mergedInto,
    escalationLevel: row.escalationLevel,
    version: row.version,
  };
}

/** Who a room stands for, for redaction (rooms are per role and OPD, and so is the rule). */
const principalOfRoom = (room: string): Principal =>
  room.startsWith('incidents:') ? { role: 'agency', opd: room.slice(10), tokenId: 0 } : { role: 'operator', tokenId: 0 };

/** The rooms an incident shows in (command center unless rahasia; handling and supporting OPDs). */
export function roomsOfIncident(row: Pick<IncidentRow, 'class' | 'handlingOpd' | 'supportingOpds'>): string[] {
  const rooms = row.class === 'rahasia' ? [] : [toRoomId({ type: 'incidents' })];
  for (const opd of new Set([row.handlingOpd, ...row.supportingOpds])) rooms.push(toRoomId({ type: 'incidents', opd }));
  return rooms;
}

export interface IncidentChannel {
  /** Changed incidents; `formerOpds`: OPDs that saw it before the change (those that no longer do get `removed`). */
  incidents(changes: readonly { row: IncidentRow; formerOpds?: readonly string[] }[]): void;
  watch(alerts: readonly WireWatchAlert[]): void;
  escalations(steps: readonly WireEscalation[]): void;
  /** The seq a room is at: a snapshot read after this is current to at least it. */
  seqOf(room: string): number;
  flush(): void;
  close(): void;
}

interface Pending {
  incidents: Map<number, WireIncident>;
  removed: Set<number>;
  watch: WireWatchAlert[];
  escalations: WireEscalation[];
}

export function createIncidentChannel(live: LiveNamespace, tickMs: number): IncidentChannel {
  const seq = new Map<string, number>();
  const pending = new Map<string, Pending>();
  let timer: NodeJS.Timeout | null = null;

  const onConnection = (socket: Parameters<Parameters<LiveNamespace['on']>[1]>[0]) => {
    const rooms = incidentRoomsOf(socket.data.principal);
    if (rooms.length) void socket.join(rooms);
  };
  live.on('connection', onConnection);

  const buf = (room: string): Pending => {
    let p = pending.get(room);
    if (!p) pending.set(room, (p = { incidents: new Map(), removed: new Set(), watch: [], escalations: [] }));
    if (!timer) timer = setTimeout(flush, tickMs);
    return p;
  };

  function flush() {
    if (timer) clearTimeout(timer);
    timer = null;
    for (const [room, p] of pending) {
      const next = (seq.get(room) ?? 0) + 1;
      seq.set(room, next);
      const msg: IncidentsChanged = {
        room,
        seq: next,
        incidents: [...p.incidents.values()],
        removed: [...p.removed],
        watch: p.watch,
        escalations: p.escalations,
      };
      live.to(room).emit('incidents:changed', msg);
    }
    pending.clear();
  }

  return {
    incidents(changes) {
      for (const { row, formerOpds } of changes) {
        const rooms = roomsOfIncident(row);
        for (const room of rooms) {
          const p = buf(room);
          p.incidents.set(row.id, redactIncident(principalOfRoom(room), row));
          p.removed.delete(row.id);
        }
        for (const opd of formerOpds ?? []) {
          const room = toRoomId({ type: 'incidents', opd });
          if (rooms.includes(room)) continue;
          const p = buf(room);
          p.incidents.delete(row.id);
          p.removed.add(row.id);
        }
      }
    },
    watch(alerts) {
      for (const a of alerts) {
        buf(toRoomId({ type: 'incidents' })).watch.push(a);
        buf(toRoomId({ type: 'incidents', opd: a.opd })).watch.push(a);
      }
    },
    escalations(steps) {
      for (const s of steps) {
        buf(toRoomId({ type: 'incidents' })).escalations.push(s);
        if (s.opd) buf(toRoomId({ type: 'incidents', opd: s.opd })).escalations.push(s);
      }
    },
    seqOf: (room) => seq.get(room) ?? 0,
    flush,
    close() {
      flush();
      live.off('connection', onConnection);
    },
  };
}
