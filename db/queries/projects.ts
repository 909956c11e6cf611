/**
 * The project registry (migration 011): idempotent upserts by the owner OPD, and the public read that joins
 * each project with the latest reading of its progress, plan and budget series.
 */
import type pg from 'pg';
import type { ProjectRecord } from '../../shared/schemas';

type Db = Pick<pg.Pool, 'query'>;

/** The OPD that registered each of these ids (absent: not registered yet). */
export async function projectOwners(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; opd: string }>(`SELECT id, opd_code AS opd FROM project WHERE id = ANY($1::text[])`, [ids]);
  return new Map(rows.map((r) => [r.id, r.opd]));
}

/**
 * Inserts or updates projects; a row whose every field is unchanged is not touched (the same batch twice
 * changes nothing). Returns the ids written. Last record wins within a batch.
 */
export async function upsertProjects(db: Db, projects: readonly ProjectRecord[], now: number): Promise<string[]> {
  if (projects.length === 0) return [];
  const byId = new Map(projects.map((p) => [p.id, p]));
  const rows = [...byId.values()].map((p) => ({
    id: p.id,
    name: p.name,
    opd: p.opd,
    region: p.region ?? null,
    lon: p.lon ?? null,
    lat: p.lat ?? null,
    contract_value: p.contractValue,
    budget: p.budget ?? null,
    contract_start: p.contractStart,
    contract_end: p.contractEnd,
    class: p.class,
  }));
  const { rows: written } = await db.query<{ id: string }>(
    `INSERT INTO project AS p (id, name, opd_code, region_code, lon, lat, contract_value, budget, contract_start, contract_end, class, updated_at)
     SELECT id, name, opd, region, lon, lat, contract_value, budget, contract_start, contract_end, class::data_class, to_timestamp($2 / 1000.0)
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, name text, opd text, region text, lon float8, lat float8,
            contract_value numeric, budget numeric, contract_start date, contract_end date, class text)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, opd_code = EXCLUDED.opd_code, region_code = EXCLUDED.region_code,
       lon = EXCLUDED.lon, lat = EXCLUDED.lat, contract_value = EXCLUDED.contract_value, budget = EXCLUDED.budget,
       contract_start = EXCLUDED.contract_start, contract_end = EXCLUDED.contract_end, class = EXCLUDED.class,
       updated_at = EXCLUDED.updated_at
     WHERE (p.name, p.opd_code, p.region_code, p.lon, p.lat, p.contract_value, p.budget, p.contract_start, p.contract_end, p.class)
           IS DISTINCT FROM
           (EXCLUDED.name, EXCLUDED.opd_code, EXCLUDED.region_code, EXCLUDED.lon, EXCLUDED.lat, EXCLUDED.contract_value,
            EXCLUDED.budget, EXCLUDED.contract_start, EXCLUDED.contract_end, EXCLUDED.class)
     RETURNING id`,
    [JSON.stringify(rows), now],
  );
  return written.map((r) => r.id);
}

export const PROJECTS_QUERY_TAG = '/* public:projects */';

/** A publik project with its latest figures; IDR and % as stored; times epoch ms. */
export interface PublicProjectRow {
  id: string;
  name: string;
  opd: string;
  opdName: string;
  region: string | null;
  regionName: string | null;
  kecamatan: string | null;
  kecamatanName: string | null;
  lon: number | null;
  lat: number | null;
  contractValue: number;
  budget: number | null;
  /** YYYY-MM-DD, inclusive. */
  contractStart: string;
  contractEnd: string;
  updatedAt: number;
  /** Latest readings of the project's series (entity = id), with their times. */
  progress: number | null;
  progressT: number | null;
  plan: number | null;
  planT: number | null;
  budgetAbsorbed: number | null;
  budgetAbsorbedT: number | null;
}

/** Every publik project with the latest reading of each of its publik series: one statement. */
export async function publicProjectRows(db: Db): Promise<PublicProjectRow[]> {
  const latest = (metric: string, alias: string) => `
       LEFT JOIN LATERAL (
         SELECT pt.value, pt.time FROM series s JOIN series_class c ON c.series_id = s.id AND c.class = 'publik'
           JOIN LATERAL (SELECT value, time FROM point WHERE series_id = s.id ORDER BY time DESC LIMIT 1) pt ON true
          WHERE s.metric = '${metric}' AND s.entity = p.id) ${alias} ON true`;
  const { rows } = await db.query<{
    id: string;
    name: string;
    opd: string;
    opd_name: string;
    region: string | null;
    region_name: string | null;
    kecamatan: string | null;
    kecamatan_name: string | null;
    lon: number | null;
    lat: number | null;
    contract_value: string;
    budget: string | null;
    contract_start: string;
    contract_end: string;
    updated_at: number;
    progress: number | null;
    progress_t: number | null;
    plan: number | null;
    plan_t: number | null;
    absorbed: number | null;
    absorbed_t: number | null;
  }>(
    `${PROJECTS_QUERY_TAG}
     SELECT p.id, p.name, p.opd_code AS opd, o.name AS opd_name, p.region_code AS region, r.name AS region_name,
            CASE WHEN r.level = 'kelurahan' THEN r.parent_code ELSE r.code END AS kecamatan,
            CASE WHEN r.level = 'kelurahan' THEN k.name ELSE r.name END AS kecamatan_name,
            p.lon, p.lat, p.contract_value::text AS contract_value, p.budget::text AS budget,
            to_char(p.contract_start, 'YYYY-MM-DD') AS contract_start, to_char(p.contract_end, 'YYYY-MM-DD') AS contract_end,
            (extract(epoch FROM p.updated_at) * 1000)::float8 AS updated_at,
            a.value AS progress, (extract(epoch FROM a.time) * 1000)::float8 AS progress_t,
            b.value AS plan, (extract(epoch FROM b.time) * 1000)::float8 AS plan_t,
            c.value AS absorbed, (extract(epoch FROM c.time) * 1000)::float8 AS absorbed_t
       FROM project p
       JOIN opd o ON o.code = p.opd_code
       LEFT JOIN region r ON r.code = p.region_code
       LEFT JOIN region k ON k.code = r.parent_code
       ${latest('project_progress', 'a')}
       ${latest('project_progress_plan', 'b')}
       ${latest('project_budget_absorbed', 'c')}
      WHERE p.class = 'publik'
      ORDER BY p.id`,
  );
  const ms = (v: number | null) => (v === null ? null : Math.round(v));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    opd: r.opd,
    opdName: r.opd_name,
    region: r.region,
    regionName: r.region_name,
    kecamatan: r.kecamatan,
    kecamatanName: r.kecamatan_name,
    lon: r.lon,
    lat: r.lat,
    contractValue: Number(r.contract_value),
    budget: r.budget === null ? null : Number(r.budget),
    contractStart: r.contract_start,
    contractEnd: r.contract_end,
    updatedAt: Math.round(r.updated_at),
    progress: r.progress,
    progressT: ms(r.progress_t),
    plan: r.plan,
    planT: ms(r.plan_t),
    budgetAbsorbed: r.absorbed,
    budgetAbsorbedT: ms(r.absorbed_t),
  }));
}

/**
 * Projects registered terbatas or rahasia, and the ids of the series whose entity is one of them: what the
 * access rule needs in memory to apply an entity's class to live readings (server/catalog/service.ts).
 */
export async function classifiedEntities(db: Db): Promise<{
  entities: { id: string; class: 'terbatas' | 'rahasia'; ownerOpd: string }[];
  series: { id: number; entity: string }[];
}> {
  const [entities, series] = await Promise.all([
    db.query<{ id: string; class: 'terbatas' | 'rahasia'; owner_opd: string }>(
      `SELECT id, class::text AS class, opd_code AS owner_opd FROM project WHERE class <> 'publik'`,
    ),
    db.query<{ id: number; entity: string }>(`SELECT s.id, s.entity FROM series s JOIN project p ON p.id = s.entity WHERE p.class <> 'publik'`),
  ]);
  return { entities: entities.rows.map((r) => ({ id: r.id, class: r.class, ownerOpd: r.owner_opd })), series: series.rows };
}
