-- 089: the basemap as data (issue 17). A kota imports its own coast, water, rivers and roads (GeoJSON layers)
-- or a PMTiles archive with `admin basemap import`; the server serves them to every map. The demo seeds its
-- hand-drawn Semarang layers on first start (db/seed), never over an imported basemap.

-- One row per GeoJSON layer; an import replaces the layers it carries, in one transaction with its audit entry.
CREATE TABLE basemap_layer (
  layer         text PRIMARY KEY CHECK (layer IN ('land', 'water', 'rivers', 'roads')),
  -- a GeoJSON FeatureCollection, validated on import (server/basemap/validate.ts)
  collection    jsonb NOT NULL,
  feature_count integer NOT NULL CHECK (feature_count >= 0),
  -- 'demo' or the file it came from
  source        text NOT NULL,
  imported_at   timestamptz NOT NULL DEFAULT now()
);

-- At most one PMTiles archive. The file lives under BASEMAP_DIR (default DATA_DIR/basemap), named by its hash
-- so a new import never overwrites the file a running server is reading; the row says which one is current.
CREATE TABLE basemap_pmtiles (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  file_name   text NOT NULL,
  sha256      text NOT NULL,
  size_bytes  bigint NOT NULL CHECK (size_bytes > 0), -- bytes
  tile_type   text NOT NULL,
  min_zoom    smallint NOT NULL,
  max_zoom    smallint NOT NULL,
  -- [west, south, east, north] in degrees (WGS84)
  bounds      double precision[] NOT NULL,
  source      text NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now()
);
