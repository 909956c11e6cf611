-- requires: postgres
-- 008: 1-minute and 1-hour roll-ups on plain PostgreSQL, shaped like the TimescaleDB continuous aggregates of
-- 009 so that one query text answers on both dialects:
--   point_1m / point_1h are views = materialised buckets before a watermark UNION ALL buckets computed on
--   the fly after it (TimescaleDB's real-time aggregates), the 1-hour level built on the 1-minute one.
-- The app's refresher (db/store-jobs.ts) moves the watermarks forward and recomputes buckets that late or
-- corrected points made dirty; a statement trigger logs those (any write path: unnest, COPY, plain SQL).

-- The BRIN on point(time) (001) serves the refresher's sweep and retention; measured against a btree on time
-- in docs/benchmarks.md (a btree was ~2× faster per sweep but ~2,000× larger and paid on every insert). New
-- page ranges are summarised by autovacuum rather than left unsummarised until a manual VACUUM.
ALTER INDEX point_time_brin SET (autosummarize = on);

CREATE TABLE point_1m_mat (
  series_id   integer NOT NULL,
  -- start of the minute (UTC-aligned)
  bucket      timestamptz NOT NULL,
  -- sum and count of the readings, in the unit of the metric; avg = value_sum / value_count
  value_sum   double precision NOT NULL,
  value_count bigint NOT NULL,
  value_min   double precision NOT NULL,
  value_max   double precision NOT NULL,
  -- the reading with the latest time in the bucket, and that time
  value_last  double precision NOT NULL,
  last_time   timestamptz NOT NULL,
  PRIMARY KEY (series_id, bucket)
);
-- retention deletes by bucket; rows arrive roughly in bucket order, so a BRIN is enough
CREATE INDEX point_1m_mat_bucket_brin ON point_1m_mat USING brin (bucket);

CREATE TABLE point_1h_mat (LIKE point_1m_mat INCLUDING ALL);

-- One row: how far each level is materialised.
CREATE TABLE rollup_state (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- writes of points at or after this time are picked up by the next sweep; earlier ones are logged dirty
  sweep_from  timestamptz NOT NULL,
  -- reads take 1-minute buckets before this from point_1m_mat, later ones from point
  mat_1m      timestamptz NOT NULL,
  -- reads take 1-hour buckets before this from point_1h_mat, later ones from point_1m
  mat_1h      timestamptz NOT NULL,
  CHECK (mat_1m <= sweep_from AND mat_1h <= mat_1m)
);
INSERT INTO rollup_state (sweep_from, mat_1m, mat_1h) VALUES ('-infinity', '-infinity', '-infinity');

-- Time ranges per series written behind the watermark (late data, corrections), waiting for the refresher.
CREATE TABLE point_dirty (
  series_id   integer NOT NULL,
  lo          timestamptz NOT NULL,
  hi          timestamptz NOT NULL
);

-- Writers hold this advisory lock (shared) until they commit, so the refresher, taking it exclusively to move
-- sweep_from, knows every write either lands before its sweep or is logged dirty. Key: see db/store-jobs.ts.
CREATE FUNCTION point_log_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1920103633);
  INSERT INTO point_dirty (series_id, lo, hi)
  SELECT series_id, min(time), max(time) FROM new_rows
   WHERE time < (SELECT sweep_from FROM rollup_state)
   GROUP BY series_id;
  RETURN NULL;
END $$;
CREATE TRIGGER point_dirty_ins AFTER INSERT ON point REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION point_log_dirty();
CREATE TRIGGER point_dirty_upd AFTER UPDATE ON point REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION point_log_dirty();

CREATE VIEW point_1m AS
  SELECT series_id, bucket, value_sum, value_count, value_min, value_max, value_last, last_time
    FROM point_1m_mat WHERE bucket < (SELECT mat_1m FROM rollup_state)
  UNION ALL
  SELECT series_id, date_bin('1 minute', time, '2000-01-01 00:00:00+00') AS bucket,
         sum(value), count(*), min(value), max(value), (array_agg(value ORDER BY time DESC))[1], max(time)
    FROM point WHERE time >= (SELECT mat_1m FROM rollup_state)
   GROUP BY 1, 2;

CREATE VIEW point_1h AS
  SELECT series_id, bucket, value_sum, value_count, value_min, value_max, value_last, last_time
    FROM point_1h_mat WHERE bucket < (SELECT mat_1h FROM rollup_state)
  UNION ALL
  SELECT series_id, date_bin('1 hour', bucket, '2000-01-01 00:00:00+00') AS bucket,
         sum(value_sum), sum(value_count)::bigint, min(value_min), max(value_max),
         (array_agg(value_last ORDER BY last_time DESC))[1], max(last_time)
    FROM point_1m WHERE bucket >= (SELECT mat_1h FROM rollup_state)
   GROUP BY 1, 2;
