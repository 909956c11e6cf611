-- 086: the catalog as data (issue 17). A kota's admin edits OPD, domains, metrics and event kinds through the
-- admin REST / CLI (server/catalog/admin.ts) without code or restart; what used to be fixed in CHECKs becomes rows.

-- Domains were a CHECK on metric.domain and event_kind.domain (001, widened by 022 and 040): now a table the
-- catalog references, seeded with the five live domains and `system` (the platform's own health).
CREATE TABLE domain (
  code     text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
  name_id  text NOT NULL CHECK (length(name_id) BETWEEN 1 AND 100),
  name_en  text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
  -- order in lists (tablet groups, filters); lower first
  sort     integer NOT NULL DEFAULT 100
);
INSERT INTO domain (code, name_id, name_en, sort) VALUES
  ('complaints', 'Aduan warga', 'Citizen complaints', 10),
  ('floods', 'Banjir', 'Floods', 20),
  ('traffic', 'Lalu lintas', 'Traffic', 30),
  ('sanitation', 'Kebersihan', 'Sanitation', 40),
  ('projects', 'Pembangunan', 'Projects', 50),
  ('system', 'Sistem', 'System', 90)
ON CONFLICT (code) DO NOTHING;

ALTER TABLE metric DROP CONSTRAINT IF EXISTS metric_domain_check;
ALTER TABLE metric ADD CONSTRAINT metric_domain_fkey FOREIGN KEY (domain) REFERENCES domain (code);
ALTER TABLE event_kind DROP CONSTRAINT IF EXISTS event_kind_domain_check;
ALTER TABLE event_kind ADD CONSTRAINT event_kind_domain_fkey FOREIGN KEY (domain) REFERENCES domain (code);

-- What tight places show for an OPD (tiles, chips): 'Dinkes'; null: the code.
ALTER TABLE opd ADD COLUMN short_name text CHECK (short_name IS NULL OR length(short_name) BETWEEN 1 AND 40);

-- In the metric's unit: a value that reached a level leaves it only below (threshold - hysteresis), so a reading
-- wavering around a threshold does not raise and clear alerts by turns (shared/alerts.ts evaluateAlert).
ALTER TABLE metric ADD COLUMN hysteresis double precision NOT NULL DEFAULT 0 CHECK (hysteresis >= 0);
-- How a tile or roll-up display combines the metric's series into one figure. Present metrics get what the tiles
-- did until now (shared/catalog.ts defaultAggregation): counts and amounts add up, a metric with thresholds shows
-- its worst place, the rest their mean.
ALTER TABLE metric ADD COLUMN aggregation text NOT NULL DEFAULT 'avg' CHECK (aggregation IN ('avg', 'sum', 'max', 'min', 'last'));
UPDATE metric SET aggregation = CASE WHEN unit IN ('count', 'IDR', 't', 'veh/h') THEN 'sum' WHEN thresholds IS NOT NULL THEN 'max' ELSE 'avg' END;

-- The closed list of an event kind's categories with their names: [{ "code", "nameId", "nameEn" }]. event_sla
-- (010) holds the targets per category; the admin service keeps its categories among these.
ALTER TABLE event_kind ADD COLUMN categories jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(categories) = 'array');

-- The demo's complaint categories (until now a code list in demo/catalog.ts and names in the UI strings).
UPDATE event_kind SET categories = '[
  {"code": "jalan_rusak", "nameId": "Jalan rusak", "nameEn": "Damaged road"},
  {"code": "sampah", "nameId": "Sampah", "nameEn": "Garbage"},
  {"code": "banjir", "nameId": "Banjir", "nameEn": "Flooding"},
  {"code": "lampu_jalan", "nameId": "Lampu jalan", "nameEn": "Street lights"},
  {"code": "drainase", "nameId": "Drainase", "nameEn": "Drainage"},
  {"code": "kemacetan", "nameId": "Kemacetan", "nameEn": "Congestion"},
  {"code": "pelayanan_publik", "nameId": "Pelayanan publik", "nameEn": "Public service"}
]'::jsonb WHERE code = 'complaint' AND categories = '[]'::jsonb;

-- One row: the catalog's version. Every catalog change increments it in its transaction, which also serialises
-- concurrent imports; processes are told through NOTIFY catalog_changed and clients through the `catalog` channel.
CREATE TABLE catalog_state (
  one      boolean PRIMARY KEY DEFAULT true CHECK (one),
  version  bigint NOT NULL DEFAULT 0
);
INSERT INTO catalog_state (one, version) VALUES (true, 0) ON CONFLICT DO NOTHING;
