/** Bearer credentials on REST requests. */
import type { Request } from 'express';

export function bearer(req: Request): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S{1,512})$/i.exec(h);
  return m?.[1] ?? null;
}
