-- "Gali sekali" (dig once, issue 20): what kind of works a project does and where exactly, and the conflicts
-- Sinergi found between projects of different OPDs on the same spot within months of each other.

-- The catalog of work types (the same list as shared/works.ts WORK_TYPES).
CREATE TABLE work_type (
  code    text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,62}$'),
  name_id text NOT NULL,
  name_en text NOT NULL
);
INSERT INTO work_type (code, name_id, name_en) VALUES
  ('road_surface', 'Pengaspalan / perkerasan jalan', 'Road surfacing'),
  ('road_widening', 'Pelebaran jalan', 'Road widening'),
  ('drainage', 'Saluran drainase', 'Drainage channel'),
  ('utility_trench', 'Galian utilitas (air, listrik, telekomunikasi)', 'Utility trench (water, power, telecom)'),
  ('water_pipe', 'Pipa air minum (PDAM)', 'Drinking-water pipe'),
  ('sewer', 'Saluran air limbah', 'Sewer'),
  ('sidewalk', 'Trotoar / pedestrian', 'Sidewalk'),
  ('bridge', 'Jembatan', 'Bridge'),
  ('building', 'Bangunan gedung', 'Building'),
  ('street_lighting', 'Penerangan jalan umum', 'Street lighting'),
  ('greenery', 'Ruang terbuka hijau / taman', 'Green space / park'),
  ('other', 'Lainnya', 'Other');

-- GeoJSON geometry (Point, LineString or Polygon), WGS84 degrees, validated by the API (shared/works.ts)
ALTER TABLE project ADD COLUMN geometry jsonb CHECK (geometry IS NULL OR geometry->>'type' IN ('Point', 'LineString', 'Polygon'));
ALTER TABLE project ADD COLUMN work_type text REFERENCES work_type (code);

-- One row per pair of projects of different OPDs found in conflict; project_a < project_b (one row per pair).
CREATE TABLE project_conflict (
  id             bigserial PRIMARY KEY,
  project_a      text NOT NULL REFERENCES project (id) ON DELETE CASCADE,
  project_b      text NOT NULL REFERENCES project (id) ON DELETE CASCADE,
  -- which rule fired: 'distance' (geometries within the configured metres) or 'same_kelurahan' (one has none)
  rule           text NOT NULL CHECK (rule IN ('distance', 'same_kelurahan')),
  -- metres between the two geometries (0: they touch); NULL when the kelurahan rule fired
  distance_m     double precision CHECK (distance_m >= 0),
  -- days the two contract periods share (inclusive); 0 when one follows the other
  overlap_days   integer NOT NULL CHECK (overlap_days >= 0),
  -- days between the end of the earlier period and the start of the later one; 0 when they overlap
  gap_days       integer NOT NULL CHECK (gap_days >= 0),
  status         text NOT NULL DEFAULT 'terbuka' CHECK (status IN ('terbuka', 'dikoordinasikan')),
  note           text CHECK (length(note) <= 1000),
  coordinated_by text,
  coordinated_at timestamptz,
  detected_at    timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  CHECK (project_a < project_b),
  UNIQUE (project_a, project_b)
);
CREATE INDEX project_conflict_b_idx ON project_conflict (project_b);
