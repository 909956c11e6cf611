/** Who is calling a REST route: anonymous is the public; a bearer access token names a role. */
import type { Request } from 'express';
import type { Principal } from '../../shared/contract';
import { bearer } from './auth';

/** Resolves the caller; null means a token was given but is not valid (401, never silently public). */
export type PrincipalOf = (req: Request) => Promise<Principal | null>;

export function createPrincipalOf(verify: (token: string) => Promise<Principal | null>): PrincipalOf {
  return async (req) => {
    const token = bearer(req);
    if (!token) return req.headers.authorization ? null : { role: 'public' };
    return verify(token);
  };
}
