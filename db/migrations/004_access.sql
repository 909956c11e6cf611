-- 004: data-sharing agreements (purpose limitation) and ingest key scopes.

-- An OPD shares one of its terbatas metrics or event kinds with one named other OPD, for a stated purpose,
-- until an end date. Access through it must name the same purpose.
CREATE TABLE sharing_agreement (
  id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_opd    text NOT NULL REFERENCES opd (code),
  grantee_opd  text NOT NULL REFERENCES opd (code),
  item_type    text NOT NULL CHECK (item_type IN ('metric', 'event_kind')),
  item_code    text NOT NULL,
  purpose      text NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9_-]{1,62}$'),
  -- the agreement's text or reference (nomor perjanjian kerja sama)
  reference    text,
  valid_from   timestamptz NOT NULL DEFAULT now(),
  valid_until  timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  CHECK (owner_opd <> grantee_opd),
  CHECK (valid_until > valid_from)
);
CREATE INDEX sharing_agreement_grantee_idx ON sharing_agreement (grantee_opd) WHERE revoked_at IS NULL;

-- What a key may write: points, events, or both.
ALTER TABLE ingest_key ADD COLUMN scopes text[] NOT NULL DEFAULT '{points,events}'
  CHECK (scopes <@ ARRAY['points', 'events']::text[] AND cardinality(scopes) > 0);
-- the key this one replaced (rotation keeps the chain visible in listings)
ALTER TABLE ingest_key ADD COLUMN rotated_from integer REFERENCES ingest_key (id);
CREATE INDEX ingest_key_prefix_idx ON ingest_key (prefix);
