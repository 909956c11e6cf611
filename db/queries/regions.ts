/**
 * Writing an imported kota's boundaries (server/regions/service.ts runs it in one transaction). The kota's
 * regions are replaced: what the file names is inserted or updated, what it no longer names is retired
 * (`retired_at`, migration 090) rather than deleted, because series, events, incidents and projects point at
 * region codes with foreign keys and their history keeps its label; the import reports those series.
 */
import type pg from 'pg';
import { upsertRegions, type RegionGeometry } from './catalog';

export interface RegionsWrite {
  province: { code: string; name: string };
  city: { code: string; name: string; level: 'kota' | 'kabupaten'; centroid: [number, number] };
  regions: readonly {
    code: string;
    name: string;
    level: string;
    parent: string;
    centroid: [number, number] | null;
    boundary: RegionGeometry | null;
  }[];
}

export interface RegionsWritten {
  added: number;
  updated: number;
  retired: string[];
  /** Series located in a retired region (kept, reported): at most `ORPHANS_LISTED`, with the total. */
  orphanSeries: { metric: string; entity: string; region: string }[];
  orphanSeriesTotal: number;
  /** Events located in a retired region (kept). */
  orphanEvents: number;
  /** The kota the deployment showed before (null: none). */
  previousCity: string | null;
}

export const ORPHANS_LISTED = 100;

/** Replaces a kota's regions and makes it the deployment's kota; the caller holds the transaction. */
export async function replaceCityRegions(c: pg.PoolClient, w: RegionsWrite): Promise<RegionsWritten> {
  const prefix = w.city.code;
  // one import at a time: two imports interleaving could retire each other's rows
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('sinergi:regions-import'))`);
  const before = await c.query<{ code: string }>(`SELECT code FROM region WHERE code LIKE $1 || '.%' AND retired_at IS NULL`, [prefix]);
  const existing = new Set(before.rows.map((r) => r.code));
  const named = new Set(w.regions.map((r) => r.code));
  const previousCity = (await c.query<{ value: string }>(`SELECT value FROM sinergi_meta WHERE key = 'city_code'`)).rows[0]?.value ?? null;
  // the province keeps its row when it has one (its name may come from an earlier, richer source)
  await c.query(`INSERT INTO region (code, name, level) VALUES ($1, $2, 'provinsi') ON CONFLICT (code) DO NOTHING`, [
    w.province.code,
    w.province.name,
  ]);
  await upsertRegions(c, [
    { code: w.city.code, name: w.city.name, level: w.city.level, parent: w.province.code, centroid: w.city.centroid, polygon: null },
    ...w.regions.map((r) => ({
      code: r.code,
      name: r.name,
      level: r.level,
      parent: r.parent,
      centroid: r.centroid,
      polygon: null,
      boundary: r.boundary,
    })),
  ]);
  const retired = [...existing].filter((code) => !named.has(code)).sort();
  if (retired.length) await c.query('UPDATE region SET retired_at = now() WHERE code = ANY($1::text[])', [retired]);
  const orphans = await c.query<{ metric: string; entity: string; region: string; total: number }>(
    `SELECT metric, entity, region_code AS region, count(*) OVER ()::int AS total
       FROM series WHERE region_code = ANY($1::text[]) ORDER BY region_code, metric, entity LIMIT $2`,
    [retired, ORPHANS_LISTED],
  );
  const events = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM event WHERE region_code = ANY($1::text[])', [retired]);
  await c.query(`INSERT INTO sinergi_meta (key, value) VALUES ('city_code', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
    w.city.code,
  ]);
  // every process's regions answer (and the wall's hexagon anchor) is rebuilt when this changes (regions/version.ts)
  await c.query(`INSERT INTO sinergi_meta (key, value) VALUES ('regions_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [
    `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
  ]);
  return {
    added: w.regions.filter((r) => !existing.has(r.code)).length,
    updated: w.regions.filter((r) => existing.has(r.code)).length,
    retired,
    orphanSeries: orphans.rows.map(({ metric, entity, region }) => ({ metric, entity, region })),
    orphanSeriesTotal: orphans.rows[0]?.total ?? 0,
    orphanEvents: events.rows[0]?.n ?? 0,
    previousCity,
  };
}

/** The regions answer's version: changes with every import (absent before the first). */
export async function regionsVersion(db: pg.Pool | pg.PoolClient): Promise<string> {
  const { rows } = await db.query<{ value: string }>(
    `SELECT coalesce((SELECT value FROM sinergi_meta WHERE key = 'regions_version'), '') || '/' ||
            coalesce((SELECT value FROM sinergi_meta WHERE key = 'city_code'), '') AS value`,
  );
  return rows[0]?.value ?? '';
}
