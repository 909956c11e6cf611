/**
 * Room names are built and parsed here and nowhere else (cf. Grafana's parseLiveChannelAddress).
 */
import { CATALOG_CODE } from './schemas';

export type Room =
  | { type: 'metric'; metric: string }
  | { type: 'events'; kind: string }
  | { type: 'feeds' }
  /** alerts for the command center (no opd) or for one OPD */
  | { type: 'alerts'; opd?: string }
  /**
   * incidents, watch alerts and escalation steps for the command center (no opd) or for one OPD; with `purpose`
   * (only with `opd`): the incidents other OPDs share with that OPD through agreements in force for that purpose
   */
  | { type: 'incidents'; opd?: string; purpose?: string }
  /** public notices (issue 21): one room, heard on /public too */
  | { type: 'notices' }
  /** catalog changes (issue 17): one room for signed-in sockets */
  | { type: 'catalog' };

const OPD_CODE = /^[A-Z][A-Z0-9_]{1,31}$/;
/** A sharing agreement's purpose code (the same rule as shared/schemas.ts PURPOSE and the agreement table's CHECK). */
const PURPOSE_CODE = /^[a-z][a-z0-9_-]{1,62}$/;

export function toRoomId(room: Room): string {
  switch (room.type) {
    case 'metric':
      return `metric:${room.metric}`;
    case 'events':
      return `events:${room.kind}`;
    case 'feeds':
      return 'feeds';
    case 'alerts':
      return room.opd ? `alerts:${room.opd}` : 'alerts';
    case 'incidents':
      if (!room.opd) return 'incidents';
      return room.purpose ? `incidents:${room.opd}/${room.purpose}` : `incidents:${room.opd}`;
    case 'notices':
      return 'notices';
    case 'catalog':
      return 'catalog';
  }
}

/** Parses a room id; returns null for anything that is not a well-formed room. */
export function parseRoomId(id: string): Room | null {
  if (id === 'feeds') return { type: 'feeds' };
  if (id === 'notices') return { type: 'notices' };
  if (id === 'catalog') return { type: 'catalog' };
  if (id === 'alerts') return { type: 'alerts' };
  if (id.startsWith('alerts:')) return OPD_CODE.test(id.slice(7)) ? { type: 'alerts', opd: id.slice(7) } : null;
  if (id === 'incidents') return { type: 'incidents' };
  if (id.startsWith('incidents:')) {
    const rest = id.slice(10);
    const slash = rest.indexOf('/');
    if (slash < 0) return OPD_CODE.test(rest) ? { type: 'incidents', opd: rest } : null;
    const [opd, purpose] = [rest.slice(0, slash), rest.slice(slash + 1)];
    return OPD_CODE.test(opd) && PURPOSE_CODE.test(purpose) ? { type: 'incidents', opd, purpose } : null;
  }
  const sep = id.indexOf(':');
  if (sep < 0) return null;
  const prefix = id.slice(0, sep);
  const code = id.slice(sep + 1);
  if (!CATALOG_CODE.test(code)) return null;
  if (prefix === 'metric') return { type: 'metric', metric: code };
  if (prefix === 'events') return { type: 'events', kind: code };
  return null;
}

export function isRoomId(id: string): boolean {
  return parseRoomId(id) !== null;
}
