-- 070: citizens follow their own complaint, rate it once, and read public notices (issue 21).

-- One rating per complaint (ticket): the primary key is the "once" rule, so two racing requests cannot both
-- rate. The handler OPD and category are copied at rating time: ratings publish per (OPD, category) at or
-- above the public k, and a later re-routing of the category does not move old ratings between OPDs.
CREATE TABLE complaint_rating (
  kind        text NOT NULL,
  id          text NOT NULL,
  -- 1 (poor) to 5 (very good)
  rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  -- the citizen says "belum selesai": the work was reopened as an incident for the handling OPD
  not_fixed   boolean NOT NULL,
  handler_opd text NOT NULL REFERENCES opd (code),
  category    text NOT NULL DEFAULT '',
  rated_at    timestamptz NOT NULL,
  -- the incident the "not fixed" answer opened (or noted on), if any
  incident_id bigint REFERENCES incident (id),
  PRIMARY KEY (kind, id),
  FOREIGN KEY (kind, id) REFERENCES event (kind, id) ON DELETE CASCADE
);
CREATE INDEX complaint_rating_opd_idx ON complaint_rating (handler_opd, category);

-- Public notices (pengumuman): flood warnings with advice, pump maintenance, road closures. Published by the
-- command center or an OPD (its own), shown on /public, its map, the Atom feed and as CAP 1.2. Kept 90 days
-- after they stop being valid (then purged); withdrawn ones stay in the history, marked.
CREATE TABLE public_notice (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('flood_warning', 'pump_maintenance', 'road_closure', 'other')),
  -- CAP severity: Minor, Moderate, Severe, Extreme (lower case here)
  severity      text NOT NULL CHECK (severity IN ('minor', 'moderate', 'severe', 'extreme')),
  headline      text NOT NULL CHECK (length(headline) BETWEEN 1 AND 160),
  description   text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  -- what to do (CAP instruction): advice for a flood warning, a detour for a road closure
  instruction   text CHECK (instruction IS NULL OR length(instruction) <= 1000),
  -- kelurahan codes the notice covers (may be empty when a geometry is given)
  regions       text[] NOT NULL DEFAULT '{}',
  -- GeoJSON Polygon or Point, WGS84 degrees; null when only kelurahan are named
  geometry      jsonb,
  -- the publishing OPD; null: the command center
  opd           text REFERENCES opd (code),
  valid_from    timestamptz NOT NULL,
  valid_until   timestamptz NOT NULL CHECK (valid_until > valid_from),
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  withdrawn_at  timestamptz,
  -- optimistic concurrency and the CAP "Update" chain: every change increments it
  version       integer NOT NULL DEFAULT 1,
  CHECK (cardinality(regions) > 0 OR geometry IS NOT NULL)
);
CREATE INDEX public_notice_until_idx ON public_notice (valid_until DESC);
