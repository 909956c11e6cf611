-- 085: accountability between OPDs (issue 19): the lateness history of feeds behind the data SLA of the OPD
-- scorecard, and the archive of the weekly briefing for the kepala daerah.

-- A feed was late (no fresh data) from started_at until ended_at (null: still late). The leader's watcher
-- (server/incidents/watch.ts) opens an interval when a feed turns late or silent and closes it when data returns;
-- started_at is the feed's last success (when it actually stopped), not when the lateness was noticed.
-- metric '' is the whole feed; a per-metric interval names the metric.
CREATE TABLE feed_lateness (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source      text NOT NULL,
  opd_code    text NOT NULL REFERENCES opd (code),
  metric      text NOT NULL DEFAULT '',
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- one open interval per feed and metric
CREATE UNIQUE INDEX feed_lateness_one_open ON feed_lateness (source, opd_code, metric) WHERE ended_at IS NULL;
CREATE INDEX feed_lateness_time_idx ON feed_lateness (opd_code, started_at);

-- One briefing per ISO week (re-generating a week replaces it). figures: the JSON the PDF and the page were
-- drawn from (the same numbers as the scorecard and stats APIs at generation time).
CREATE TABLE briefing (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- ISO week, 'YYYY-Www'
  week         text NOT NULL UNIQUE CHECK (week ~ '^\d{4}-W\d{2}$'),
  period_start timestamptz NOT NULL,
  period_end   timestamptz NOT NULL,
  generated_at timestamptz NOT NULL,
  generated_by text NOT NULL,
  figures      jsonb NOT NULL,
  html         text NOT NULL,
  pdf          bytea NOT NULL,
  -- milliseconds the generation took
  duration_ms  integer NOT NULL
);
