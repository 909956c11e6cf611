/**
 * REST calls to the same origin. Responses are checked for the shape the UI relies on, so a server
 * mismatch shows as an error message instead of a blank page.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson(path: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<unknown> {
  const res = await fetch(path, { headers: { Accept: 'application/json', ...headers }, signal });
  if (!res.ok) throw new ApiError(res.status, `${path}: HTTP ${res.status}`);
  return res.json();
}

export const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
export const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
