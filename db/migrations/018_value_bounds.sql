-- 018: bounds on the values a metric's readings may take (issue 13, item 3). Two readings of 1e308 made the
-- roll-up sum overflow and stopped the refresher for every series; ingest now refuses values beyond the
-- catalog's bounds and beyond a global sanity bound (±1e15, shared/catalog.ts), so no sum can overflow.
ALTER TABLE metric
  -- the smallest and largest value a reading may have, in the metric's unit; null: only the global bound
  ADD COLUMN value_min double precision,
  ADD COLUMN value_max double precision,
  ADD CONSTRAINT metric_value_bounds_check CHECK (value_min IS NULL OR value_max IS NULL OR value_min <= value_max);

-- A catalog sets them per metric (the demo's are in demo/catalog.ts, applied by the seed).
