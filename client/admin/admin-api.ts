/**
 * The admin page's REST calls. Every answer is parsed with its contract schema (shared/rest.ts,
 * shared/catalog-document.ts); a refusal comes back as a value the form can show — the server's message and,
 * per field, the messages its `details[].path` names — never as an exception.
 */
import type { z } from 'zod';
import { checked, isObj } from '../lib/api/http';

export interface Refusal {
  status: number;
  message: string;
  /** Server issues by path (`opd`, `thresholds.siaga`, `metrics.3.code`). */
  details: { path: string; message: string }[];
  /** The whole body, for answers that carry more (a 409's relaxations). */
  body: unknown;
}

export type Result<T> = { ok: true; data: T } | { ok: false; refusal: Refusal };

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Calls `path` with the admin's token; a 2xx answer is parsed with `schema`. */
export async function call<S extends z.ZodType>(
  token: string,
  method: Method,
  path: string,
  schema: S,
  body?: unknown,
): Promise<Result<z.output<S>>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        Accept: 'application/json',
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    return { ok: false, refusal: { status: 0, message: 'network', details: [], body: null } };
  }
  let parsed: unknown = null;
  try {
    parsed = await res.json();
  } catch {
    parsed = null;
  }
  if (res.ok) {
    try {
      return { ok: true, data: checked(path.split('?')[0]!, schema, parsed) };
    } catch (e) {
      return { ok: false, refusal: { status: res.status, message: (e as Error).message, details: [], body: parsed } };
    }
  }
  return { ok: false, refusal: refusalOf(res.status, parsed) };
}

/** Pure: the error envelope `{ error, details: [{ path, message }] }` (tolerant of a missing part). */
export function refusalOf(status: number, body: unknown): Refusal {
  const message = isObj(body) && typeof body.error === 'string' ? body.error : `HTTP ${status}`;
  const raw = isObj(body) && Array.isArray(body.details) ? body.details : [];
  const details = raw.filter(isObj).map((d) => ({
    path: Array.isArray(d.path) ? d.path.join('.') : typeof d.path === 'string' ? d.path : '',
    message: typeof d.message === 'string' ? d.message : message,
  }));
  return { status, message, details, body };
}
