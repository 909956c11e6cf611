/**
 * A read-only CKAN action API (API v3) over the open datasets, so a regional Satu Data portal running CKAN
 * (ckanext-harvest's CKAN harvester, ckanapi, DataStore clients) can harvest Sinergi:
 *
 *   GET|POST /api/3/action/package_list       → names of every dataset
 *   GET|POST /api/3/action/package_show       → one package dict (organization = owner OPD, extras, resources)
 *   GET|POST /api/3/action/package_search     → q / fq / rows / start / sort (what the CKAN harvester calls)
 *   GET|POST /api/3/action/datastore_search   → records of a resource: filters, limit, offset, fields, sort
 *   GET|POST /api/3/action/help_show          → what an action does
 *   GET|POST /api/3/action/status_show        → site title, URL, default locale, CKAN version, extensions
 *   GET|POST /api/3/action/organization_list  → the owner OPD of the datasets (names, or dicts with all_fields)
 *   GET|POST /api/3/action/organization_show  → one OPD with its package count (and packages: include_datasets)
 *   GET|POST /api/3/action/group_list         → the domains (complaints, floods, …) as CKAN groups
 *
 * Answers use CKAN's envelope `{ help, success, result }`; errors `{ help, success: false, error: { message,
 * __type } }` with CKAN's statuses: 404 Not Found Error, 409 Validation Error, 400 for an unknown action or a
 * body that is not a JSON object. Parameters come from the query string (GET) or a JSON body (POST, as
 * ckanapi sends them), and are validated with zod: bad input never reaches anything that could fail.
 * Everything comes from the open-data service, so it is publik and k-anonymous exactly as the downloads are.
 */
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import { render } from '../public/cache';
import type { DatasetDef, FieldType, Row, ViewDef } from './datasets';
import { CONFORMS_TO, dataPath, DATASETS_PATH, resourceId, spatial } from './metadata';
import { isoDuration } from './datasets';
import { sendOpen } from './routes';
import type { Catalog, OpenDataService } from './service';

export const CKAN_BASE = '/api/3/action';
/** CKAN's defaults: 100 rows unless asked, at most 32000 (a larger limit is lowered to it). */
export const DATASTORE_DEFAULT_LIMIT = 100;
export const DATASTORE_MAX_LIMIT = 32_000;
export const SEARCH_DEFAULT_ROWS = 10;
export const SEARCH_MAX_ROWS = 1_000;

export const CKAN_ACTIONS = [
  'package_list',
  'package_show',
  'package_search',
  'datastore_search',
  'help_show',
  'status_show',
  'organization_list',
  'organization_show',
  'group_list',
] as const;
/** The CKAN version whose API v3 answer shapes these follow (status_show). */
export const CKAN_VERSION = '2.10.0';
export type CkanAction = (typeof CKAN_ACTIONS)[number];

const HELP: Record<CkanAction, string> = {
  package_list:
    "Return a list of the names of the site's datasets (packages).\n\n:param limit: if given, the list of datasets will be broken into pages of at most ``limit`` datasets per page (optional)\n:type limit: int\n:param offset: when ``limit`` is given, the offset to start returning packages from\n:type offset: int\n\n:rtype: list of strings",
  package_show:
    'Return the metadata of a dataset (package) and its resources.\n\n:param id: the id or name of the dataset\n:type id: string\n\n:rtype: dictionary',
  package_search:
    'Search for datasets. Supported: ``q`` (words, or field:value terms), ``fq`` (space-separated [+-]field:value terms on name, id, organization, owner_org, tags, res_format, dataset_type, capacity, groups; metadata_modified:[A TO B]; other terms are ignored, which can only widen the result), ``rows`` (default 10, at most 1000), ``start``, ``sort`` (name, title_string, metadata_modified, metadata_created, id; asc|desc).\n\n:rtype: dictionary with count, results, sort, facets, search_facets',
  datastore_search:
    'Search a DataStore resource.\n\n:param resource_id: id or alias of the resource to be searched against (``id`` is accepted too)\n:type resource_id: string\n:param filters: matching conditions to select, e.g {"key1": "a", "key2": "b"}; a list of values matches any of them (optional)\n:type filters: dictionary\n:param limit: maximum number of rows to return (optional, default: ``100``, upper limit: ``32000``)\n:type limit: int\n:param offset: offset this number of rows (optional)\n:type offset: int\n:param fields: fields to return (optional, default: all fields in original order)\n:type fields: list or comma separated string\n:param sort: comma separated field names with ordering e.g.: "fieldname1, fieldname2 desc"\n:type sort: string\n:param include_total: True to return total matching record count (optional, default: true)\n:type include_total: bool\n:param records_format: \'objects\' (default) or \'lists\'\n:type records_format: controlled list\n\nNot supported: q, distinct, plain, language.\n\n:rtype: dictionary with fields, records, total, limit, offset, _links',
  help_show:
    'Return the help string for a particular API action.\n\n:param name: action function name (e.g. `package_show`)\n:type name: string\n\n:rtype: string',
  status_show: "Return a dictionary with information about the site's configuration.\n\n:rtype: dictionary",
  organization_list:
    "Return a list of the names of the site's organizations (the OPD that own datasets).\n\n:param all_fields: return group dictionaries instead of just names (optional, default: ``False``)\n:type all_fields: bool\n:param limit: the maximum number of organizations returned (optional)\n:type limit: int\n:param offset: when ``limit`` is given, the offset to start returning organizations from\n:type offset: int\n\n:rtype: list of strings or dictionaries",
  organization_show:
    "Return the details of an organization (an OPD).\n\n:param id: the id or name of the organization\n:type id: string\n:param include_datasets: include a list of the organization's datasets (optional, default: ``False``)\n:type include_datasets: bool\n\n:rtype: dictionary",
  group_list:
    "Return a list of the names of the site's groups (the domains: complaints, floods, traffic, sanitation, projects).\n\n:param all_fields: return group dictionaries instead of just names (optional, default: ``False``)\n:type all_fields: bool\n:param limit: the maximum number of groups returned (optional)\n:type limit: int\n:param offset: when ``limit`` is given, the offset to start returning groups from\n:type offset: int\n\n:rtype: list of strings or dictionaries",
};

type CkanErrorType = 'Not Found Error' | 'Validation Error' | 'Bad Request';
const STATUS: Record<CkanErrorType, number> = { 'Not Found Error': 404, 'Validation Error': 409, 'Bad Request': 400 };

class CkanError extends Error {
  constructor(
    readonly type: CkanErrorType,
    message: string,
    /** Validation errors per field, CKAN style: { field: [messages] }. */
    readonly fields: Record<string, string[]> = {},
  ) {
    super(message);
  }
}
const invalid = (field: string, message: string) => new CkanError('Validation Error', `${field}: ${message}`, { [field]: [message] });

// ---- parameters (query strings hold strings; JSON bodies may hold numbers, booleans, objects) ----

/** CKAN's own message for a bad limit or offset. */
const NATURAL = 'Must be a natural number';
const natural = (what: string) =>
  z
    .union(
      [
        z.number(),
        z
          .string()
          .trim()
          .regex(/^\d{1,9}$/, NATURAL),
      ],
      { error: NATURAL },
    )
    .transform(Number)
    .pipe(z.number().int(NATURAL).min(0, NATURAL).max(1e9, `${what} is too large`));
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === 'True' || v === '1');
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters');
const scalar = z.union([z.string().max(1_000), z.number(), z.boolean(), z.null()]);

export const packageListSchema = z.object({ limit: natural('limit').optional(), offset: natural('offset').optional() });
export const packageShowSchema = z.object({ id: text(200).min(1, 'Missing value') });
export const helpShowSchema = z.object({ name: text(100).min(1, 'Missing value') });
export const statusShowSchema = z.object({});
export const groupListSchema = z.object({ all_fields: bool.optional(), limit: natural('limit').optional(), offset: natural('offset').optional() });
export const organizationShowSchema = z.object({ id: text(200).min(1, 'Missing value'), include_datasets: bool.optional() });
export const packageSearchSchema = z.object({
  q: text(1_000).optional(),
  fq: text(2_000).optional(),
  rows: natural('rows').optional(),
  start: natural('start').optional(),
  sort: text(200).optional(),
});
export const datastoreSearchSchema = z
  .object({
    resource_id: text(200).min(1).optional(),
    id: text(200).min(1).optional(),
    /** A JSON object (in a query string, its JSON text) of field → value or list of values; exact match. */
    filters: z.union([text(10_000), z.record(z.string(), z.union([scalar, z.array(scalar).max(100)]))]).optional(),
    limit: natural('limit').optional(),
    offset: natural('offset').optional(),
    fields: z.union([text(2_000), z.array(text(100)).max(200)]).optional(),
    sort: text(500).optional(),
    include_total: bool.optional(),
    records_format: z.enum(['objects', 'lists']).optional(),
    q: z.unknown().optional().describe('not supported: refused (409); use filters'),
    distinct: z.unknown().optional().describe('not supported: refused (409)'),
    plain: z.unknown().optional().describe('not supported: refused (409)'),
    language: z.unknown().optional().describe('not supported: refused (409)'),
  })
  .superRefine((v, ctx) => {
    if (!v.resource_id && !v.id) ctx.addIssue({ code: 'custom', path: ['resource_id'], message: 'Missing value' });
    for (const k of ['q', 'distinct', 'plain', 'language'] as const)
      if (v[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `not supported by this DataStore (use filters)` });
  });

function parse<T extends z.ZodType>(schema: T, params: Record<string, unknown>): z.output<T> {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const fields: Record<string, string[]> = {};
  for (const i of r.error.issues) {
    const k = i.path.map(String).join('.') || 'params';
    (fields[k] ??= []).push(i.message);
  }
  const message = Object.entries(fields)
    .map(([k, m]) => `${k}: ${m.join('; ')}`)
    .join(' | ');
  throw new CkanError('Validation Error', message, fields);
}

// ---- package dicts ----

const ckanTime = (ms: number) => new Date(ms).toISOString().replace('Z', '');
const orgName = (code: string) =>
  code
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .slice(0, 100) || 'opd';

/** The domains as CKAN groups (title in Bahasa Indonesia, the site's language). */
const DOMAIN_TITLES: Record<string, string> = {
  complaints: 'Aduan warga',
  floods: 'Banjir',
  traffic: 'Lalu lintas',
  sanitation: 'Kebersihan',
  projects: 'Pembangunan',
};

function groupDict(domain: string, packageCount?: number) {
  const name = orgName(domain);
  return {
    id: name,
    name,
    title: DOMAIN_TITLES[domain] ?? domain,
    display_name: DOMAIN_TITLES[domain] ?? domain,
    description: '',
    image_url: '',
    type: 'group' as const,
    is_organization: false as const,
    approval_status: 'approved',
    state: 'active',
    ...(packageCount === undefined ? {} : { package_count: packageCount }),
  };
}

function organizationDict(owner: { code: string; name: string }, packageCount?: number) {
  const org = orgName(owner.code);
  return {
    id: org,
    name: org,
    title: owner.name,
    display_name: owner.name,
    type: 'organization' as const,
    description: `Organisasi Perangkat Daerah ${owner.code}`,
    image_url: '',
    is_organization: true as const,
    approval_status: 'approved',
    state: 'active',
    ...(packageCount === undefined ? {} : { package_count: packageCount }),
  };
}

/** Names or dicts (all_fields), sorted by name, paged by limit/offset as CKAN's list actions do. */
function listOf<T extends { name: string }>(items: T[], p: z.output<typeof groupListSchema>): (string | T)[] {
  const sorted = [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = p.limit === undefined ? sorted.slice(p.offset ?? 0) : sorted.slice(p.offset ?? 0, (p.offset ?? 0) + p.limit);
  return p.all_fields ? page : page.map((x) => x.name);
}

export function packageDict(d: DatasetDef, c: Catalog, origin: string) {
  const modified = c.modified.get(d.id) ?? c.at;
  const created = Math.min(d.issued ?? modified, modified);
  const org = orgName(d.owner.code);
  const area = spatial(c);
  const lic = c.licenseOf(d.id);
  const extras: { key: string; value: string }[] = [
    { key: 'classification', value: d.classification },
    { key: 'update_cadence', value: isoDuration(d.cadenceS) },
    { key: 'owner_opd', value: d.owner.code },
    { key: 'owner_opd_name', value: d.owner.name },
    { key: 'domain', value: d.domain },
    { key: 'language', value: 'id' },
    { key: 'conforms_to', value: CONFORMS_TO },
    { key: 'license', value: lic.id },
    { key: 'data_dictionary', value: `${origin}${DATASETS_PATH}/${encodeURIComponent(d.id)}` },
    ...(area
      ? [
          { key: 'spatial_code', value: area.code },
          { key: 'spatial_name', value: area.name },
        ]
      : []),
    ...(d.source.kind === 'complaints' || d.source.kind === 'complaint-handling' ? [{ key: 'k_anonymity', value: String(d.source.k) }] : []),
  ];
  const resources = d.views.flatMap((v, i) =>
    (['CSV', 'JSON'] as const).map((format, j) => ({
      id: `${resourceId(d, v)}.${format.toLowerCase()}`,
      package_id: d.id,
      name: `${v.title} (${format})`,
      description: `${v.description}\n\n${v.descriptionEn}`,
      format,
      mimetype: format === 'CSV' ? 'text/csv' : 'application/json',
      url: `${origin}${dataPath(d, v, format === 'CSV' ? 'csv' : 'json')}`,
      datastore_active: true,
      state: 'active',
      position: i * 2 + j,
      created: ckanTime(created),
      last_modified: ckanTime(modified),
      metadata_modified: ckanTime(modified),
      url_type: null,
      resource_type: null,
      size: null,
      hash: '',
      view: v.id,
      update_cadence: isoDuration(v.cadenceS),
    })),
  );
  const tags = d.keywords.map((t) => ({ id: t, name: t, display_name: t, state: 'active', vocabulary_id: null }));
  return {
    id: d.id,
    name: d.id,
    title: d.title,
    notes: `${d.description}\n\n${d.descriptionEn}`,
    type: 'dataset',
    state: 'active',
    private: false,
    author: d.owner.name,
    author_email: null,
    maintainer: d.owner.name,
    maintainer_email: null,
    url: `${origin}${DATASETS_PATH}/${encodeURIComponent(d.id)}`,
    version: null,
    license_id: lic.id,
    license_title: lic.title,
    ...(lic.url ? { license_url: lic.url } : {}),
    isopen: lic.isOpen,
    metadata_created: ckanTime(created),
    metadata_modified: ckanTime(modified),
    owner_org: org,
    organization: organizationDict(d.owner),
    groups: [groupDict(d.domain)],
    relationships_as_object: [],
    relationships_as_subject: [],
    tags,
    num_tags: tags.length,
    extras,
    resources,
    num_resources: resources.length,
  };
}
type PackageDict = ReturnType<typeof packageDict>;

// ---- package_search: q and fq ----

interface Term {
  sign: '' | '+' | '-';
  field: string;
  value: string;
}
const TERM = /([+-]?)([A-Za-z_][A-Za-z0-9_.]*):(\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S+)/g;

function terms(s: string): { terms: Term[]; words: string[] } {
  const out: Term[] = [];
  const rest = s.replace(TERM, (_m, sign: string, field: string, value: string) => {
    out.push({ sign: sign as Term['sign'], field, value: value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value });
    return ' ';
  });
  const words = rest
    .split(/\s+/)
    .map((w) => w.replace(/^[+-]/, '').toLowerCase())
    .filter((w) => w && w !== 'and' && w !== '*' && w !== '*:*');
  return { terms: out, words };
}

const solrDate = (v: string): number | null => {
  if (v === '*') return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : NaN;
};

/** Whether a package matches a term; undefined when the term is not understood (it is then ignored). */
function matchTerm(p: PackageDict, t: Term): boolean | undefined {
  const eq = (a: string) => a.toLowerCase() === t.value.toLowerCase();
  switch (t.field) {
    case 'name':
    case 'id':
      return eq(p.name);
    case 'organization':
    case 'owner_org':
      return eq(p.owner_org);
    case 'tags':
      return p.tags.some((x) => eq(x.name));
    case 'res_format':
      return p.resources.some((r) => eq(r.format));
    case 'dataset_type':
    case 'type':
      return eq('dataset');
    case 'capacity':
      return eq('public');
    case 'groups':
      return p.groups.some((g) => eq(g.name));
    case 'metadata_modified':
    case 'metadata_created': {
      const m = /^\[\s*(\S+)\s+TO\s+(\S+)\s*\]$/.exec(t.value);
      if (!m) return undefined;
      const [from, to] = [solrDate(m[1]!), solrDate(m[2]!)];
      if (Number.isNaN(from) || Number.isNaN(to)) return undefined;
      const at = Date.parse(`${t.field === 'metadata_modified' ? p.metadata_modified : p.metadata_created}Z`);
      return (from === null || at >= from) && (to === null || at <= to);
    }
    default:
      return undefined;
  }
}

function searchPackages(
  all: PackageDict[],
  q: { q?: string | undefined; fq?: string | undefined; sort?: string | undefined },
): { results: PackageDict[]; sort: string } {
  const parsedQ = terms(q.q ?? '');
  const parsedFq = terms(q.fq ?? '');
  const conditions = [...parsedQ.terms, ...parsedFq.terms];
  const words = parsedQ.words;
  let results = all.filter((p) => {
    for (const t of conditions) {
      const m = matchTerm(p, t);
      if (m === undefined) continue;
      if ((t.sign === '-' && m) || (t.sign !== '-' && !m)) return false;
    }
    if (!words.length) return true;
    const hay = [p.name, p.title, p.notes, p.organization.title, ...p.tags.map((x) => x.name)].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const sort = q.sort?.trim() || 'score desc, metadata_modified desc';
  const keys = sort
    .split(',')
    .map((s) => s.trim().split(/\s+/))
    .map(([field, dir]) => ({ field: field ?? '', desc: (dir ?? 'asc').toLowerCase() === 'desc' }));
  const value = (p: PackageDict, field: string): string | null => {
    switch (field) {
      case 'name':
      case 'id':
        return p.name;
      case 'title':
      case 'title_string':
        return p.title.toLowerCase();
      case 'metadata_modified':
        return p.metadata_modified;
      case 'metadata_created':
        return p.metadata_created;
      default:
        return null; // score and anything else: no effect
    }
  };
  results = [...results].sort((a, b) => {
    for (const k of keys) {
      const [x, y] = [value(a, k.field), value(b, k.field)];
      if (x === null || y === null || x === y) continue;
      return (x < y ? -1 : 1) * (k.desc ? -1 : 1);
    }
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  return { results, sort };
}

// ---- datastore_search ----

const CKAN_TYPES: Record<FieldType, string> = { string: 'text', integer: 'int', number: 'numeric', datetime: 'timestamp' };

type Scalar = string | number | boolean | null;

function parseFilters(raw: unknown, fields: readonly string[]): Map<string, Scalar[]> {
  let obj: unknown = raw;
  if (typeof raw === 'string') {
    try {
      obj = JSON.parse(raw);
    } catch {
      throw invalid('filters', 'not valid JSON');
    }
  }
  if (obj === undefined) return new Map();
  const shape = z.record(z.string(), z.union([scalar, z.array(scalar).max(100)]));
  const r = shape.safeParse(obj);
  if (!r.success || Array.isArray(obj)) throw invalid('filters', 'must be a JSON object of field → value or list of values');
  const out = new Map<string, Scalar[]>();
  for (const [k, v] of Object.entries(r.data)) {
    if (!fields.includes(k)) throw invalid('filters', `field "${k}" not in table`);
    out.set(k, Array.isArray(v) ? v : [v]);
  }
  return out;
}

const same = (cell: unknown, want: Scalar) =>
  cell === null || cell === undefined ? want === null || want === '' : want !== null && String(cell) === String(want);

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1; // nulls last, as PostgreSQL sorts ascending
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

export function datastoreSearch(params: Record<string, unknown>, t: { dataset: DatasetDef; view: ViewDef; rows: Row[] }, requestedId: string) {
  const p = parse(datastoreSearchSchema, params);
  const all = ['_id', ...t.view.fields.map((f) => f.field)];
  const filters = parseFilters(p.filters, all);
  const limit = Math.min(p.limit ?? DATASTORE_DEFAULT_LIMIT, DATASTORE_MAX_LIMIT);
  const offset = p.offset ?? 0;
  const chosen = p.fields === undefined ? all : (Array.isArray(p.fields) ? p.fields : p.fields.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const c of chosen) if (!all.includes(c)) throw invalid('fields', `field "${c}" not in table`);
  const sortKeys = (p.sort ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^"?([A-Za-z_][A-Za-z0-9_]*)"?(?:\s+(asc|desc))?$/i.exec(s);
      if (!m || !all.includes(m[1]!)) throw invalid('sort', `cannot sort by "${s}"`);
      return { field: m[1]!, desc: (m[2] ?? 'asc').toLowerCase() === 'desc' };
    });

  let records: Row[] = t.rows.map((r, i) => ({ _id: i + 1, ...r }));
  if (filters.size) records = records.filter((r) => [...filters].every(([k, vs]) => vs.some((v) => same(r[k], v))));
  if (sortKeys.length)
    records = records
      .map((r, i) => ({ r, i }))
      .sort((a, b) => {
        for (const k of sortKeys) {
          const c = compare(a.r[k.field], b.r[k.field]);
          if (c) return k.desc ? -c : c;
        }
        return a.i - b.i;
      })
      .map((x) => x.r);
  const total = records.length;
  const page = records.slice(offset, offset + limit).map((r) => {
    if (p.records_format === 'lists') return chosen.map((c) => r[c] ?? null);
    const o: Row = {};
    for (const c of chosen) o[c] = r[c] ?? null;
    return o;
  });

  const byName = new Map(t.view.fields.map((f) => [f.field, f]));
  const fields = chosen.map((c) => {
    const f = byName.get(c);
    if (!f) return { id: '_id', type: 'int' };
    return { id: c, type: CKAN_TYPES[f.type], info: { label: f.meaning, notes: f.meaningEn, ...(f.unit ? { unit: f.unit } : {}) } };
  });

  // CKAN's links: relative, the request's parameters with the offset changed.
  const args = new URLSearchParams();
  args.set('resource_id', requestedId);
  if (filters.size) args.set('filters', JSON.stringify(Object.fromEntries([...filters].map(([k, v]) => [k, v.length === 1 ? v[0] : v]))));
  if (p.limit !== undefined) args.set('limit', String(limit));
  if (p.fields !== undefined) args.set('fields', chosen.join(','));
  if (p.sort !== undefined) args.set('sort', p.sort);
  if (p.include_total !== undefined) args.set('include_total', String(p.include_total));
  if (p.records_format !== undefined) args.set('records_format', p.records_format);
  const start = `${CKAN_BASE}/datastore_search?${args}`;
  args.set('offset', String(offset + limit));
  const next = `${CKAN_BASE}/datastore_search?${args}`;

  return {
    resource_id: requestedId,
    fields,
    records: page,
    ...(filters.size ? { filters: Object.fromEntries([...filters].map(([k, v]) => [k, v.length === 1 ? v[0] : v])) } : {}),
    ...(p.sort !== undefined ? { sort: p.sort } : {}),
    include_total: p.include_total ?? true,
    limit,
    offset,
    records_format: p.records_format ?? 'objects',
    total_estimation_threshold: null,
    _links: { start, next },
    ...(p.include_total === false ? {} : { total, total_was_estimated: false }),
  };
}

// ---- the router ----

const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The absolute base of this server as the client reached it; empty (relative URLs) for a malformed Host. */
export function originOf(req: Request): string {
  const host = req.get('host');
  return host && HOST.test(host) ? `${req.protocol}://${host}` : '';
}

export function createCkanRoutes(deps: { openData: OpenDataService }): Router {
  const od = deps.openData;
  const router = Router();

  const envelope = (req: Request, action: string) => `${originOf(req)}${CKAN_BASE}/help_show?name=${encodeURIComponent(action)}`;
  const reply = (req: Request, res: Response, action: string, result: unknown) =>
    sendOpen(req, res, render({ help: envelope(req, action), success: true, result }), { maxAgeS: od.maxAgeS });
  const error = (req: Request, res: Response, action: string, e: CkanError) =>
    void res
      .status(STATUS[e.type])
      .set('Access-Control-Allow-Origin', '*')
      .set('Cache-Control', 'no-store')
      .json({ help: envelope(req, action), success: false, error: { ...e.fields, message: e.message, __type: e.type } });

  const resolveResource = async (requested: string) => {
    const c = await od.catalog();
    // `<dataset>.<view>`, optionally with `.csv` / `.json`: both resources of a view hold the same records.
    const m = /^([a-z0-9][a-z0-9-]{0,79})\.([a-z0-9]{1,16})(?:\.(?:csv|json))?$/.exec(requested);
    const d = m ? c.byId.get(m[1]!) : undefined;
    const v = d?.views.find((x) => x.id === m![2]);
    if (!d || !v) throw new CkanError('Not Found Error', `Not found: Resource "${requested}" was not found.`);
    return od.table(d, v);
  };

  const run = async (action: CkanAction, params: Record<string, unknown>, req: Request): Promise<unknown> => {
    switch (action) {
      case 'package_list': {
        const p = parse(packageListSchema, params);
        const names = (await od.catalog()).datasets.map((d) => d.id).sort();
        return p.limit === undefined ? names : names.slice(p.offset ?? 0, (p.offset ?? 0) + p.limit);
      }
      case 'package_show': {
        const p = parse(packageShowSchema, params);
        const c = await od.catalog();
        const d = c.byId.get(p.id);
        if (!d) throw new CkanError('Not Found Error', 'Not found');
        return packageDict(d, c, originOf(req));
      }
      case 'package_search': {
        const p = parse(packageSearchSchema, params);
        const c = await od.catalog();
        const origin = originOf(req);
        const { results, sort } = searchPackages(
          c.datasets.map((d) => packageDict(d, c, origin)),
          p,
        );
        const start = p.start ?? 0;
        const rows = Math.min(p.rows ?? SEARCH_DEFAULT_ROWS, SEARCH_MAX_ROWS);
        return { count: results.length, sort, facets: {}, search_facets: {}, results: results.slice(start, start + rows) };
      }
      case 'datastore_search': {
        const requested = typeof params.resource_id === 'string' ? params.resource_id : typeof params.id === 'string' ? params.id : undefined;
        parse(datastoreSearchSchema, params); // missing or malformed resource id: a validation error before a lookup
        return datastoreSearch(params, await resolveResource(requested!), requested!);
      }
      case 'status_show': {
        parse(statusShowSchema, params);
        const c = await od.catalog();
        const city = spatial(c)?.name ?? null;
        return {
          site_title: city ? `Sinergi — Data Publik ${city}` : 'Sinergi — Data Publik',
          site_url: originOf(req),
          site_description: 'Data publik perangkat daerah (kelas publik, teragregasi; aduan warga k-anonim).',
          error_emails_to: null,
          locale_default: 'id',
          ckan_version: CKAN_VERSION,
          extensions: ['datastore'],
        };
      }
      case 'organization_list': {
        const p = parse(groupListSchema, params);
        const c = await od.catalog();
        const owners = new Map<string, { code: string; name: string; n: number }>();
        for (const d of c.datasets) {
          const o = owners.get(d.owner.code) ?? { ...d.owner, n: 0 };
          o.n++;
          owners.set(d.owner.code, o);
        }
        return listOf(
          [...owners.values()].map((o) => organizationDict(o, o.n)),
          p,
        );
      }
      case 'organization_show': {
        const p = parse(organizationShowSchema, params);
        const c = await od.catalog();
        const own = c.datasets.filter((d) => orgName(d.owner.code) === p.id.toLowerCase());
        if (!own.length) throw new CkanError('Not Found Error', 'Not found: Organization was not found.');
        const origin = originOf(req);
        return {
          ...organizationDict(own[0]!.owner, own.length),
          ...(p.include_datasets ? { packages: own.map((d) => packageDict(d, c, origin)) } : {}),
        };
      }
      case 'group_list': {
        const p = parse(groupListSchema, params);
        const c = await od.catalog();
        const counts = new Map<string, number>();
        for (const d of c.datasets) counts.set(d.domain, (counts.get(d.domain) ?? 0) + 1);
        return listOf(
          [...counts].map(([domain, n]) => groupDict(domain, n)),
          p,
        );
      }
      case 'help_show': {
        const p = parse(helpShowSchema, params);
        if (!(CKAN_ACTIONS as readonly string[]).includes(p.name))
          throw new CkanError('Not Found Error', `Not found: Action function not found: ${p.name}`);
        return HELP[p.name as CkanAction];
      }
    }
  };

  const handle = async (req: Request, res: Response) => {
    const action = String(req.params.action ?? '');
    if (!(CKAN_ACTIONS as readonly string[]).includes(action)) {
      const shown = action.replace(/[^\w.-]/g, '?').slice(0, 64);
      return error(req, res, shown, new CkanError('Bad Request', `Bad request - Action name not known: ${shown}`));
    }
    const body: unknown = req.body;
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      return error(
        req,
        res,
        action,
        new CkanError('Bad Request', 'Bad request - Bad request data: Request data JSON decoded but it needs to be a dictionary.'),
      );
    }
    const params: Record<string, unknown> = { ...(req.query as Record<string, unknown>), ...((body as Record<string, unknown> | undefined) ?? {}) };
    try {
      reply(req, res, action, await run(action as CkanAction, params, req));
    } catch (e) {
      if (e instanceof CkanError) return error(req, res, action, e);
      throw e;
    }
  };

  router.get(`${CKAN_BASE}/:action`, handle);
  router.post(`${CKAN_BASE}/:action`, handle);
  return router;
}

/**
 * A body that does not parse as JSON fails in express.json, before any router: this error handler (the app
 * registers it after the routers) answers it the CKAN way on CKAN paths and passes anything else on.
 */
export const ckanErrorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (err?.type !== 'entity.parse.failed' || !req.path.startsWith(`${CKAN_BASE}/`)) return next(err);
  const action = (req.path.slice(CKAN_BASE.length + 1).replace(/[^\w.-]/g, '?') || '').slice(0, 64);
  res
    .status(400)
    .set('Access-Control-Allow-Origin', '*')
    .set('Cache-Control', 'no-store')
    .json({
      help: `${originOf(req)}${CKAN_BASE}/help_show?name=${encodeURIComponent(action)}`,
      success: false,
      error: { message: 'Bad request - JSON Error: the body is not valid JSON', __type: 'Bad Request' },
    });
};
