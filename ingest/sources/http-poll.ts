/**
 * Generic adapter for an agency REST API that answers JSON (`type: http-poll`): polls one URL on a cadence,
 * picks the array of records out of the response and hands each one to ctx.ingest, where the source's
 * declarative mapping turns it into our points or events. Optionally incremental: a cursor taken from the
 * records is sent back as a query parameter and persisted, so a restart continues where it stopped.
 *
 * Also home of the small HTTP/state helpers the other polling sources (open311) share.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { getPath } from '../mapping';
import type { PollSource, RawRecord, SourceContext, SourceDefinition } from '../source';

// ---------------------------------------------------------------------------------------------------------
// Shared helpers (exported for the other HTTP sources)
// ---------------------------------------------------------------------------------------------------------

/** Responses larger than this are refused by default: a runaway export must not exhaust the worker's memory. */
export const DEFAULT_MAX_RESPONSE_BYTES = 50 * 1024 * 1024;
/** How much of an error body is read to explain a non-2xx answer. */
const ERROR_BODY_BYTES = 16 * 1024;
const ENV_PREFIX = 'env:';

/** Config values that may name an environment variable (`env:NAME`) instead of holding a secret inline. */
export const secretValue = z.string().min(1);

/**
 * Resolves `env:NAME` from the environment (at create time, so a missing secret stops the worker at start,
 * not at the first poll); other values are returned as they are.
 */
export function resolveSecret(value: string, what: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!value.startsWith(ENV_PREFIX)) return value;
  const name = value.slice(ENV_PREFIX.length);
  const resolved = env[name];
  if (resolved === undefined || resolved === '') throw new Error(`${what}: environment variable ${name} is not set`);
  return resolved;
}

export const isEnvReference = (value: string): boolean => value.startsWith(ENV_PREFIX);

/** A non-2xx answer; `body` is the start of what the server said (for agency error formats). */
export class HttpStatusError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
    this.name = 'HttpStatusError';
  }
}

export interface FetchJsonOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  /** The URL as it may appear in messages (secrets in the query masked). */
  display: string;
}

/**
 * GETs a URL and parses its JSON body. Throws a clear Error on network failure, timeout, a non-2xx status
 * (HttpStatusError), a body above `maxBytes` (checked on Content-Length and again while streaming, since a
 * hostile or broken server may omit or lie about it) and invalid JSON.
 */
export async function fetchJson(url: string, opts: FetchJsonOptions): Promise<unknown> {
  // One signal for connect, headers and body: a server that trickles its body still ends at timeoutMs.
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...opts.headers }, signal, redirect: 'follow' });
  } catch (e) {
    throw networkError(e, opts);
  }
  if (!res.ok) {
    let body = '';
    try {
      body = await readCapped(res, ERROR_BODY_BYTES, true);
    } catch {
      // the status alone is explanation enough
    }
    const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new HttpStatusError(
      `GET ${opts.display} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${excerpt ? `: ${excerpt}` : ''}`,
      res.status,
      body,
    );
  }
  let text: string;
  try {
    text = await readCapped(res, opts.maxBytes, false);
  } catch (e) {
    if (e instanceof TooLargeError)
      throw new Error(`GET ${opts.display}: response is larger than ${opts.maxBytes} bytes (maxResponseBytes); refused`);
    throw networkError(e, opts);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`GET ${opts.display}: invalid JSON in the response (${(e as Error).message.slice(0, 120)})`);
  }
}

class TooLargeError extends Error {}

function networkError(e: unknown, opts: FetchJsonOptions): Error {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return new Error(`GET ${opts.display} timed out after ${opts.timeoutMs} ms`);
  const cause = err?.cause?.code ?? err?.cause?.message;
  return new Error(`GET ${opts.display} failed: ${err?.message ?? String(e)}${cause ? ` (${cause})` : ''}`);
}

/** Reads a body as UTF-8 up to `max` bytes; beyond it either truncates (error bodies) or throws. */
async function readCapped(res: Response, max: number, truncate: boolean): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (!truncate && Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new TooLargeError();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > max) {
      await reader.cancel().catch(() => {});
      if (!truncate) throw new TooLargeError();
      chunks.push(value.subarray(0, max - total));
      total = max;
      break;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  // Invalid UTF-8 becomes U+FFFD rather than an exception: the mapping then refuses the odd record, not the round.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks, total));
}

/** Reads a source's small JSON state file; a missing or unreadable file means "no state yet". */
export async function readJsonState(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes a state file atomically (tmp + rename) so a crash mid-write leaves the previous state intact. */
export async function writeJsonState(file: string, value: unknown): Promise<void> {
  const dir = join(file, '..');
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(value)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Remembers the records handed over in the last successful round. Polling APIs return the same records again
 * (the cursor is inclusive, the window overlaps, or the endpoint is a "current state" list): accepted ones are
 * idempotent downstream, but a refused one would be quarantined again every interval. Bounded by one response.
 */
export class RepeatFilter {
  private last = new Set<string>();
  private next = new Set<string>();

  /** True when this exact record was handed over in the previous round; marks it seen for this round. */
  seen(data: unknown): boolean {
    let text: string;
    try {
      text = JSON.stringify(data) ?? String(data);
    } catch {
      return false;
    }
    const key = createHash('sha1').update(text).digest('base64');
    this.next.add(key);
    return this.last.has(key);
  }

  /** The round's records are spooled or quarantined: they become "the previous round". */
  commit(): void {
    this.last = this.next;
    this.next = new Set();
  }

  /** The round failed: forget what it saw, so its records are handed over again next time. */
  rollback(): void {
    this.next = new Set();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The http-poll source
// ---------------------------------------------------------------------------------------------------------

const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

export const httpPollConfigSchema = z
  .object({
    /** The endpoint to GET. */
    url: httpUrl,
    /** How often to poll, in milliseconds. */
    intervalMs: z.number().int().min(1_000).default(30_000),
    /** Gives up on one request (connect, headers and body) after this many milliseconds. */
    timeoutMs: z.number().int().min(100).max(300_000).default(15_000),
    /** Request headers; a value `env:NAME` is read from the environment at start (tokens stay out of the file). */
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name'), secretValue).default({}),
    /** Extra query parameters (API keys that travel in the URL); values may be `env:NAME` and are masked in logs. */
    query: z.record(z.string().min(1), secretValue).default({}),
    /** Dot path to the array of records in the response (`data.readings`); empty: the response is the array. */
    itemsPath: z.string().default(''),
    /** A response above this many bytes is refused. */
    maxResponseBytes: z
      .number()
      .int()
      .min(1_024)
      .max(1024 * 1024 * 1024)
      .default(DEFAULT_MAX_RESPONSE_BYTES),
    /** A response with more records than this is refused rather than flooding the spool and quarantine. */
    maxItems: z.number().int().min(1).default(200_000),
    /**
     * Incremental polling: the greatest value of `from` seen in the records is sent as query parameter `param`
     * on the next poll (and persisted). Values compare as numbers when numeric, as instants when ISO 8601
     * date-times, else as text; the API should return records at or after the cursor.
     */
    cursor: z
      .object({
        /** Query parameter that carries the cursor (`since`, `updated_after`). */
        param: z.string().min(1),
        /** Dot path in each record to its position (`updated_at`, `id`). */
        from: z.string().min(1),
        /** Cursor sent on the very first poll; without it the first poll asks for everything the API gives. */
        initial: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type HttpPollConfig = z.infer<typeof httpPollConfigSchema>;

type CursorValue = string | number;
interface CursorState {
  version: 1;
  /** What the cursor belongs to: a changed URL or cursor field starts over from `initial`. */
  url: string;
  param: string;
  from: string;
  value: CursorValue;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/** Orders two cursor values: as numbers when both are numeric, as instants when both are ISO date-times, else as text. */
export function compareCursor(a: CursorValue, b: CursorValue): number {
  const num = (v: CursorValue) => (typeof v === 'number' ? v : /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN);
  const na = num(a);
  const nb = num(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  if (typeof a === 'string' && typeof b === 'string' && ISO_DATETIME.test(a) && ISO_DATETIME.test(b)) {
    const ta = Date.parse(a);
    const tb = Date.parse(b);
    if (Number.isFinite(ta) && Number.isFinite(tb)) return ta - tb;
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function asCursor(v: unknown): CursorValue | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && v.length <= 200) return v;
  return null;
}

export function createHttpPollSource(config: HttpPollConfig & { name: string }, env: NodeJS.ProcessEnv = process.env): PollSource {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.headers)) headers[k] = resolveSecret(v, `source ${config.name}: headers.${k}`, env);
  const query: Record<string, string> = {};
  const masked = new Set<string>();
  for (const [k, v] of Object.entries(config.query)) {
    query[k] = resolveSecret(v, `source ${config.name}: query.${k}`, env);
    if (isEnvReference(v)) masked.add(k);
  }
  const stateFileName = 'http-poll-cursor.json';
  const filter = new RepeatFilter();
  let cursor: CursorValue | null = null;
  let loaded = false;

  const buildUrl = (mask: boolean): string => {
    const u = new URL(config.url);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, mask && masked.has(k) ? '***' : v);
    if (config.cursor && cursor !== null) u.searchParams.set(config.cursor.param, String(cursor));
    return u.toString();
  };

  const loadCursor = async (ctx: SourceContext) => {
    if (loaded || !config.cursor) return;
    const c = config.cursor;
    const parsed = z
      .object({ version: z.literal(1), url: z.string(), param: z.string(), from: z.string(), value: z.union([z.string(), z.number()]) })
      .safeParse(await readJsonState(join(ctx.stateDir, stateFileName)));
    if (parsed.success && parsed.data.url === config.url && parsed.data.param === c.param && parsed.data.from === c.from) {
      cursor = parsed.data.value;
    } else {
      if (parsed.success) ctx.log.info({ source: config.name }, 'url or cursor settings changed: the cursor starts over');
      cursor = c.initial ?? null;
    }
    loaded = true;
  };

  return {
    mode: 'poll',
    name: config.name,
    intervalMs: config.intervalMs,
    async poll(ctx) {
      await loadCursor(ctx);
      const display = buildUrl(true);
      const body = await fetchJson(buildUrl(false), { headers, timeoutMs: config.timeoutMs, maxBytes: config.maxResponseBytes, display });
      const items = config.itemsPath === '' ? body : getPath(body, config.itemsPath);
      if (!Array.isArray(items)) {
        const got = items === null ? 'null' : items === undefined ? 'nothing' : typeof items === 'object' ? 'an object' : `a ${typeof items}`;
        throw new Error(
          `GET ${display}: ${config.itemsPath ? `itemsPath '${config.itemsPath}'` : 'the response'} is ${got}, not an array of records`,
        );
      }
      if (items.length > config.maxItems)
        throw new Error(
          `GET ${display}: ${items.length} records in one response, more than maxItems (${config.maxItems}); narrow the query (cursor) or raise maxItems`,
        );

      const records: RawRecord[] = [];
      let greatest = cursor;
      items.forEach((data: unknown, index) => {
        if (config.cursor) {
          const v = asCursor(getPath(data, config.cursor.from));
          if (v !== null && (greatest === null || compareCursor(v, greatest) > 0)) greatest = v;
        }
        if (!filter.seen(data)) records.push({ origin: `${display}#${index}`, data });
      });
      try {
        if (records.length) await ctx.ingest(records);
      } catch (e) {
        filter.rollback();
        throw e;
      }
      filter.commit();
      // Only now: the records are spooled or quarantined, so moving past them loses nothing.
      if (config.cursor && greatest !== null && greatest !== cursor) {
        await writeJsonState(join(ctx.stateDir, stateFileName), {
          version: 1,
          url: config.url,
          param: config.cursor.param,
          from: config.cursor.from,
          value: greatest,
        } satisfies CursorState);
        cursor = greatest;
      }
    },
  };
}

/** `type: http-poll` — an agency JSON API, mapped declaratively (needs `opd` and `mapping`). */
export const httpPollDefinition: SourceDefinition<typeof httpPollConfigSchema> = {
  type: 'http-poll',
  needsMapping: true,
  configSchema: httpPollConfigSchema,
  create: (config) => createHttpPollSource(config),
};
