/**
 * Live subscriptions re-judged when permissions change (issue 13, item 4). A socket is authorised once, at its
 * handshake and at each subscription; REST answers 401/403 the moment a session or an agreement ends, so the
 * socket must follow: every few seconds (right after the catalog re-reads the agreements) each /live socket's
 * token is checked in one query for all sockets, and each of its subscriptions is judged again by the access
 * rule with the purpose it stated. What no longer holds is left (its room) or ends the socket, with a reason
 * the client shows.
 */
import type pg from 'pg';
import type { ErrorCode } from '../../shared/ack';
import type { Principal, SessionEndReason } from '../../shared/contract';
import type { Decision } from '../access/policy';

export interface Subscription {
  type: 'metric' | 'event_kind';
  code: string;
  purpose?: string | undefined;
}

/** The subscriptions that no longer hold, with the refusal to send (pure; table-tested). */
export function endedSubscriptions(
  who: Principal,
  subs: readonly Subscription[],
  judge: (who: Principal, sub: Subscription) => Decision | 'gone',
): { sub: Subscription; code: ErrorCode; message: string }[] {
  const out: { sub: Subscription; code: ErrorCode; message: string }[] = [];
  for (const sub of subs) {
    const d = judge(who, sub);
    if (d === 'gone') out.push({ sub, code: 'not_found', message: `${sub.code} is no longer in the catalog` });
    else if (!d.allow) out.push({ sub, code: 'forbidden', message: d.reason });
  }
  return out;
}

/** Why each of these tokens no longer holds (absent: still valid). One query for every socket. */
export async function endedSessions(db: Pick<pg.Pool, 'query'>, tokenIds: readonly number[]): Promise<Map<number, SessionEndReason>> {
  if (tokenIds.length === 0) return new Map();
  const { rows } = await db.query<{ id: number; revoked: boolean; expired: boolean; disabled: boolean }>(
    `SELECT t.id, t.revoked_at IS NOT NULL AS revoked, coalesce(t.expires_at <= now(), false) AS expired,
            coalesce(u.disabled_at IS NOT NULL, false) AS disabled
       FROM access_token t LEFT JOIN users u ON u.id = t.user_id
      WHERE t.id = ANY($1::int[])`,
    [[...new Set(tokenIds)]],
  );
  const out = new Map<number, SessionEndReason>();
  const found = new Set<number>();
  for (const r of rows) {
    found.add(r.id);
    if (r.disabled) out.set(r.id, 'disabled');
    else if (r.revoked) out.set(r.id, 'revoked');
    else if (r.expired) out.set(r.id, 'expired');
  }
  for (const id of tokenIds) if (!found.has(id)) out.set(id, 'revoked'); // deleted outright
  return out;
}

export const SESSION_END_MESSAGES: Record<SessionEndReason, string> = {
  expired: 'your session expired; sign in again',
  revoked: 'your session was ended (signed out, or the account changed); sign in again',
  disabled: 'your account was disabled',
};
