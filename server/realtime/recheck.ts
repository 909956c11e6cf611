/**
 * Live subscriptions re-judged when permissions change (issue 13 item 4, issue 18). A socket is authorised
 * once, at its handshake and at each subscription; REST answers 401/403 the moment a session or an agreement
 * ends, so the socket must follow: every few seconds (right after the catalog re-reads the agreements) each
 * /live socket's token is checked in one query for all sockets (revoked, expired, user disabled, role or OPD
 * changed), and each of its subscriptions — of every channel: points, events, alerts, feed health, … — is
 * judged again by its channel's own `authorise` with the purpose it stated. What no longer holds is left (its
 * room) or ends the socket, with a reason the client shows.
 */
import type pg from 'pg';
import type { Principal, SessionEndReason, SubscriptionRecord } from '../../shared/contract';
import type { ChannelHandler, Refusal } from './channel';

/** The subscriptions (by room) that no longer hold, with the refusal to send (pure; table-tested). */
export function judgeSubscriptions(
  who: Principal,
  subs: Readonly<Record<string, SubscriptionRecord>>,
  handlerOf: (type: string) => Pick<ChannelHandler, 'authorise'> | undefined,
): { room: string; sub: SubscriptionRecord; refusal: Refusal }[] {
  const out: { room: string; sub: SubscriptionRecord; refusal: Refusal }[] = [];
  for (const [room, sub] of Object.entries(subs)) {
    const h = handlerOf(sub.type);
    const a = h
      ? h.authorise(who, sub.code, sub.purpose)
      : { allow: false as const, code: 'not_found' as const, message: `no channel '${sub.type}'` };
    if (!a.allow) out.push({ room, sub, refusal: { code: a.code, message: a.message } });
  }
  return out;
}

/** What the database says of one token now. */
export interface TokenState {
  revoked: boolean;
  expired: boolean;
  disabled: boolean;
  /** The user's role and OPD now (null: a device token without a user). */
  role: string | null;
  opd: string | null;
  /** A territorial user's region now (absent: not read, as for older callers). */
  region?: string | null;
}

/** Pure: why a principal's session no longer holds, or null (table-tested). */
export function sessionEndReason(who: Exclude<Principal, { role: 'public' }>, t: TokenState | undefined): SessionEndReason | null {
  if (!t) return 'revoked'; // deleted outright
  if (t.disabled) return 'disabled';
  // a role change also revokes the user's sessions (server/auth/accounts.ts): the change is the better reason
  if (
    t.role !== null &&
    (t.role !== who.role ||
      (who.role === 'agency' && t.opd !== who.opd) ||
      // a camat moved to another kecamatan: the scope is part of the role
      (who.role === 'wilayah' && t.region !== undefined && t.region !== who.region))
  )
    return 'role_changed';
  if (t.revoked) return 'revoked';
  if (t.expired) return 'expired';
  return null;
}

/** Why each of these principals' tokens no longer holds (absent: still valid). One query for every socket. */
export async function endedSessions(db: Pick<pg.Pool, 'query'>, principals: readonly Principal[]): Promise<Map<number, SessionEndReason>> {
  const signedIn = principals.filter((p): p is Exclude<Principal, { role: 'public' }> => p.role !== 'public');
  if (signedIn.length === 0) return new Map();
  const { rows } = await db.query<TokenState & { id: number }>(
    `SELECT t.id, t.revoked_at IS NOT NULL AS revoked, coalesce(t.expires_at <= now(), false) AS expired,
            coalesce(u.disabled_at IS NOT NULL, false) AS disabled, u.role, u.opd_code AS opd,
            u.region_code AS region
       FROM access_token t LEFT JOIN users u ON u.id = t.user_id
      WHERE t.id = ANY($1::int[])`,
    [[...new Set(signedIn.map((p) => p.tokenId))]],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out = new Map<number, SessionEndReason>();
  for (const p of signedIn) {
    const reason = sessionEndReason(p, byId.get(p.tokenId));
    if (reason) out.set(p.tokenId, reason);
  }
  return out;
}

export const SESSION_END_MESSAGES: Record<SessionEndReason, string> = {
  expired: 'your session expired; sign in again',
  revoked: 'your session was ended (signed out, or the account changed); sign in again',
  disabled: 'your account was disabled',
  role_changed: 'your role changed; sign in again',
};
