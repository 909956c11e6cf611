-- 090: a real kota's boundaries as imported data, and authority by territory (issue 17).

-- Catalog items the catalog opens to territorial roles (camat, lurah/kades): they read the data of such an
-- item located in their territory (server/access/policy.ts). Off by default: nothing opens by itself.
ALTER TABLE metric ADD COLUMN territorial boolean NOT NULL DEFAULT false;
ALTER TABLE event_kind ADD COLUMN territorial boolean NOT NULL DEFAULT false;

-- A kecamatan or kelurahan a later boundary import no longer names while series, events, incidents or projects
-- still point at it: the row stays (foreign keys, history keeps its label) but no map or rule uses it again.
-- The import reports those series (scripts/admin-regions.ts).
ALTER TABLE region ADD COLUMN retired_at timestamptz;

-- Territorial users: role 'wilayah' with the Kemendagri code of their kecamatan (camat) or kelurahan/desa
-- (lurah, kades). A session token carries the same scope, so a changed scope ends the session like a role change.
ALTER TABLE users
  ADD COLUMN region_code text REFERENCES region (code),
  DROP CONSTRAINT users_role_check,
  DROP CONSTRAINT users_check,
  ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'operator', 'agency', 'wilayah')),
  ADD CONSTRAINT users_check CHECK ((role = 'agency') = (opd_code IS NOT NULL)),
  ADD CONSTRAINT users_region_check CHECK ((role = 'wilayah') = (region_code IS NOT NULL));

ALTER TABLE access_token
  ADD COLUMN region_code text REFERENCES region (code),
  DROP CONSTRAINT access_token_role_check,
  DROP CONSTRAINT access_token_check,
  ADD CONSTRAINT access_token_role_check CHECK (role IN ('admin', 'operator', 'agency', 'wilayah')),
  ADD CONSTRAINT access_token_check CHECK ((role = 'agency') = (opd_code IS NOT NULL)),
  ADD CONSTRAINT access_token_region_check CHECK ((role = 'wilayah') = (region_code IS NOT NULL));
