/**
 * The alerts channel (`alerts:subscribe` → `alerts:changed`): facts that must arrive, so never volatile, and a
 * socket is in its scope's room from the moment it connects (`autoJoin`). Two scopes: `all` (the command
 * center: operators and admins) and one per OPD (an agency hears the alerts of its own metrics). Each scope is a
 * room with its own sequence number; a wall that was briefly away resumes from its last seq by catch-up.
 */
import type { z } from 'zod';
import type { WireAlert } from '../../shared/alerts';
import type { AlertsChanged, AlertsSnapshot, Principal } from '../../shared/contract';
import { parseRoomId, toRoomId } from '../../shared/rooms';
import { alertsSubscribeSchema } from '../../shared/schemas';
import type { CatalogService } from '../catalog/service';
import type { ChannelHandler } from '../realtime/channel';
import type { AlertService } from './service';

type Delta = Omit<AlertsChanged, 'seq'>;

/** The command center's scope; an OPD's scope is its code. */
export const ALL_ALERTS = 'all';

/** Pure: the scope a principal's alerts come in (null: none, e.g. the public). */
export function alertsScopeOf(who: Principal): string | null {
  switch (who.role) {
    case 'admin':
    case 'operator':
      return ALL_ALERTS;
    case 'agency':
      return who.opd;
    case 'wilayah': // alerts are worked by OPDs and the command center; a camat reads the figures, not the queue
    case 'public':
      return null;
  }
}

const roomOfScope = (scope: string) => (scope === ALL_ALERTS ? toRoomId({ type: 'alerts' }) : toRoomId({ type: 'alerts', opd: scope }));

export function createAlertsChannel(deps: {
  catalog: Pick<CatalogService, 'metric'>;
  alerts: Pick<AlertService, 'list' | 'canSee'>;
  clock: () => number;
}): ChannelHandler<z.output<typeof alertsSubscribeSchema>, string, WireAlert, Delta, AlertsSnapshot> {
  return {
    type: 'alerts',
    subscribeEvent: 'alerts:subscribe',
    deltaEvent: 'alerts:changed',
    schema: alertsSubscribeSchema,
    keys: (_req, who) => {
      const scope = alertsScopeOf(who);
      return scope ? [scope] : ['public'];
    },
    authorise(who, key) {
      const scope = alertsScopeOf(who);
      if (!scope) return { allow: false, code: 'forbidden', message: 'alerts are for signed-in users; public warnings are on /api/public/v1' };
      if (scope !== key) return { allow: false, code: 'forbidden', message: `alerts of ${key} are not yours to follow` };
      return { allow: true, item: key };
    },
    roomOf: roomOfScope,
    keyOf(room) {
      const r = parseRoomId(room);
      return r?.type === 'alerts' ? (r.opd ?? ALL_ALERTS) : null;
    },
    isPublik: () => false,
    // to the command center, and to the OPD that owns the metric
    roomsOf(alert) {
      const owner = deps.catalog.metric(alert.metric)?.ownerOpd;
      const scopes = owner ? [ALL_ALERTS, owner] : [ALL_ALERTS];
      return scopes.map((scope) => ({ room: roomOfScope(scope), delta: { scope, alerts: [alert] } }));
    },
    merge: (a, b) => ({ scope: a.scope, alerts: [...a.alerts, ...b.alerts] }),
    async snapshot(who, inputs) {
      const alerts = await deps.alerts.list(who);
      const input = inputs[0];
      return { data: { serverTime: deps.clock(), scope: input?.key ?? '', seq: input?.seq ?? 0, alerts }, seqs: inputs.map((i) => i.seq) };
    },
    // an alert of a classified entity reaches only those who may see the entity
    classified: () => true,
    view(who, msg) {
      const alerts = msg.alerts.filter((a) => deps.alerts.canSee(who, a));
      return alerts.length === msg.alerts.length ? msg : { ...msg, alerts };
    },
    autoJoin: (who) => {
      const scope = alertsScopeOf(who);
      return scope ? [scope] : [];
    },
  };
}
