/**
 * REST calls to the same origin. Every answer is parsed with its schema from the REST contract
 * (shared/rest.ts), the one the server's answers are typed from and the OpenAPI document is generated from:
 * a server that drifts from the contract shows as an error naming the field (and the issues in the console),
 * never as a blank page or a silent null.
 */
import type { z } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** What did not match the contract, one `path: message` line each (empty for HTTP errors). */
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The issues of a failed parse, one `path: message` line each, at most `max`. */
export function describeIssues(error: z.ZodError, max = 10): string[] {
  return error.issues.slice(0, max).map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`);
}

/** `body` as the contract's `schema` says it is, or an ApiError that names what does not match. */
export function checked<S extends z.ZodType>(what: string, schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issues = describeIssues(r.error);
  console.error(`${what}: the answer does not match the REST contract`, issues);
  throw new ApiError(0, `${what}: unexpected response (${issues[0]})`, issues);
}

export async function getJson<S extends z.ZodType>(
  path: string,
  schema: S,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<z.output<S>> {
  const res = await fetch(path, { headers: { Accept: 'application/json', ...headers }, signal });
  if (!res.ok) throw new ApiError(res.status, `${path}: HTTP ${res.status}`);
  return checked(path.split('?')[0]!, schema, await res.json());
}

/** A non-null object: the first check on a message before its fields are read. */
export const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
