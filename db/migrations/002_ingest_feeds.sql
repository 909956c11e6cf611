-- 002: what ingest workers report besides data: records they refused (quarantine) and the health of
-- each source, so operators see bad records and late feeds.

CREATE TABLE quarantine (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source          text NOT NULL,
  opd_code        text REFERENCES opd (code),
  -- where the record came from in the agency's system: file:row, topic, url#index
  origin          text NOT NULL,
  reason          text NOT NULL,
  mapping_version text,
  -- the record as received, truncated by the worker to a few KB; never published
  data            text NOT NULL,
  -- when the worker refused it
  time            timestamptz NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  -- a worker resending a batch after a crash must not double the quarantine
  UNIQUE (source, origin, time, reason)
);
CREATE INDEX quarantine_recent_idx ON quarantine (received_at DESC);

CREATE TABLE source_health (
  source               text NOT NULL,
  opd_code             text NOT NULL REFERENCES opd (code),
  type                 text NOT NULL,
  -- ms between polls the source promises; null for subscriptions
  expected_interval_ms integer,
  last_success         timestamptz,
  last_error           text,
  last_error_at        timestamptz,
  -- records per second over the last report interval
  records_per_second   double precision NOT NULL,
  quarantined          bigint NOT NULL,
  spool_depth          bigint NOT NULL,
  reported_at          timestamptz NOT NULL,
  PRIMARY KEY (source, opd_code)
);
