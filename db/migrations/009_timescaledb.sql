-- requires: timescaledb
-- 009: TimescaleDB storage. point becomes a hypertable (1-day chunks, existing rows migrated); point_1m and
-- point_1h are hierarchical continuous aggregates with real-time aggregation, with the same columns as the
-- plain-PostgreSQL views of 008 so one query text answers on both dialects. Policies (defaults below; the
-- server re-applies its configured ages at start, see db/store-jobs.ts): refresh, compression of raw chunks,
-- retention of raw points and of each roll-up.

-- A database that ran 008 before the extension was installed: replace its roll-ups by aggregates.
DROP VIEW IF EXISTS point_1h;
DROP VIEW IF EXISTS point_1m;
DROP TRIGGER IF EXISTS point_dirty_ins ON point;
DROP TRIGGER IF EXISTS point_dirty_upd ON point;
DROP FUNCTION IF EXISTS point_log_dirty();
DROP TABLE IF EXISTS point_1m_mat, point_1h_mat, rollup_state, point_dirty;

-- chunks carry their own ranges; the primary key (series_id, time) serves per-series reads
DROP INDEX IF EXISTS point_time_brin;
SELECT create_hypertable('point', by_range('time', INTERVAL '1 day'), migrate_data => true, create_default_indexes => false);

ALTER TABLE point SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC');

CREATE MATERIALIZED VIEW point_1m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT series_id, time_bucket(INTERVAL '1 minute', time) AS bucket,
         -- in the unit of the metric; avg = value_sum / value_count
         sum(value) AS value_sum, count(*) AS value_count, min(value) AS value_min, max(value) AS value_max,
         last(value, time) AS value_last, max(time) AS last_time
    FROM point
   GROUP BY series_id, time_bucket(INTERVAL '1 minute', time)
  WITH NO DATA;

CREATE MATERIALIZED VIEW point_1h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT series_id, time_bucket(INTERVAL '1 hour', bucket) AS bucket,
         sum(value_sum) AS value_sum, sum(value_count)::bigint AS value_count, min(value_min) AS value_min,
         max(value_max) AS value_max, last(value_last, last_time) AS value_last, max(last_time) AS last_time
    FROM point_1m
   GROUP BY series_id, time_bucket(INTERVAL '1 hour', bucket)
  WITH NO DATA;

-- Refresh windows start inside the retention of the level below, so a refresh never wipes kept roll-ups of
-- data that retention already dropped.
-- Batched refreshes (buckets_per_batch, TimescaleDB >= 2.19) are switched off: in 2.23 they skip the last
-- bucket of an invalidated range when it starts exactly on a bucket boundary (a corrected reading at :00 stays
-- stale); one batch per run is correct and our windows are small.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'add_continuous_aggregate_policy' AND 'buckets_per_batch' = ANY (proargnames)) THEN
    PERFORM add_continuous_aggregate_policy('point_1m', start_offset => INTERVAL '29 days', end_offset => INTERVAL '1 minute',
      schedule_interval => INTERVAL '1 minute', buckets_per_batch => 0);
    PERFORM add_continuous_aggregate_policy('point_1h', start_offset => INTERVAL '89 days', end_offset => INTERVAL '1 hour',
      schedule_interval => INTERVAL '10 minutes', buckets_per_batch => 0);
  ELSE
    PERFORM add_continuous_aggregate_policy('point_1m', start_offset => INTERVAL '29 days', end_offset => INTERVAL '1 minute',
      schedule_interval => INTERVAL '1 minute');
    PERFORM add_continuous_aggregate_policy('point_1h', start_offset => INTERVAL '89 days', end_offset => INTERVAL '1 hour',
      schedule_interval => INTERVAL '10 minutes');
  END IF;
END $$;
SELECT add_compression_policy('point', compress_after => INTERVAL '7 days');
SELECT add_retention_policy('point', drop_after => INTERVAL '30 days');
SELECT add_retention_policy('point_1m', drop_after => INTERVAL '90 days');
SELECT add_retention_policy('point_1h', drop_after => INTERVAL '730 days');
