/**
 * The catalog as one document (issue 17 "Catalog as data"): OPD, domains, metrics and event kinds (with their
 * categories and service-level targets). The same shape is what `admin catalog export|import` writes and reads
 * (YAML or JSON), what GET/PUT /api/v1/admin/catalog answer and take, and what the admin page edits. Isomorphic:
 * the page validates with the same schema and the same pure `catalogProblems` rule before it sends.
 *
 * Two layers of checks: the zod schema judges each item alone (codes well-formed, numbers finite, required
 * fields); `catalogProblems` judges the document as a whole (codes unique, references exist, thresholds
 * ordered, hysteresis smaller than the gaps, closed statuses among the statuses, …). Both report paths into
 * the document so a YAML file's errors can name their line (shared/yaml-lines.ts).
 */
import { z } from 'zod';
import { AGGREGATIONS, ALERT_LEVELS, DATA_CLASSES, VALUE_SANITY_BOUND, type Aggregation } from './catalog';

export { AGGREGATIONS, type Aggregation };

/** OPD codes: upper case, as in migration 001's CHECK (`DINKES`, `DPUPR`). */
export const OPD_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,31}$/;
/** Metric and event-kind codes: lower snake case, as in migration 001's CHECK (`bed_occupancy`). */
export const ITEM_CODE_PATTERN = /^[a-z][a-z0-9_]{1,62}$/;
/** Domain codes (migration 086): lower snake case, short (`health`, `floods`). */
export const DOMAIN_CODE_PATTERN = /^[a-z][a-z0-9_]{1,31}$/;
/** Event categories, as in migration 010's CHECK on event_sla.category ('' there is the kind's default). */
export const CATEGORY_CODE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
/** Event statuses: lower snake case. */
export const STATUS_CODE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/** The sections of the document, as the admin REST routes name them (`/api/v1/admin/catalog/<section>/:code`). */
export const CATALOG_SECTIONS = ['opd', 'domains', 'metrics', 'event-kinds'] as const;
export type CatalogSection = (typeof CATALOG_SECTIONS)[number];

/** Route paths of the admin catalog API (express syntax); the admin page and the OpenAPI document use these. */
export const ADMIN_CATALOG_PATHS = {
  /** GET: the document. PUT (?dryRun=1, ?confirm=1): import a whole document (creates and updates; never deletes). */
  document: '/api/v1/admin/catalog',
  /** PUT: create or replace one item (body: the item, plus `confirm`); DELETE: remove an unused item. */
  item: '/api/v1/admin/catalog/:section/:code',
} as const;

/** The path of one item's route. */
export const adminCatalogItemPath = (section: CatalogSection, code: string): string => `/api/v1/admin/catalog/${section}/${encodeURIComponent(code)}`;

const text = (max: number) => z.string().trim().min(1).max(max);
const finite = z.number().finite().min(-VALUE_SANITY_BOUND).max(VALUE_SANITY_BOUND);
const localText = z.object({ id: text(2000), en: z.string().trim().max(2000) }).strict();

export const opdDocSchema = z
  .object({
    code: z.string().regex(OPD_CODE_PATTERN, 'upper case letters, digits and _, 2 to 32 characters, starting with a letter'),
    name: text(200),
    /** What tight places (tiles, chips) show: `Dinkes`, `BPBD`; absent: the code. */
    shortName: text(40).nullable().optional(),
  })
  .strict();
export type OpdDoc = z.infer<typeof opdDocSchema>;

export const domainDocSchema = z
  .object({
    code: z.string().regex(DOMAIN_CODE_PATTERN, 'lower case letters, digits and _, 2 to 32 characters, starting with a letter'),
    nameId: text(100),
    nameEn: text(100),
    /** Order of the domain in lists (tablet groups, filters); lower first. */
    sort: z.number().int().min(0).max(10_000).default(100),
  })
  .strict();
export type DomainDoc = z.infer<typeof domainDocSchema>;

export const thresholdsDocSchema = z.object({ waspada: finite, siaga: finite, awas: finite }).strict();

export const metricDocSchema = z
  .object({
    code: z.string().regex(ITEM_CODE_PATTERN, 'lower case letters, digits and _, 2 to 63 characters, starting with a letter'),
    domain: z.string().min(1),
    ownerOpd: z.string().min(1),
    class: z.enum(DATA_CLASSES),
    unit: z.string().trim().max(40),
    nameId: text(200),
    nameEn: text(200),
    /** Expected seconds between readings of one series (the wall marks a series stale beyond it). */
    cadenceS: z
      .number()
      .int()
      .positive()
      .max(366 * 86_400),
    /** The value at which each alert level begins (value ≥ threshold); null: the metric raises no alerts. */
    thresholds: thresholdsDocSchema.nullable().default(null),
    /**
     * In the metric's unit: a value that has reached a level leaves it only once it falls below the level's
     * threshold minus this (so a reading wavering around a threshold does not raise and clear alerts by turns).
     */
    hysteresis: finite.min(0).default(0),
    aggregation: z.enum(AGGREGATIONS).default('avg'),
    cumulative: z.boolean().default(false),
    sop: z
      .partialRecord(z.enum(ALERT_LEVELS.filter((l) => l !== 'normal') as ['waspada', 'siaga', 'awas']), localText)
      .nullable()
      .default(null),
    valueMin: finite.nullable().default(null),
    valueMax: finite.nullable().default(null),
    publicHistory: z.boolean().default(true),
    /** Opened to territorial roles (camat, lurah/kades): they read the readings located in their area. */
    territorial: z.boolean().default(false),
  })
  .strict();
export type MetricDoc = z.infer<typeof metricDocSchema>;
export type MetricDocInput = z.input<typeof metricDocSchema>;

export const categoryDocSchema = z
  .object({
    code: z.string().regex(CATEGORY_CODE_PATTERN, 'lower case letters, digits and _, starting with a letter'),
    nameId: text(200),
    nameEn: text(200),
  })
  .strict();
export type CategoryDoc = z.infer<typeof categoryDocSchema>;

export const slaDocSchema = z
  .object({
    /** '' (or absent): the kind's default target, for every category without one of its own. */
    category: z.union([z.literal(''), z.string().regex(CATEGORY_CODE_PATTERN)]).default(''),
    /** Hours an event may stay open (migration 010 bounds it to a year). */
    targetHours: z.number().positive().max(8760),
    /** The OPD that works events of this category; null: the kind's owner. */
    handlerOpd: z.string().min(1).nullable().default(null),
  })
  .strict();
export type SlaDoc = z.infer<typeof slaDocSchema>;

export const eventKindDocSchema = z
  .object({
    code: z.string().regex(ITEM_CODE_PATTERN, 'lower case letters, digits and _, 2 to 63 characters, starting with a letter'),
    domain: z.string().min(1),
    ownerOpd: z.string().min(1),
    class: z.enum(DATA_CLASSES),
    nameId: text(200),
    nameEn: text(200),
    /** The closed set of statuses, in lifecycle order. */
    statuses: z.array(z.string().regex(STATUS_CODE_PATTERN, 'lower case letters, digits and _')).min(1).max(50),
    /** Statuses after which an event is closed (handled); a subset of `statuses`. */
    closedStatuses: z.array(z.string()).max(50),
    /** The closed list of categories (empty: the kind has none). */
    categories: z.array(categoryDocSchema).max(500).default([]),
    sla: z.array(slaDocSchema).max(501).default([]),
    /** Opened to territorial roles (camat, lurah/kades): they read the events located in their area. */
    territorial: z.boolean().default(false),
  })
  .strict();
export type EventKindDoc = z.infer<typeof eventKindDocSchema>;
export type EventKindDocInput = z.input<typeof eventKindDocSchema>;

/** Bounds a document a client can send (the admin REST body limit also applies). */
export const MAX_CATALOG_ITEMS = 5_000;

export const catalogDocumentSchema = z
  .object({
    opd: z.array(opdDocSchema).max(MAX_CATALOG_ITEMS).default([]),
    domains: z.array(domainDocSchema).max(500).default([]),
    metrics: z.array(metricDocSchema).max(MAX_CATALOG_ITEMS).default([]),
    eventKinds: z.array(eventKindDocSchema).max(MAX_CATALOG_ITEMS).default([]),
  })
  .strict();
export type CatalogDocument = z.infer<typeof catalogDocumentSchema>;
export type CatalogDocumentInput = z.input<typeof catalogDocumentSchema>;

/** The schema of one section's items, for the single-item routes. */
export const sectionItemSchemas = {
  opd: opdDocSchema,
  domains: domainDocSchema,
  metrics: metricDocSchema,
  'event-kinds': eventKindDocSchema,
} as const;

/** The document's key for a route section. */
export const SECTION_KEYS = { opd: 'opd', domains: 'domains', metrics: 'metrics', 'event-kinds': 'eventKinds' } as const satisfies Record<
  CatalogSection,
  keyof CatalogDocument
>;

/** One problem, with its path into the document (`metrics.3.thresholds.siaga`). */
export interface CatalogProblem {
  path: (string | number)[];
  message: string;
}

/** Pure: a zod error as problems with paths. */
export function zodProblems(error: z.ZodError, prefix: (string | number)[] = []): CatalogProblem[] {
  return error.issues.map((i) => ({ path: [...prefix, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))], message: i.message }));
}

/** Pure: the path as text (`metrics.3.code`), `(root)` for the document itself. */
export const pathText = (path: readonly (string | number)[]): string => path.map(String).join('.') || '(root)';

/**
 * Pure: every problem of a (schema-valid) document judged as a whole. Table-tested in
 * tests/unit/catalog-document.test.ts. Empty: the document can be applied.
 */
export function catalogProblems(doc: CatalogDocument): CatalogProblem[] {
  const out: CatalogProblem[] = [];
  const unique = <T extends { code: string }>(items: readonly T[], section: string) => {
    const seen = new Map<string, number>();
    items.forEach((it, i) => {
      const first = seen.get(it.code);
      if (first !== undefined) out.push({ path: [section, i, 'code'], message: `duplicate code '${it.code}' (also ${section}.${first})` });
      else seen.set(it.code, i);
    });
    return new Set(seen.keys());
  };
  const opd = unique(doc.opd, 'opd');
  const domains = unique(doc.domains, 'domains');
  unique(doc.metrics, 'metrics');
  unique(doc.eventKinds, 'eventKinds');
  // a metric and an event kind share the sharing agreements' item space only per type, so the same code is allowed

  doc.metrics.forEach((m, i) => {
    const at = (...p: (string | number)[]) => ['metrics', i, ...p];
    if (!domains.has(m.domain)) out.push({ path: at('domain'), message: `unknown domain '${m.domain}'` });
    if (!opd.has(m.ownerOpd)) out.push({ path: at('ownerOpd'), message: `unknown OPD '${m.ownerOpd}'` });
    if (m.valueMin !== null && m.valueMax !== null && !(m.valueMin < m.valueMax))
      out.push({ path: at('valueMax'), message: `valueMax (${m.valueMax}) must be greater than valueMin (${m.valueMin})` });
    const t = m.thresholds;
    if (t) {
      // equal thresholds are allowed: the level between is skipped (backup_failures: one failure is siaga at once)
      if (t.siaga < t.waspada) out.push({ path: at('thresholds', 'siaga'), message: `siaga (${t.siaga}) must not be below waspada (${t.waspada})` });
      if (t.awas < t.siaga) out.push({ path: at('thresholds', 'awas'), message: `awas (${t.awas}) must not be below siaga (${t.siaga})` });
      const gaps = [t.siaga - t.waspada, t.awas - t.siaga].filter((g) => g > 0);
      const gap = gaps.length ? Math.min(...gaps) : Infinity;
      if (m.hysteresis > 0 && m.hysteresis >= gap)
        out.push({
          path: at('hysteresis'),
          message: `hysteresis (${m.hysteresis}) must be smaller than the smallest gap between thresholds (${gap})`,
        });
      for (const level of ['waspada', 'siaga', 'awas'] as const) {
        const v = t[level];
        if ((m.valueMin !== null && v < m.valueMin) || (m.valueMax !== null && v > m.valueMax))
          out.push({ path: at('thresholds', level), message: `${level} (${v}) lies outside the values the metric may take` });
      }
    } else if (m.hysteresis > 0) out.push({ path: at('hysteresis'), message: 'hysteresis without thresholds has no meaning' });
    if (m.sop && !t && Object.keys(m.sop).length)
      out.push({ path: at('sop'), message: 'SOP text per level needs thresholds (no level is ever reached without them)' });
  });

  doc.eventKinds.forEach((k, i) => {
    const at = (...p: (string | number)[]) => ['eventKinds', i, ...p];
    if (!domains.has(k.domain)) out.push({ path: at('domain'), message: `unknown domain '${k.domain}'` });
    if (!opd.has(k.ownerOpd)) out.push({ path: at('ownerOpd'), message: `unknown OPD '${k.ownerOpd}'` });
    const statuses = new Set<string>();
    k.statuses.forEach((s, j) => {
      if (statuses.has(s)) out.push({ path: at('statuses', j), message: `duplicate status '${s}'` });
      statuses.add(s);
    });
    k.closedStatuses.forEach((s, j) => {
      if (!statuses.has(s)) out.push({ path: at('closedStatuses', j), message: `closed status '${s}' is not one of the statuses` });
    });
    const categories = new Set<string>();
    k.categories.forEach((c, j) => {
      if (categories.has(c.code)) out.push({ path: at('categories', j, 'code'), message: `duplicate category '${c.code}'` });
      categories.add(c.code);
    });
    const targets = new Set<string>();
    k.sla.forEach((s, j) => {
      if (targets.has(s.category))
        out.push({
          path: at('sla', j, 'category'),
          message: `a second target for ${s.category === '' ? 'the default' : `category '${s.category}'`}`,
        });
      targets.add(s.category);
      if (s.category !== '' && !categories.has(s.category))
        out.push({ path: at('sla', j, 'category'), message: `unknown category '${s.category}' (list it under categories)` });
      if (s.handlerOpd !== null && !opd.has(s.handlerOpd)) out.push({ path: at('sla', j, 'handlerOpd'), message: `unknown OPD '${s.handlerOpd}'` });
    });
  });
  return out;
}

/** What a change did to one item. */
export const CHANGE_ACTIONS = ['created', 'updated', 'deleted'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

const anyItem = z.union([opdDocSchema, domainDocSchema, metricDocSchema, eventKindDocSchema]);

export const catalogChangeSchema = z.object({
  section: z.enum(CATALOG_SECTIONS),
  code: z.string(),
  action: z.enum(CHANGE_ACTIONS),
  before: anyItem.nullable(),
  after: anyItem.nullable(),
});
export type CatalogChange = z.infer<typeof catalogChangeSchema>;

/** PUT /api/v1/admin/catalog and the single-item routes: what changed (or would, on a dry run). */
export const catalogChangeResponse = z.object({
  applied: z.boolean().describe('false on a dry run: nothing was written'),
  changes: z.array(catalogChangeSchema).describe('one entry per created, updated or deleted item; unchanged items are not listed'),
});
export type CatalogChangeResponse = z.infer<typeof catalogChangeResponse>;

/** A relaxation refused without `confirm` (409): the item, its classes, and the agreements that depend on it. */
export const relaxationSchema = z.object({
  section: z.enum(['metrics', 'event-kinds']),
  code: z.string(),
  from: z.enum(DATA_CLASSES),
  to: z.enum(DATA_CLASSES),
  agreements: z.array(z.object({ id: z.number().int(), granteeOpd: z.string(), purpose: z.string() })),
});
export type Relaxation = z.infer<typeof relaxationSchema>;
