/** Catalog reads and the seeding of OPD, metrics, event kinds and regions. */
import type pg from 'pg';
import { defaultAggregation, type DomainInfo, type EventKind, type Metric, type Opd } from '../../shared/catalog';

type Db = pg.Pool | pg.PoolClient;

export interface RegionRow {
  code: string;
  name: string;
  level: string;
  parent: string | null;
  centroid: [number, number] | null;
  /** GeoJSON Polygon coordinates; for a MultiPolygon region its largest part (what ring-based code draws). */
  polygon: [number, number][][] | null;
  /** The whole boundary as stored (a MultiPolygon for a kelurahan with islands); absent: `polygon`. */
  boundary?: RegionGeometry | null;
}

export type RegionGeometry = { type: 'Polygon'; coordinates: [number, number][][] } | { type: 'MultiPolygon'; coordinates: [number, number][][][] };

/** Shoelace area of a ring in square degrees (only to pick the largest part; no projection needed). */
const ringArea = (ring: readonly [number, number][]): number => {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1]);
  return Math.abs(a / 2);
};

/** The Polygon coordinates of a boundary: itself, or the largest part of a MultiPolygon. */
export function mainPolygon(g: RegionGeometry | null | undefined): [number, number][][] | null {
  if (!g) return null;
  if (g.type === 'Polygon') return g.coordinates;
  let best: [number, number][][] | null = null;
  for (const p of g.coordinates) if (!best || ringArea(p[0] ?? []) > ringArea(best[0] ?? [])) best = p;
  return best;
}

export interface Catalog {
  opd: Opd[];
  domains: DomainInfo[];
  metrics: Metric[];
  eventKinds: EventKind[];
  /** catalog_state.version when read (migration 086). */
  version: number;
}

export async function loadCatalog(db: Db): Promise<Catalog> {
  const [opd, domains, metrics, kinds, version] = await Promise.all([
    db.query<Opd>('SELECT code, name, short_name AS "shortName" FROM opd ORDER BY code'),
    db.query<DomainInfo>('SELECT code, name_id AS "nameId", name_en AS "nameEn", sort FROM domain ORDER BY sort, code'),
    db.query(
      `SELECT code, domain, owner_opd, class, unit, name_id, name_en, cadence_s, thresholds, hysteresis, aggregation, cumulative, sop, value_min,
              value_max, public_history, territorial FROM metric ORDER BY code`,
    ),
    db.query(
      `SELECT code, domain, owner_opd, class, name_id, name_en, statuses, closed_statuses, categories, territorial FROM event_kind ORDER BY code`,
    ),
    db.query<{ version: string }>('SELECT version FROM catalog_state'),
  ]);
  return {
    opd: opd.rows,
    domains: domains.rows,
    version: Number(version.rows[0]?.version ?? 0),
    metrics: metrics.rows.map((r) => ({
      code: r.code,
      domain: r.domain,
      ownerOpd: r.owner_opd,
      class: r.class,
      unit: r.unit,
      nameId: r.name_id,
      nameEn: r.name_en,
      cadenceS: r.cadence_s,
      thresholds: r.thresholds,
      hysteresis: r.hysteresis,
      aggregation: r.aggregation,
      cumulative: r.cumulative === true,
      sop: r.sop ?? null,
      valueMin: r.value_min,
      valueMax: r.value_max,
      publicHistory: r.public_history !== false,
      territorial: r.territorial === true,
    })),
    eventKinds: kinds.rows.map((r) => ({
      code: r.code,
      domain: r.domain,
      ownerOpd: r.owner_opd,
      class: r.class,
      nameId: r.name_id,
      nameEn: r.name_en,
      statuses: r.statuses,
      closedStatuses: r.closed_statuses,
      categories: r.categories,
      territorial: r.territorial === true,
    })),
  };
}

export async function loadRegionCodes(db: Db): Promise<Set<string>> {
  const { rows } = await db.query<{ code: string }>('SELECT code FROM region');
  return new Set(rows.map((r) => r.code));
}

export async function loadRegions(db: Db, parentPrefix: string): Promise<RegionRow[]> {
  const { rows } = await db.query(
    `SELECT code, name, level, parent_code, centroid_lon, centroid_lat, boundary
       FROM region WHERE (code = $1 OR code LIKE $1 || '.%') AND retired_at IS NULL ORDER BY code`,
    [parentPrefix],
  );
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    level: r.level,
    parent: r.parent_code,
    centroid: r.centroid_lon === null ? null : [r.centroid_lon, r.centroid_lat],
    polygon: mainPolygon(r.boundary),
    boundary: r.boundary ?? null,
  }));
}

export async function upsertOpd(db: Db, opd: readonly Opd[]): Promise<void> {
  await db.query(
    `INSERT INTO opd (code, name) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name`,
    [opd.map((o) => o.code), opd.map((o) => o.name)],
  );
}

export async function upsertMetrics(db: Db, metrics: readonly Metric[]): Promise<void> {
  await db.query(
    `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s, thresholds, cumulative, sop, value_min, value_max, public_history,
                         aggregation, hysteresis, territorial)
     SELECT code, domain, owner_opd, class::data_class, unit, name_id, name_en, cadence_s, thresholds, coalesce(cumulative, false), sop, value_min, value_max,
            coalesce(public_history, true), aggregation, coalesce(hysteresis, 0), coalesce(territorial, false)
       FROM jsonb_to_recordset($1::jsonb) AS m(code text, domain text, owner_opd text, class text, unit text,
            name_id text, name_en text, cadence_s int, thresholds jsonb, cumulative boolean, sop jsonb, value_min float8, value_max float8,
            public_history boolean, aggregation text, hysteresis float8, territorial boolean)
     ON CONFLICT (code) DO UPDATE SET domain = EXCLUDED.domain, owner_opd = EXCLUDED.owner_opd, class = EXCLUDED.class,
       unit = EXCLUDED.unit, name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en, cadence_s = EXCLUDED.cadence_s,
       thresholds = EXCLUDED.thresholds, cumulative = EXCLUDED.cumulative, sop = coalesce(EXCLUDED.sop, metric.sop),
       value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max, public_history = EXCLUDED.public_history,
       aggregation = EXCLUDED.aggregation, hysteresis = EXCLUDED.hysteresis, territorial = EXCLUDED.territorial`,
    [
      JSON.stringify(
        metrics.map((m) => ({
          code: m.code,
          domain: m.domain,
          owner_opd: m.ownerOpd,
          class: m.class,
          unit: m.unit,
          name_id: m.nameId,
          name_en: m.nameEn,
          cadence_s: m.cadenceS,
          thresholds: m.thresholds,
          cumulative: m.cumulative ?? false,
          sop: m.sop ?? null,
          value_min: m.valueMin ?? null,
          value_max: m.valueMax ?? null,
          public_history: m.publicHistory ?? true,
          aggregation: m.aggregation ?? defaultAggregation(m),
          hysteresis: m.hysteresis ?? 0,
          territorial: m.territorial ?? false,
        })),
      ),
    ],
  );
}

export async function upsertEventKinds(db: Db, kinds: readonly EventKind[]): Promise<void> {
  await db.query(
    `INSERT INTO event_kind (code, domain, owner_opd, class, name_id, name_en, statuses, closed_statuses, categories, territorial)
     SELECT code, domain, owner_opd, class::data_class, name_id, name_en,
            ARRAY(SELECT jsonb_array_elements_text(statuses)), ARRAY(SELECT jsonb_array_elements_text(closed_statuses)),
            coalesce(categories, '[]'::jsonb), coalesce(territorial, false)
       FROM jsonb_to_recordset($1::jsonb) AS k(code text, domain text, owner_opd text, class text, name_id text,
            name_en text, statuses jsonb, closed_statuses jsonb, categories jsonb, territorial boolean)
     ON CONFLICT (code) DO UPDATE SET domain = EXCLUDED.domain, owner_opd = EXCLUDED.owner_opd, class = EXCLUDED.class,
       name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en, statuses = EXCLUDED.statuses,
       closed_statuses = EXCLUDED.closed_statuses, categories = EXCLUDED.categories, territorial = EXCLUDED.territorial`,
    [
      JSON.stringify(
        kinds.map((k) => ({
          code: k.code,
          domain: k.domain,
          owner_opd: k.ownerOpd,
          class: k.class,
          name_id: k.nameId,
          name_en: k.nameEn,
          statuses: k.statuses,
          closed_statuses: k.closedStatuses,
          categories: k.categories ?? [],
          territorial: k.territorial ?? false,
        })),
      ),
    ],
  );
}

/** Upserts regions; parents may come in the same call (foreign keys are checked at the end of the statement). */
export async function upsertRegions(db: Db, regions: readonly RegionRow[]): Promise<void> {
  await db.query(
    `INSERT INTO region (code, name, level, parent_code, centroid_lon, centroid_lat, boundary)
     SELECT code, name, level, parent, lon, lat, boundary
       FROM jsonb_to_recordset($1::jsonb) AS r(code text, name text, level text, parent text,
            lon float8, lat float8, boundary jsonb)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, parent_code = EXCLUDED.parent_code,
       centroid_lon = EXCLUDED.centroid_lon, centroid_lat = EXCLUDED.centroid_lat, boundary = EXCLUDED.boundary, retired_at = NULL`,
    [
      JSON.stringify(
        regions.map((r) => ({
          code: r.code,
          name: r.name,
          level: r.level,
          parent: r.parent,
          lon: r.centroid?.[0] ?? null,
          lat: r.centroid?.[1] ?? null,
          boundary: r.boundary ?? (r.polygon ? { type: 'Polygon', coordinates: r.polygon } : null),
        })),
      ),
    ],
  );
}

/**
 * Sets whether anonymous callers get a metric's history (catalog `publicHistory`; false: its current value only).
 * Returns the previous setting, or null for an unknown metric.
 */
export async function setPublicHistory(db: Db, code: string, on: boolean): Promise<boolean | null> {
  const { rows } = await db.query<{ before: boolean }>(
    `UPDATE metric m SET public_history = $2 FROM (SELECT code, public_history AS before FROM metric WHERE code = $1 FOR UPDATE) o
      WHERE m.code = o.code RETURNING o.before`,
    [code, on],
  );
  return rows[0]?.before ?? null;
}
