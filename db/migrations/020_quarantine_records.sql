-- 020: every refused record is its own quarantine row (issue 14.3). The old key (source, origin, time, reason)
-- folded all records a server refused in one batch into one row (same origin, time and reason). A record's
-- identity is now also its index in its batch and its payload, so a resend is still harmless but fifty
-- refused records stay fifty rows. Rows stay until an operator resolves them; resolved rows are pruned after
-- a retention (QUARANTINE_RETENTION_DAYS), and each OPD's unresolved rows are capped: what passes the cap is
-- counted (quarantine_overflow), not stored.
ALTER TABLE quarantine DROP CONSTRAINT IF EXISTS quarantine_source_origin_time_reason_key;
ALTER TABLE quarantine
  -- the record's position in the batch it came in (null: a record the worker refused on its own)
  ADD COLUMN record_index integer,
  ADD COLUMN resolved_at timestamptz,
  ADD COLUMN resolved_by text;
CREATE UNIQUE INDEX quarantine_record_key ON quarantine (source, origin, time, reason, coalesce(record_index, -1), md5(data));
CREATE INDEX quarantine_unresolved_idx ON quarantine (opd_code) WHERE resolved_at IS NULL;

CREATE TABLE quarantine_overflow (
  opd_code   text PRIMARY KEY REFERENCES opd (code),
  -- records refused by the server because the OPD's unresolved quarantine was full (cumulative)
  dropped    bigint NOT NULL,
  last_at    timestamptz NOT NULL
);
