-- 001: the skeleton schema. Plain PostgreSQL >= 14; TimescaleDB-specific objects come in later
-- migrations that run only when the extension is present (see db/migrate.ts).

CREATE TABLE opd (
  code        text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,31}$'),
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE region (
  code        text PRIMARY KEY CHECK (code ~ '^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$'),
  name        text NOT NULL,
  level       text NOT NULL CHECK (level IN ('provinsi', 'kota', 'kabupaten', 'kecamatan', 'kelurahan', 'desa')),
  parent_code text REFERENCES region (code),
  -- WGS84 degrees
  centroid_lon double precision,
  centroid_lat double precision,
  -- GeoJSON Polygon geometry (WGS84); generated for the demo city, imported for a real one
  boundary    jsonb
);
CREATE INDEX region_parent_idx ON region (parent_code);

CREATE TYPE data_class AS ENUM ('publik', 'terbatas', 'rahasia');

CREATE TABLE metric (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,62}$'),
  domain      text NOT NULL CHECK (domain IN ('complaints', 'floods', 'traffic', 'sanitation', 'projects')),
  owner_opd   text NOT NULL REFERENCES opd (code),
  class       data_class NOT NULL,
  unit        text NOT NULL,
  name_id     text NOT NULL,
  name_en     text NOT NULL,
  -- expected seconds between two readings of one series; beyond it a panel is stale
  cadence_s   integer NOT NULL CHECK (cadence_s > 0),
  -- { waspada, siaga, awas } in the metric's unit, or null
  thresholds  jsonb
);

CREATE TABLE event_kind (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,62}$'),
  domain      text NOT NULL CHECK (domain IN ('complaints', 'floods', 'traffic', 'sanitation', 'projects')),
  owner_opd   text NOT NULL REFERENCES opd (code),
  class       data_class NOT NULL,
  name_id     text NOT NULL,
  name_en     text NOT NULL,
  statuses    text[] NOT NULL,
  closed_statuses text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE series (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  metric      text NOT NULL REFERENCES metric (code),
  entity      text NOT NULL,
  region_code text REFERENCES region (code),
  -- last known position (WGS84 degrees); moving things also carry positions per point
  lon         double precision,
  lat         double precision,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (metric, entity)
);

CREATE TABLE point (
  series_id   integer NOT NULL REFERENCES series (id),
  time        timestamptz NOT NULL,
  -- in the unit of the series' metric
  value       double precision NOT NULL,
  -- WGS84 degrees, only for moving things
  lon         real,
  lat         real,
  PRIMARY KEY (series_id, time)
);
CREATE INDEX point_time_brin ON point USING brin (time);

CREATE TABLE event (
  kind        text NOT NULL REFERENCES event_kind (code),
  id          text NOT NULL,
  status      text NOT NULL,
  -- time of the latest status change
  time        timestamptz NOT NULL,
  opened_at   timestamptz NOT NULL,
  closed_at   timestamptz,
  category    text,
  region_code text REFERENCES region (code),
  lon         double precision,
  lat         double precision,
  -- free text stays with the owner OPD; never published
  title       text,
  PRIMARY KEY (kind, id)
);
CREATE INDEX event_open_idx ON event (kind, time) WHERE closed_at IS NULL;

CREATE TABLE event_status (
  kind        text NOT NULL,
  id          text NOT NULL,
  status      text NOT NULL,
  time        timestamptz NOT NULL,
  PRIMARY KEY (kind, id, time, status),
  FOREIGN KEY (kind, id) REFERENCES event (kind, id) ON DELETE CASCADE
);

CREATE TABLE ingest_key (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  opd_code    text NOT NULL REFERENCES opd (code),
  -- SHA-256 of the key; keys are 256-bit random, so a fast hash is enough (passwords get a memory-hard one)
  key_hash    bytea NOT NULL UNIQUE,
  -- first characters of the key, to recognise it in listings
  prefix      text NOT NULL,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- Tokens for the /live socket and operator REST calls (device tokens for walls; user sessions come later).
CREATE TABLE access_token (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  role        text NOT NULL CHECK (role IN ('admin', 'operator', 'agency')),
  opd_code    text REFERENCES opd (code),
  token_hash  bytea NOT NULL UNIQUE,
  prefix      text NOT NULL,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CHECK ((role = 'agency') = (opd_code IS NOT NULL))
);

CREATE TABLE sinergi_meta (
  key         text PRIMARY KEY,
  value       text NOT NULL
);
