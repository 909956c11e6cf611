/**
 * Semantic mapping: how an agency's own records become our catalog's points and events. Mappings are data in
 * the worker config (versioned with it). Nothing is guessed: a field that is missing, a code not in its code
 * list, a value of the wrong type — the record is refused with the reason, and goes to the quarantine.
 * Pure: no I/O, no clock.
 */
import { z } from 'zod';
import { eventSchema, pointSchema, type EventInput, type PointInput } from '../shared/schemas';

/** Where one of our fields comes from: a path in their record, or a constant; optionally through a code list. */
const fieldSpec = z.union([
  z
    .object({
      /** Dot path into their record (`reading.level`, `properties.0.id`). */
      from: z.string().min(1),
      /** Name of a code list in `codes`: their value → ours. A value not in the list is refused. */
      codes: z.string().min(1).optional(),
      /** Multiply a numeric value (units: m → cm is 100). */
      scale: z.number().optional(),
      /** How to read a time: ISO 8601 (default), epoch seconds/milliseconds, or `dd/mm/yyyy hh:mm[:ss]` local time. */
      format: z.enum(['iso', 'epoch_s', 'epoch_ms', 'dmy_hm']).optional(),
      /** UTC offset of local times without one (`+07:00` is WIB). */
      utcOffset: z
        .string()
        .regex(/^[+-]\d{2}:\d{2}$/)
        .optional(),
    })
    .strict(),
  z.object({ const: z.union([z.string(), z.number()]) }).strict(),
]);
export type FieldSpec = z.infer<typeof fieldSpec>;

const codeList = z.record(z.string(), z.union([z.string(), z.number()]));

export const mappingSchema = z
  .object({
    /** Bumped by whoever edits the mapping; recorded with every quarantined record. */
    version: z.string().min(1).default('1'),
    /** What the records become. */
    produces: z.enum(['points', 'events']),
    fields: z.record(z.string(), fieldSpec),
    codes: z.record(z.string(), codeList).default({}),
  })
  .strict()
  .superRefine((m, ctx) => {
    const required = m.produces === 'points' ? ['metric', 'entity', 'time', 'value'] : ['kind', 'id', 'status', 'time'];
    for (const f of required) {
      if (!m.fields[f])
        ctx.addIssue({ code: 'custom', path: ['fields', f], message: `a mapping that produces ${m.produces} must say where '${f}' comes from` });
    }
    const allowed = m.produces === 'points' ? POINT_FIELDS : EVENT_FIELDS;
    for (const [name, spec] of Object.entries(m.fields)) {
      if (!allowed.includes(name))
        ctx.addIssue({ code: 'custom', path: ['fields', name], message: `'${name}' is not a field of ${m.produces}; known: ${allowed.join(', ')}` });
      if ('codes' in spec && spec.codes && !m.codes[spec.codes]) {
        ctx.addIssue({ code: 'custom', path: ['fields', name, 'codes'], message: `no code list '${spec.codes}' in codes` });
      }
    }
  });
export type Mapping = z.infer<typeof mappingSchema>;

const POINT_FIELDS = ['metric', 'entity', 'region', 'time', 'value', 'lon', 'lat', 'revision'];
const EVENT_FIELDS = ['kind', 'id', 'status', 'time', 'category', 'region', 'lon', 'lat', 'title'];
const NUMERIC = new Set(['value', 'lon', 'lat', 'revision']);
const MAX_TEXT = 500;

export type MapResult = { ok: true; point: PointInput } | { ok: true; event: EventInput } | { ok: false; reason: string };

/** Reads a dot path; arrays are indexed by number segments. */
export function getPath(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const seg of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Parses a time per the spec into epoch ms, or returns a reason. */
export function parseTime(raw: unknown, spec: Extract<FieldSpec, { from: string }>): number | string {
  const format = spec.format ?? 'iso';
  if (format === 'epoch_s' || format === 'epoch_ms') {
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isFinite(n))
      return `time '${String(raw).slice(0, 40)}' is not a number of ${format === 'epoch_s' ? 'seconds' : 'milliseconds'}`;
    return Math.round(format === 'epoch_s' ? n * 1000 : n);
  }
  if (typeof raw !== 'string') return `time must be text, got ${typeOf(raw)}`;
  if (format === 'dmy_hm') {
    const m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$/.exec(raw.trim());
    if (!m) return `time '${raw.slice(0, 40)}' is not dd/mm/yyyy hh:mm`;
    const [, d, mo, y, h, mi, s] = m;
    const daysInMonth = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
    if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > daysInMonth || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) {
      return `time '${raw.slice(0, 40)}' is not a valid date`;
    }
    const iso = `${y}-${mo!.padStart(2, '0')}-${d!.padStart(2, '0')}T${h!.padStart(2, '0')}:${mi}:${s ?? '00'}${spec.utcOffset ?? '+07:00'}`;
    const t = Date.parse(iso);
    return Number.isFinite(t) ? t : `time '${raw.slice(0, 40)}' is not a valid date`;
  }
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(raw.trim());
  if (!hasOffset && !spec.utcOffset) return `time '${raw.slice(0, 40)}' has no UTC offset and the mapping declares none`;
  const t = Date.parse(hasOffset ? raw : `${raw.trim()}${spec.utcOffset}`);
  return Number.isFinite(t) ? t : `time '${raw.slice(0, 40)}' is not ISO 8601`;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Applies a mapping to one record of theirs. */
export function mapRecord(mapping: Mapping, data: unknown): MapResult {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, reason: `record is ${typeOf(data)}, not an object` };
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(mapping.fields)) {
    if ('const' in spec) {
      out[field] = spec.const;
      continue;
    }
    let raw = getPath(data, spec.from);
    if (raw === undefined || raw === null || raw === '') {
      if (isRequired(mapping, field)) return { ok: false, reason: `missing '${spec.from}' (for ${field})` };
      continue;
    }
    if (typeof raw === 'string' && raw.length > MAX_TEXT)
      return { ok: false, reason: `'${spec.from}' is ${raw.length} characters long; at most ${MAX_TEXT}` };
    if (spec.codes) {
      const list = mapping.codes[spec.codes]!;
      const key = String(raw).trim();
      if (!Object.hasOwn(list, key)) return { ok: false, reason: `unmapped ${spec.codes} code '${key.slice(0, 60)}' in '${spec.from}'` };
      raw = list[key];
    }
    if (field === 'time') {
      const t = parseTime(raw, spec);
      if (typeof t === 'string') return { ok: false, reason: t };
      out.time = t;
      continue;
    }
    if (NUMERIC.has(field)) {
      const n = typeof raw === 'string' && /^\s*-?\d+([.,]\d+)?\s*$/.test(raw) ? Number(raw.replace(',', '.')) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return { ok: false, reason: `'${spec.from}' is ${JSON.stringify(raw).slice(0, 40)}, not a finite number` };
      out[field] = spec.scale === undefined ? n : n * spec.scale;
      continue;
    }
    out[field] = typeof raw === 'number' ? String(raw) : raw;
  }
  const parsed = (mapping.produces === 'points' ? pointSchema : eventSchema).safeParse(out);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `${issue.path.join('.') || 'record'}: ${issue.message}` };
  }
  // Keep the input form (ISO/epoch) for the spool; the server validates again.
  return mapping.produces === 'points' ? { ok: true, point: out as PointInput } : { ok: true, event: out as EventInput };
}

function isRequired(mapping: Mapping, field: string): boolean {
  return (mapping.produces === 'points' ? ['metric', 'entity', 'time', 'value'] : ['kind', 'id', 'status', 'time']).includes(field);
}
