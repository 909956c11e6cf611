-- The shape of an entity on the map: a road segment's line, drawn by the wall instead of a dot at its measuring
-- point. Registered by the OPD that owns the entity's series with its ingest key (POST /api/v1/entities); keyed
-- by (OPD, entity) because a key speaks only for its own OPD, so one OPD can never overwrite another's shape.
-- A series is drawn with the geometry that its metric's owner OPD registered for the series' entity.
--
-- The path is jsonb ([[lon, lat], …]) rather than float8[]: it is only ever read whole and handed to clients
-- as that very JSON (no conversion per vertex), jsonb equality makes "unchanged" a plain IS DISTINCT FROM, and
-- node-postgres parses it without a multidimensional-array parser. No PostGIS: nothing queries inside it.
CREATE TABLE entity_geometry (
  opd_code   text NOT NULL REFERENCES opd (code),
  entity     text NOT NULL CHECK (entity ~ '^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,127}$'),
  name       text CHECK (length(name) BETWEEN 1 AND 300),
  -- WGS84 degrees: [[lon, lat], …] in drawing order, 2 to 1000 vertices (validated by the API)
  path       jsonb NOT NULL CHECK (jsonb_typeof(path) = 'array' AND jsonb_array_length(path) BETWEEN 2 AND 1000),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (opd_code, entity)
);
