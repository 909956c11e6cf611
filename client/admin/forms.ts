/**
 * The admin page's catalog forms as data (pure; tests/unit/admin-forms.test.ts): which fields each section has,
 * how an item becomes the flat text values of a form and back, and which field a server or schema error path
 * belongs to, so every refusal shows beside its field. The item is then judged by the very schema and rule the
 * server applies (shared/catalog-document.ts) before it is sent.
 */
import { AGGREGATIONS, type CatalogSection } from '@shared/catalog-document';
import { DATA_CLASSES } from '@shared/catalog';

export type FieldKind = 'text' | 'number' | 'select' | 'checkbox' | 'list' | 'lines' | 'textarea';

export interface FieldSpec {
  /** The item's path, dotted (`thresholds.siaga`); also the i18n key under `admin.fields`. */
  key: string;
  kind: FieldKind;
  /** Fixed options of a select; `opd` / `domains`: the catalog's current codes. */
  options?: readonly string[] | 'opd' | 'domains';
  /** Absent (empty) is allowed: stored as null (numbers) or left out. */
  optional?: boolean;
  /** The heading of a group of fields (thresholds, SOP). */
  group?: string;
}

const SOP_LEVELS = ['waspada', 'siaga', 'awas'] as const;

export const SECTION_FIELDS: Record<CatalogSection, readonly FieldSpec[]> = {
  opd: [
    { key: 'code', kind: 'text' },
    { key: 'name', kind: 'text' },
    { key: 'shortName', kind: 'text', optional: true },
  ],
  domains: [
    { key: 'code', kind: 'text' },
    { key: 'nameId', kind: 'text' },
    { key: 'nameEn', kind: 'text' },
    { key: 'sort', kind: 'number' },
  ],
  metrics: [
    { key: 'code', kind: 'text' },
    { key: 'nameId', kind: 'text' },
    { key: 'nameEn', kind: 'text' },
    { key: 'unit', kind: 'text' },
    { key: 'domain', kind: 'select', options: 'domains' },
    { key: 'ownerOpd', kind: 'select', options: 'opd' },
    { key: 'class', kind: 'select', options: DATA_CLASSES },
    { key: 'cadenceS', kind: 'number' },
    ...SOP_LEVELS.map((l) => ({ key: `thresholds.${l}`, kind: 'number' as const, optional: true, group: 'thresholds' })),
    { key: 'hysteresis', kind: 'number' },
    ...SOP_LEVELS.flatMap((l) => [
      { key: `sop.${l}.id`, kind: 'textarea' as const, optional: true, group: 'sop' },
      { key: `sop.${l}.en`, kind: 'textarea' as const, optional: true, group: 'sop' },
    ]),
    { key: 'aggregation', kind: 'select', options: AGGREGATIONS },
    { key: 'cumulative', kind: 'checkbox' },
    { key: 'valueMin', kind: 'number', optional: true },
    { key: 'valueMax', kind: 'number', optional: true },
    { key: 'publicHistory', kind: 'checkbox' },
    { key: 'territorial', kind: 'checkbox' },
  ],
  'event-kinds': [
    { key: 'code', kind: 'text' },
    { key: 'nameId', kind: 'text' },
    { key: 'nameEn', kind: 'text' },
    { key: 'domain', kind: 'select', options: 'domains' },
    { key: 'ownerOpd', kind: 'select', options: 'opd' },
    { key: 'class', kind: 'select', options: DATA_CLASSES },
    { key: 'statuses', kind: 'list' },
    { key: 'closedStatuses', kind: 'list', optional: true },
    { key: 'categories', kind: 'lines', optional: true },
    { key: 'sla', kind: 'lines', optional: true },
    { key: 'territorial', kind: 'checkbox' },
  ],
};

/** What a new item's form starts with. */
export const SECTION_DEFAULTS: Record<CatalogSection, Record<string, unknown>> = {
  opd: {},
  domains: { sort: 100 },
  metrics: { class: 'terbatas', cadenceS: 300, hysteresis: 0, aggregation: 'avg', cumulative: false, publicHistory: true, territorial: false },
  'event-kinds': { class: 'terbatas', statuses: ['open', 'closed'], closedStatuses: ['closed'], territorial: false },
};

export type FormValues = Record<string, string | boolean>;

const at = (item: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), item);

/** Pure: an item as the form's flat values. */
export function toForm(section: CatalogSection, item: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const f of SECTION_FIELDS[section]) {
    const v = at(item, f.key);
    if (f.kind === 'checkbox') out[f.key] = v === true;
    else if (f.kind === 'list') out[f.key] = Array.isArray(v) ? v.join(', ') : '';
    else if (f.key === 'categories')
      out[f.key] = Array.isArray(v)
        ? (v as { code: string; nameId: string; nameEn: string }[]).map((c) => `${c.code} | ${c.nameId} | ${c.nameEn}`).join('\n')
        : '';
    else if (f.key === 'sla')
      out[f.key] = Array.isArray(v)
        ? (v as { category: string; targetHours: number; handlerOpd: string | null }[])
            .map((s) => `${s.category} | ${s.targetHours} | ${s.handlerOpd ?? ''}`)
            .join('\n')
        : '';
    else out[f.key] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split('|').map((x) => x.trim()));
/** A number field's value: empty → null; text that is not a number stays text, so the schema names the field. */
const num = (s: string): number | string | null => (s.trim() === '' ? null : Number.isFinite(Number(s)) ? Number(s) : s);

/** Pure: the form's values as an item for the schema to judge (nothing is dropped silently: bad text stays text). */
export function fromForm(section: CatalogSection, values: FormValues): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  const put = (path: string, v: unknown) => {
    const keys = path.split('.');
    let o = item;
    for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[keys.at(-1)!] = v;
  };
  for (const f of SECTION_FIELDS[section]) {
    const raw = values[f.key];
    if (f.kind === 'checkbox') put(f.key, raw === true);
    else if (typeof raw !== 'string') continue;
    else if (f.kind === 'list') put(f.key, splitList(raw));
    else if (f.key === 'categories')
      put(
        f.key,
        lines(raw).map(([code = '', nameId = '', nameEn = '']) => ({ code, nameId, nameEn: nameEn || nameId })),
      );
    else if (f.key === 'sla')
      put(
        f.key,
        lines(raw).map(([category = '', hours = '', handler = '']) => ({ category, targetHours: num(hours), handlerOpd: handler || null })),
      );
    else if (f.kind === 'number') {
      const v = num(raw);
      if (v !== null || f.optional) put(f.key, v);
    } else if (raw.trim() === '' && f.optional) continue;
    else put(f.key, raw.trim());
  }
  if (section === 'metrics') {
    // three empty thresholds: the metric raises no alerts; SOP levels without text are left out
    const t = item.thresholds as Record<string, unknown> | undefined;
    if (t && Object.values(t).every((v) => v === null)) item.thresholds = null;
    const sop = (item.sop ?? {}) as Record<string, { id?: string; en?: string }>;
    for (const l of SOP_LEVELS) {
      const s = sop[l];
      if (!s || (!s.id && !s.en)) delete sop[l];
      else sop[l] = { id: s.id ?? '', en: s.en ?? '' };
    }
    item.sop = Object.keys(sop).length ? sop : null;
  }
  return item;
}

/**
 * Pure: the form field an error path is about: the longest field key the path starts with (`thresholds.siaga`,
 * `sla.2.category` → `sla`); a path of the whole document (`metrics.3.unit`) is read from its item on.
 * Null: no field (the error shows above the form).
 */
export function fieldOf(section: CatalogSection, path: readonly (string | number)[]): string | null {
  const parts = path.map(String);
  let best: string | null = null;
  for (const f of SECTION_FIELDS[section]) {
    const k = f.key.split('.');
    const hit = k.every((x, i) => parts[i] === x);
    if (hit && (!best || k.length > best.split('.').length)) best = f.key;
  }
  // `thresholds` (all three) or `sop` as a whole: the first field of the group
  if (!best && parts[0]) best = SECTION_FIELDS[section].find((f) => f.group === parts[0])?.key ?? null;
  return best;
}

/** A dotted error path as the server writes it (`thresholds.siaga`, `metrics.0.code`) split into its parts. */
export const splitPath = (p: string): (string | number)[] => (p ? p.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x)) : []);
