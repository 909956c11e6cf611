/** The basemap's rows (migration 089): GeoJSON layers and at most one PMTiles archive. */
import type pg from 'pg';
import type { BasemapCollection, BasemapLayer } from '../../shared/basemap';

type Db = pg.Pool | pg.PoolClient;

export interface StoredLayer {
  layer: BasemapLayer;
  collection: BasemapCollection;
  featureCount: number;
  source: string;
  importedAt: Date;
}

export interface StoredPmtiles {
  fileName: string;
  sha256: string;
  sizeBytes: number;
  tileType: string;
  minZoom: number;
  maxZoom: number;
  bounds: [number, number, number, number];
  source: string;
  importedAt: Date;
}

/** Replaces the given layers (the others stay). Run inside the import's transaction. */
export async function replaceLayers(db: Db, layers: Partial<Record<BasemapLayer, BasemapCollection>>, source: string): Promise<void> {
  for (const [layer, collection] of Object.entries(layers) as [BasemapLayer, BasemapCollection][]) {
    await db.query(
      `INSERT INTO basemap_layer (layer, collection, feature_count, source, imported_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (layer) DO UPDATE SET collection = EXCLUDED.collection, feature_count = EXCLUDED.feature_count,
         source = EXCLUDED.source, imported_at = EXCLUDED.imported_at`,
      [layer, JSON.stringify(collection), collection.features.length, source],
    );
  }
}

export async function loadLayers(db: Db): Promise<StoredLayer[]> {
  const r = await db.query<{ layer: BasemapLayer; collection: BasemapCollection; feature_count: number; source: string; imported_at: Date }>(
    `SELECT layer, collection, feature_count, source, imported_at FROM basemap_layer ORDER BY layer`,
  );
  return r.rows.map((x) => ({
    layer: x.layer,
    collection: x.collection,
    featureCount: x.feature_count,
    source: x.source,
    importedAt: x.imported_at,
  }));
}

export async function setPmtiles(db: Db, p: Omit<StoredPmtiles, 'importedAt'>): Promise<StoredPmtiles | null> {
  const previous = await loadPmtiles(db);
  await db.query(
    `INSERT INTO basemap_pmtiles (id, file_name, sha256, size_bytes, tile_type, min_zoom, max_zoom, bounds, source, imported_at)
     VALUES (true, $1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (id) DO UPDATE SET file_name = EXCLUDED.file_name, sha256 = EXCLUDED.sha256, size_bytes = EXCLUDED.size_bytes,
       tile_type = EXCLUDED.tile_type, min_zoom = EXCLUDED.min_zoom, max_zoom = EXCLUDED.max_zoom, bounds = EXCLUDED.bounds,
       source = EXCLUDED.source, imported_at = EXCLUDED.imported_at`,
    [p.fileName, p.sha256, p.sizeBytes, p.tileType, p.minZoom, p.maxZoom, p.bounds, p.source],
  );
  return previous;
}

export async function loadPmtiles(db: Db): Promise<StoredPmtiles | null> {
  const r = await db.query<{
    file_name: string;
    sha256: string;
    size_bytes: string;
    tile_type: string;
    min_zoom: number;
    max_zoom: number;
    bounds: number[];
    source: string;
    imported_at: Date;
  }>(`SELECT file_name, sha256, size_bytes, tile_type, min_zoom, max_zoom, bounds, source, imported_at FROM basemap_pmtiles`);
  const x = r.rows[0];
  if (!x) return null;
  return {
    fileName: x.file_name,
    sha256: x.sha256,
    sizeBytes: Number(x.size_bytes),
    tileType: x.tile_type,
    minZoom: x.min_zoom,
    maxZoom: x.max_zoom,
    bounds: [x.bounds[0] ?? 0, x.bounds[1] ?? 0, x.bounds[2] ?? 0, x.bounds[3] ?? 0],
    source: x.source,
    importedAt: x.imported_at,
  };
}

/** A cheap fingerprint of what is stored: the server's cache compares it instead of re-reading the layers. */
export async function basemapRevision(db: Db): Promise<string> {
  const r = await db.query<{ rev: string | null }>(
    `SELECT coalesce((SELECT string_agg(layer || ':' || extract(epoch FROM imported_at)::text, ',' ORDER BY layer) FROM basemap_layer), '')
       || '|' || coalesce((SELECT sha256 || ':' || extract(epoch FROM imported_at)::text FROM basemap_pmtiles), '') AS rev`,
  );
  return r.rows[0]?.rev ?? '';
}

/** The demo's layers, only where nothing is stored yet (an imported basemap is never overwritten by a restart). */
export async function seedLayersIfEmpty(db: Db, layers: Record<BasemapLayer, BasemapCollection>): Promise<boolean> {
  const r = await db.query<{ n: string }>(`SELECT (SELECT count(*) FROM basemap_layer) + (SELECT count(*) FROM basemap_pmtiles) AS n`);
  if (Number(r.rows[0]?.n ?? 0) > 0) return false;
  await replaceLayers(db, layers, 'demo');
  return true;
}
