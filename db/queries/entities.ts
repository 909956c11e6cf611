/**
 * Entity geometry (migration 012): the line of an entity on the map (a road segment), registered by its OPD.
 * Idempotent upserts per (OPD, entity), and the whole table for the server's in-memory cache.
 */
import type pg from 'pg';
import type { EntityGeometryRecord } from '../../shared/schemas';

type Db = Pick<pg.Pool, 'query'>;

/** A registered line; path in WGS84 `[lon, lat]` vertices. */
export interface EntityGeometryRow {
  opd: string;
  entity: string;
  name: string | null;
  path: [number, number][] | null;
}

/** Which of these entities the OPD has registered already. */
export async function registeredEntities(db: Db, opd: string, entities: readonly string[]): Promise<Set<string>> {
  if (entities.length === 0) return new Set();
  const { rows } = await db.query<{ entity: string }>(`SELECT entity FROM entity_geometry WHERE opd_code = $1 AND entity = ANY($2::text[])`, [
    opd,
    entities,
  ]);
  return new Set(rows.map((r) => r.entity));
}

/**
 * Inserts or updates the OPD's entity geometries; a row whose name and path are unchanged is not touched (the
 * same batch twice changes nothing). Returns the entities written. Last record wins within a batch.
 */
export async function upsertEntityGeometry(db: Db, opd: string, records: readonly EntityGeometryRecord[], now: number): Promise<string[]> {
  if (records.length === 0) return [];
  const byEntity = new Map(records.map((r) => [r.entity, r]));
  const rows = [...byEntity.values()].map((r) => ({ entity: r.entity, name: r.name ?? null, path: r.path ?? null }));
  const { rows: written } = await db.query<{ entity: string }>(
    `INSERT INTO entity_geometry AS g (opd_code, entity, name, path, updated_at)
     SELECT $1, entity, name, path, to_timestamp($3 / 1000.0)
       FROM jsonb_to_recordset($2::jsonb) AS r(entity text, name text, path jsonb)
     ON CONFLICT (opd_code, entity) DO UPDATE SET name = EXCLUDED.name, path = EXCLUDED.path, updated_at = EXCLUDED.updated_at
     WHERE (g.name, g.path) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.path)
     RETURNING entity`,
    [opd, JSON.stringify(rows), now],
  );
  return written.map((r) => r.entity);
}

/** Every registered geometry (the server holds them in memory; see server/entities/geometry.ts). */
export async function loadEntityGeometry(db: Db): Promise<EntityGeometryRow[]> {
  const { rows } = await db.query<EntityGeometryRow>(`SELECT opd_code AS opd, entity, name, path FROM entity_geometry`);
  return rows;
}

/**
 * The registered lines of entities that have series, with the series' metrics (the public lines route filters
 * them by the catalog: publik metrics, the owner's line, what the public may see).
 */
export async function lineRowsWithMetrics(db: Db): Promise<(EntityGeometryRow & { metric: string; path: [number, number][] })[]> {
  const { rows } = await db.query<EntityGeometryRow & { metric: string; path: [number, number][] }>(
    `SELECT DISTINCT s.metric, g.opd_code AS opd, g.entity, g.name, g.path
       FROM entity_geometry g JOIN series s ON s.entity = g.entity
      WHERE g.path IS NOT NULL
      ORDER BY g.opd_code, g.entity, s.metric`,
  );
  return rows;
}

/** Project names from the registry (migration 011), by project id: a project's series carry the id as entity. */
export async function loadProjectNames(db: Db): Promise<{ id: string; name: string }[]> {
  const { rows } = await db.query<{ id: string; name: string }>(`SELECT id, name FROM project`);
  return rows;
}

/** A cheap fingerprint of the table: changes whenever a row is written (count and newest write). */
export async function entityGeometryVersion(db: Db): Promise<string> {
  const { rows } = await db.query<{ v: string }>(
    `SELECT (SELECT count(*)::text || ':' || coalesce((extract(epoch FROM max(updated_at)) * 1000)::bigint::text, '') FROM entity_geometry)
       || '/' || (SELECT count(*)::text || ':' || coalesce((extract(epoch FROM max(updated_at)) * 1000)::bigint::text, '') FROM project) AS v`,
  );
  return rows[0]?.v ?? '';
}
