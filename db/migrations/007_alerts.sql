-- 007: alerts raised by readings crossing a metric's thresholds (Siaga and above), until they clear.
CREATE TABLE alert (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  series_id        integer NOT NULL REFERENCES series (id),
  metric           text NOT NULL REFERENCES metric (code),
  entity           text NOT NULL,
  -- the highest level reached while open: siaga | awas
  level            text NOT NULL CHECK (level IN ('siaga', 'awas')),
  -- time of the reading that raised it
  opened_at        timestamptz NOT NULL,
  -- the latest reading seen while open, in the metric's unit
  last_value       double precision NOT NULL,
  last_time        timestamptz NOT NULL,
  cleared_at       timestamptz,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  ack_note         text
);
CREATE UNIQUE INDEX alert_one_open_per_series ON alert (series_id) WHERE cleared_at IS NULL;
CREATE INDEX alert_recent_idx ON alert (opened_at DESC);
