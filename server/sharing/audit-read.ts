/**
 * Reads made through a data-sharing agreement are audited (issue 13, item 10): the owner OPD can later see
 * who read its terbatas data, when, under which agreement and for which stated purpose. They are also counted
 * per day (issue 19, server/sharing/usage.ts), which is what the owner's usage view shows.
 */
import type pg from 'pg';
import type { Principal } from '../../shared/contract';
import { appendAudit } from '../../db/queries/audit';
import type { Decision } from '../access/policy';
import { actorOf } from '../auth/service';
import type { UsageRecorder } from './usage';

export async function auditSharedRead(
  pool: pg.Pool,
  who: Principal,
  item: { type: 'metric' | 'event_kind'; code: string; ownerOpd: string },
  decision: Decision,
  how: { via: 'rest' | 'socket'; source: string | null; detail?: Record<string, unknown> },
  usage?: UsageRecorder,
): Promise<void> {
  if (!decision.allow || !decision.via || who.role === 'public') return;
  usage?.record(decision.via.agreement, actorOf(who), how.via);
  await appendAudit(pool, [
    {
      actor: actorOf(who),
      action: 'sharing.read',
      target: `${item.type}:${item.code}`,
      detail: { agreement: decision.via.agreement, purpose: decision.via.purpose, owner: item.ownerOpd, via: how.via, ...how.detail },
      source: how.source,
    },
  ]);
}
