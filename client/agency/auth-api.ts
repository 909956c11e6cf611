/** The agency page's calls to /api/v1/auth: login, logout and who the stored token belongs to. */
import { loginResponse, meResponse, type RestResponse } from '@shared/rest';
import { ApiError, checked } from '../lib/api/http';

export type Me = RestResponse<'Me'>;

export type LoginOutcome =
  | { kind: 'ok'; token: string; expiresAt: number; me: Me }
  | { kind: 'invalid' }
  | { kind: 'totp_required' }
  | { kind: 'locked'; until: number | null }
  | { kind: 'rate_limited'; retryAfterS: number | null }
  | { kind: 'error' };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

async function body(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

export async function login(username: string, password: string, totp?: string): Promise<LoginOutcome> {
  let res: Response;
  try {
    res = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password, ...(totp ? { totp } : {}) }),
    });
  } catch {
    return { kind: 'error' };
  }
  const b = await body(res);
  if (res.ok) {
    try {
      const ok = checked('/api/v1/auth/login', loginResponse, b);
      return { kind: 'ok', token: ok.token, expiresAt: Date.parse(ok.expiresAt), me: { ...ok.user, username: ok.user.username } };
    } catch {
      return { kind: 'error' };
    }
  }
  // Refusals carry the error envelope plus what the form needs (totpRequired, lockedUntil, retryAfterS).
  if (res.status === 401) return isObj(b) && b.totpRequired === true ? { kind: 'totp_required' } : { kind: 'invalid' };
  if (res.status === 400) return { kind: 'invalid' };
  if (res.status === 423) {
    const until = isObj(b) && typeof b.lockedUntil === 'string' ? Date.parse(b.lockedUntil) : NaN;
    return { kind: 'locked', until: Number.isFinite(until) ? until : null };
  }
  if (res.status === 429) return { kind: 'rate_limited', retryAfterS: isObj(b) && typeof b.retryAfterS === 'number' ? b.retryAfterS : null };
  return { kind: 'error' };
}

/** Revokes the token on the server; a token the server no longer knows counts as logged out. */
export async function logout(token: string): Promise<void> {
  await fetch('/api/v1/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}` } }).catch(() => undefined);
}

/** Who the token belongs to; null when the server refuses it (expired, revoked). */
export async function fetchMe(token: string): Promise<Me | null> {
  const res = await fetch('/api/v1/auth/me', { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  if (res.status === 401) return null;
  if (!res.ok) throw new ApiError(res.status, `/api/v1/auth/me: HTTP ${res.status}`);
  return checked('/api/v1/auth/me', meResponse, await body(res));
}
