/**
 * Citizen complaints from a city's Open311 GeoReport v2 endpoint (`type: open311`): service requests become
 * `complaint` events of the source's OPD. The mapping is specific to Open311 and lives in this source's own
 * config (status and service code tables, optionally a region table), so `mapping` is not used; the owning
 * OPD is the common `opd` field, which the worker passes to create() and whose ingest key delivers the events.
 *
 * Nothing is guessed: a request with an unknown status or service code, no id or an unreadable time is
 * quarantined with the reason. Free text (`description`, `status_notes`, `address`) never leaves the worker;
 * the event's title is the service's name only.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { eventSchema, MAX_FUTURE_MS, REGION_CODE, type EventInput } from '../../shared/schemas';
import type { NormalisedRecord, PollSource, SourceContext, SourceDefinition } from '../source';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  fetchJson,
  HttpStatusError,
  readJsonState,
  RepeatFilter,
  resolveSecret,
  secretValue,
  writeJsonState,
} from './http-poll';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A response longer than this is not a GeoReport page (servers cap at 50–1000); refused, not processed. */
const MAX_ITEMS_PER_RESPONSE = 100_000;
const MAX_TITLE = 200;
const STATE_FILE = 'open311-watermark.json';
/** Unfetched windows kept for the next poll; beyond this they are merged into one covering window. */
const MAX_PENDING_WINDOWS = 100;

/** GeoReport v2 only defines `open` and `closed`; the others are common local extensions. */
export const DEFAULT_STATUS_MAP: Readonly<Record<string, string>> = {
  open: 'received',
  acknowledged: 'verified',
  in_progress: 'dispatched',
  closed: 'resolved',
};

const ourStatus = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'one of our complaint statuses (received, verified, dispatched, resolved, rejected)');
const ourCategory = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'one of our complaint category codes (jalan_rusak, sampah, …)');

export const open311ConfigSchema = z
  .object({
    /** The GeoReport v2 endpoint, without `/requests.json` (`https://lapor.example.go.id/open311/v2`). */
    baseUrl: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).transform((u) => u.replace(/\/+$/, '')),
    /** Sent as `jurisdiction_id` when the server hosts several jurisdictions. */
    jurisdictionId: z.string().min(1).optional(),
    /** Sent as `api_key` when the server requires one; `env:NAME` reads it from the environment at start. */
    apiKey: secretValue.optional(),
    /** How often to poll, in milliseconds. */
    intervalMs: z.number().int().min(1_000).default(60_000),
    /** Gives up on one request after this many milliseconds. */
    timeoutMs: z.number().int().min(100).max(300_000).default(15_000),
    /** How far back the very first poll looks, in hours (GeoReport windows span at most 90 days). */
    lookbackHours: z
      .number()
      .min(0)
      .max(90 * 24)
      .default(24),
    /** Each poll starts this long before the watermark, so requests the server records late are not missed. */
    overlapMinutes: z
      .number()
      .min(0)
      .max(24 * 60)
      .default(60),
    /** The server's cap on requests per response: a response this long is paged through. Set it to the server's value. */
    pageSize: z.number().int().min(1).max(MAX_ITEMS_PER_RESPONSE).default(1_000),
    /** Longest date window in one request, in days (GeoReport v2 allows 90). */
    maxWindowDays: z.number().min(1).max(90).default(90),
    /** Bounds one round; what is left is fetched on the next poll. */
    maxRequestsPerPoll: z.number().int().min(1).max(1_000).default(20),
    /** A response above this many bytes is refused. */
    maxResponseBytes: z
      .number()
      .int()
      .min(1_024)
      .max(1024 * 1024 * 1024)
      .default(DEFAULT_MAX_RESPONSE_BYTES),
    /** GeoReport times carry a UTC offset; for servers that omit it, the offset to assume (`+07:00` is WIB). Unset: such times are refused. */
    utcOffset: z
      .string()
      .regex(/^[+-]\d{2}:\d{2}$/)
      .optional(),
    /** Their `status` (case-insensitive) → our complaint status. Replaces the default table entirely. */
    statusMap: z.record(z.string().min(1), ourStatus).default({ ...DEFAULT_STATUS_MAP }),
    /** Their `service_code` → our complaint category. Required: a code not listed is quarantined. */
    serviceCodeMap: z.record(z.string().min(1), ourCategory).refine((m) => Object.keys(m).length > 0, 'list at least one service code'),
    /**
     * District/kelurahan names (or zip codes, see regionFrom) → Kemendagri codes. When several names match an
     * address, the most specific code is used if they nest, else none. Absent: events carry no region.
     */
    regionMap: z.record(z.string().min(1), z.string().regex(REGION_CODE, 'a Kemendagri region code (33.74.01.1013)')).optional(),
    /** What regionMap keys are matched against: words in `address`, or the exact `zipcode`. */
    regionFrom: z.enum(['address', 'zipcode']).default('address'),
    /**
     * How the server filters by date. GeoReport v2 filters `start_date`/`end_date` on `requested_datetime`,
     * so later status changes of older requests are only seen while they are in the window; servers with an
     * updated-time filter (`updated_after`/`updated_before`) can be used with field `updated_datetime`.
     */
    dateFilter: z
      .object({
        startParam: z.string().min(1).default('start_date'),
        endParam: z.string().min(1).default('end_date'),
        field: z.enum(['requested_datetime', 'updated_datetime']).default('requested_datetime'),
      })
      .strict()
      .default({ startParam: 'start_date', endParam: 'end_date', field: 'requested_datetime' }),
  })
  .strict();
export type Open311Config = z.infer<typeof open311ConfigSchema>;

const stateSchema = z.object({
  version: z.literal(1),
  baseUrl: z.string(),
  jurisdictionId: z.string().nullable(),
  /** The greatest event time (updated_datetime, else requested_datetime) seen, epoch ms. */
  watermark: z.number().nullable(),
  /** Parts of split windows a round could not fetch (maxRequestsPerPoll reached), fetched first by the next one. */
  pending: z.array(z.object({ from: z.number(), to: z.number() })).default([]),
  /** Start of the date range a round did not reach at all; the next round's window starts there at the latest. */
  resumeFrom: z.number().nullable().default(null),
});
type State = z.infer<typeof stateSchema>;

export type MapOutcome = { ok: true; event: EventInput } | { ok: false; reason: string };

interface Window {
  from: number;
  to: number;
  /** A slice of the round's own date range (not yet split by a full page). */
  fresh?: true;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** GeoReport date parameters: W3C date-time without milliseconds (some servers refuse them). */
function w3c(ms: number, round: 'down' | 'up'): string {
  const s = round === 'down' ? Math.floor(ms / 1000) : Math.ceil(ms / 1000);
  return new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds the region lookup; `null` means "no region" (absent, no match, or conflicting matches). */
function regionLookup(config: Open311Config): (item: Record<string, unknown>) => string | null {
  const map = config.regionMap;
  if (!map) return () => null;
  if (config.regionFrom === 'zipcode') {
    return (item) => {
      const zip = item.zipcode;
      const key = typeof zip === 'string' ? zip.trim() : typeof zip === 'number' ? String(zip) : '';
      return key && Object.hasOwn(map, key) ? map[key]! : null;
    };
  }
  // Whole-word, case-insensitive: "Pekunden" must not match inside "Pekundenan".
  const patterns = Object.entries(map).map(([name, code]) => ({
    re: new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(name.trim()).replace(/\s+/g, '\\s+')}(?=$|[^\\p{L}\\p{N}])`, 'iu'),
    code,
  }));
  return (item) => {
    const address = item.address;
    if (typeof address !== 'string' || address.length > 1_000) return null;
    const codes = [...new Set(patterns.filter((p) => p.re.test(address)).map((p) => p.code))];
    if (codes.length === 0) return null;
    // "Pekunden, Semarang Tengah" names a kelurahan and its kecamatan: take the deepest code when all nest.
    const deepest = codes.reduce((a, b) => (b.length > a.length ? b : a));
    return codes.every((c) => deepest === c || deepest.startsWith(`${c}.`)) ? deepest : null;
  };
}

/** Reads a GeoReport time into epoch ms, or a reason; `utcOffset` completes a time the server sent without one. */
export function parseGeoReportTime(raw: unknown, field: string, utcOffset: string | undefined): number | string {
  if (typeof raw !== 'string') return `${field} is ${typeOf(raw)}, not a date-time`;
  const text = raw.trim();
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) return `${field} '${text.slice(0, 40)}' is not ISO 8601`;
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  if (!hasOffset && !utcOffset)
    return `${field} '${text.slice(0, 40)}' has no UTC offset (GeoReport requires one; set utcOffset if the server omits it)`;
  const t = Date.parse(hasOffset ? text : `${text.replace(' ', 'T')}${utcOffset}`);
  return Number.isFinite(t) ? t : `${field} '${text.slice(0, 40)}' is not a valid date-time`;
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/** A request's event time: the last update, else the request's creation; or a reason. */
export function requestEventTime(item: Record<string, unknown>, utcOffset: string | undefined): number | string {
  return present(item.updated_datetime)
    ? parseGeoReportTime(item.updated_datetime, 'updated_datetime', utcOffset)
    : present(item.requested_datetime)
      ? parseGeoReportTime(item.requested_datetime, 'requested_datetime', utcOffset)
      : 'missing updated_datetime and requested_datetime';
}

/** A coordinate (number or numeric string), undefined when absent, or a reason. */
function coordinate(raw: unknown, field: string): number | string | undefined {
  if (!present(raw)) return undefined;
  const n = typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n)) return `${field} is ${JSON.stringify(raw).slice(0, 40)}, not a number`;
  return n;
}

/**
 * The mapping of one GeoReport v2 service request to a complaint event, or the reason it cannot be one (the
 * record is then quarantined). Built once per source from its config: status and service-code maps, the region
 * lookup, the UTC offset for servers that omit it.
 */
export function createRequestMapper(config: Open311Config): (data: unknown) => MapOutcome {
  const statusMap = new Map(Object.entries(config.statusMap).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const serviceCodeMap = new Map(Object.entries(config.serviceCodeMap).map(([k, v]) => [k.trim(), v]));
  const regionOf = regionLookup(config);
  const eventTime = (item: Record<string, unknown>) => requestEventTime(item, config.utcOffset);

  return (data) => {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, reason: `request is ${typeOf(data)}, not an object` };
    const item = data as Record<string, unknown>;
    const rawId = item.service_request_id;
    const id = typeof rawId === 'string' ? rawId.trim() : typeof rawId === 'number' && Number.isFinite(rawId) ? String(rawId) : '';
    if (!id) return { ok: false, reason: present(rawId) ? `service_request_id is ${typeOf(rawId)}, not an id` : 'missing service_request_id' };
    if (typeof item.status !== 'string' || !item.status.trim()) return { ok: false, reason: 'missing status' };
    const status = statusMap.get(item.status.trim().toLowerCase());
    if (!status) return { ok: false, reason: `unmapped status '${item.status.trim().slice(0, 60)}' (add it to statusMap)` };
    const rawCode = item.service_code;
    const code = typeof rawCode === 'string' ? rawCode.trim() : typeof rawCode === 'number' ? String(rawCode) : '';
    if (!code) return { ok: false, reason: 'missing service_code' };
    const category = serviceCodeMap.get(code);
    if (!category) return { ok: false, reason: `unmapped service_code '${code.slice(0, 60)}' (add it to serviceCodeMap)` };
    const time = eventTime(item);
    if (typeof time === 'string') return { ok: false, reason: time };

    const event: EventInput = { kind: 'complaint', id: `o311-${id}`, status, time, category };
    const region = regionOf(item);
    if (region) event.region = region;
    const lat = coordinate(item.lat, 'lat');
    const lon = coordinate(item.long, 'long');
    if (typeof lat === 'string') return { ok: false, reason: lat };
    if (typeof lon === 'string') return { ok: false, reason: lon };
    // 0,0 is the usual "no location" placeholder of 311 systems; it is in the Gulf of Guinea, not in a city here.
    if (lat !== undefined && lon !== undefined && !(lat === 0 && lon === 0)) {
      event.lat = lat;
      event.lon = lon;
    }
    if (typeof item.service_name === 'string' && item.service_name.trim()) event.title = item.service_name.trim().slice(0, MAX_TITLE);
    const checked = eventSchema.safeParse(event);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      return { ok: false, reason: `${issue.path.join('.') || 'request'}: ${issue.message}` };
    }
    return { ok: true, event };
  };
}

/** The requests.json address of one date window (the API key masked for logs). */
function requestUrl(config: Open311Config, apiKey: string | undefined, w: Window, mask: boolean): string {
  const u = new URL(`${config.baseUrl}/requests.json`);
  u.searchParams.set(config.dateFilter.startParam, w3c(w.from, 'down'));
  u.searchParams.set(config.dateFilter.endParam, w3c(w.to, 'up'));
  if (config.jurisdictionId) u.searchParams.set('jurisdiction_id', config.jurisdictionId);
  if (apiKey !== undefined) u.searchParams.set('api_key', mask ? '***' : apiKey);
  return u.toString();
}

export function createOpen311Source(config: Open311Config & { name: string; opd?: string }, env: NodeJS.ProcessEnv = process.env): PollSource {
  const opd = config.opd;
  if (!opd) throw new Error(`source ${config.name}: an open311 source needs the common 'opd' field (the OPD whose key delivers the complaints)`);
  const apiKey = config.apiKey === undefined ? undefined : resolveSecret(config.apiKey, `source ${config.name}: apiKey`, env);
  const overlapMs = config.overlapMinutes * 60_000;
  const maxWindowMs = config.maxWindowDays * DAY_MS;
  const filter = new RepeatFilter();
  let watermark: number | null = null;
  let carried: Window[] = [];
  let resumeFrom: number | null = null;
  let loaded = false;

  const toEvent = createRequestMapper(config);

  const fetchPage = async (w: Window): Promise<{ items: unknown[]; display: string }> => {
    const display = requestUrl(config, apiKey, w, true);
    let body: unknown;
    try {
      body = await fetchJson(requestUrl(config, apiKey, w, false), { timeoutMs: config.timeoutMs, maxBytes: config.maxResponseBytes, display });
    } catch (e) {
      if (e instanceof HttpStatusError)
        throw new Error(
          `GET ${display} answered ${e.status}: ${describeOpen311Error(e.body) ?? (e.body.replace(/\s+/g, ' ').trim().slice(0, 200) || 'no explanation')}`,
        );
      throw e;
    }
    if (!Array.isArray(body)) throw new Error(`GET ${display}: expected a JSON array of service requests, got ${typeOf(body)}`);
    if (body.length > MAX_ITEMS_PER_RESPONSE)
      throw new Error(`GET ${display}: ${body.length} requests in one response; at most ${MAX_ITEMS_PER_RESPONSE} are accepted`);
    return { items: body, display };
  };

  const load = async (ctx: SourceContext) => {
    if (loaded) return;
    const parsed = stateSchema.safeParse(await readJsonState(join(ctx.stateDir, STATE_FILE)));
    if (parsed.success && parsed.data.baseUrl === config.baseUrl && parsed.data.jurisdictionId === (config.jurisdictionId ?? null)) {
      watermark = parsed.data.watermark;
      carried = parsed.data.pending;
      resumeFrom = parsed.data.resumeFrom;
    } else if (parsed.success) ctx.log.info({ source: config.name }, 'baseUrl or jurisdictionId changed: the watermark starts over');
    loaded = true;
  };

  return {
    mode: 'poll',
    name: config.name,
    intervalMs: config.intervalMs,
    async poll(ctx) {
      await load(ctx);
      const now = ctx.now();
      const end = now;
      let start = watermark === null ? now - config.lookbackHours * HOUR_MS : watermark - overlapMs;
      if (resumeFrom !== null) start = Math.min(start, resumeFrom);
      // A watermark ahead of our clock (server clock ahead, ours set back) must not leave an empty window.
      if (start >= end) start = end - Math.max(overlapMs, 60_000);

      // The window is cut into ≤ maxWindowDays slices; a full page splits its slice further (see below).
      // Gaps a previous round left go first: starting again from the watermark would fetch the same first
      // pages every round and never reach them.
      const pending: Window[] = [...carried];
      for (let from = start; from < end; from += maxWindowMs) pending.push({ from, to: Math.min(end, from + maxWindowMs), fresh: true });
      const asked = new Set<string>();
      /** Latest version of each request (overlapping windows and pages return some twice). */
      const byId = new Map<string, { data: unknown; origin: string; time: number }>();
      let anonymous = 0;
      let requests = 0;

      while (pending.length) {
        if (requests >= config.maxRequestsPerPoll) {
          ctx.log.warn({ source: config.name, pendingWindows: pending.length }, 'maxRequestsPerPoll reached: the rest follows next poll');
          break;
        }
        const w = pending.shift()!;
        const key = requestUrl(config, apiKey, w, true);
        if (asked.has(key)) continue; // sub-second splits round to the same request
        asked.add(key);
        const { items, display } = await fetchPage(w);
        requests++;

        const filterTimes: number[] = [];
        items.forEach((data, index) => {
          const item = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : null;
          const rawId = item?.service_request_id;
          const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId).trim() : '';
          const t = item ? requestEventTime(item, config.utcOffset) : NaN;
          const time = typeof t === 'number' ? t : NaN;
          const ft = item ? parseGeoReportTime(item[config.dateFilter.field], config.dateFilter.field, config.utcOffset) : NaN;
          filterTimes.push(typeof ft === 'number' ? ft : NaN);
          const origin = `${display}#${id ? id : index}`;
          const mapKey = id ? `id:${id}` : `anon:${anonymous++}`;
          const prev = byId.get(mapKey);
          if (!prev || !(time <= prev.time)) byId.set(mapKey, { data, origin, time });
        });

        if (items.length >= config.pageSize) {
          // The server cut the answer off. Whatever its order, it returned a contiguous run of filter times
          // [lo, hi]: what is missing lies after hi (oldest first — "page forward from the latest seen") or
          // before lo (newest first). Both bounds are inclusive, so equal times are fetched again, not lost.
          const valid = filterTimes.filter(Number.isFinite);
          const lo = valid.reduce((a, b) => Math.min(a, b), Infinity);
          const hi = valid.reduce((a, b) => Math.max(a, b), -Infinity);
          if (!valid.length || lo === hi) {
            ctx.log.warn(
              { source: config.name, window: display },
              `a full page of ${items.length} requests cannot be split further by ${config.dateFilter.field}; some may be missed`,
            );
            continue;
          }
          const ascending = valid.every((t, i) => i === 0 || t >= valid[i - 1]!);
          const descending = valid.every((t, i) => i === 0 || t <= valid[i - 1]!);
          const after = { from: Math.max(w.from, hi), to: w.to };
          const before = { from: w.from, to: Math.min(w.to, lo) };
          if (!descending && after.from <= after.to) pending.unshift(after);
          if (!ascending && before.from <= before.to) pending.unshift(before);
        }
      }

      const events: NormalisedRecord[] = [];
      let greatest = watermark;
      try {
        for (const { data, origin, time } of byId.values()) {
          // Future times (a broken server clock) would push the next window past everything real.
          if (Number.isFinite(time) && time <= now + MAX_FUTURE_MS && (greatest === null || time > greatest)) greatest = time;
          if (filter.seen(data)) continue;
          const r = toEvent(data);
          if (r.ok) events.push({ opd, event: r.event });
          else await ctx.quarantine(origin, data, r.reason);
        }
        if (events.length) await ctx.emit(events);
      } catch (e) {
        filter.rollback();
        throw e;
      }
      filter.commit();

      // Unreached slices of the round's range are not kept as such: the next round's range starts at them.
      const unreached = pending.filter((w) => w.fresh);
      const nextResume = unreached.length ? Math.min(...unreached.map((w) => w.from)) : null;
      const split = [...new Map(pending.filter((w) => !w.fresh).map((w) => [`${w.from}:${w.to}`, { from: w.from, to: w.to }])).values()];
      const left =
        split.length > MAX_PENDING_WINDOWS ? [{ from: Math.min(...split.map((w) => w.from)), to: Math.max(...split.map((w) => w.to)) }] : split;
      if (greatest !== watermark || nextResume !== resumeFrom || JSON.stringify(left) !== JSON.stringify(carried)) {
        await writeJsonState(join(ctx.stateDir, STATE_FILE), {
          version: 1,
          baseUrl: config.baseUrl,
          jurisdictionId: config.jurisdictionId ?? null,
          watermark: greatest,
          pending: left,
          resumeFrom: nextResume,
        } satisfies State);
        watermark = greatest;
        carried = left;
        resumeFrom = nextResume;
      }
    },
  };
}

/** GeoReport errors are `[{ code, description }]`; returns the descriptions, or null for another body. */
function describeOpen311Error(body: string): string | null {
  try {
    const parsed = z
      .array(z.object({ code: z.union([z.number(), z.string()]).optional(), description: z.string() }))
      .min(1)
      .safeParse(JSON.parse(body));
    return parsed.success ? parsed.data.map((e) => e.description.slice(0, 200)).join('; ') : null;
  } catch {
    return null;
  }
}

/** `type: open311` — complaints from an Open311 GeoReport v2 server (needs the common `opd`, no `mapping`). */
export const open311Definition: SourceDefinition<typeof open311ConfigSchema> = {
  type: 'open311',
  needsMapping: false,
  configSchema: open311ConfigSchema,
  create: (config) => createOpen311Source(config as Open311Config & { name: string; opd?: string }),
};
