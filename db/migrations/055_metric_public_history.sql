-- 055: metrics whose history the public does not get (issue 13, gap 1 of item 1).
-- `public_history`: false makes a metric "current only" for anonymous callers — the /public socket (snapshots
--   and deltas), anonymous GET /api/v1/series, the open-data files and CKAN give its current value and never
--   its past values; signed-in roles keep the full history. For derived counters whose change over time
--   reveals figures the public view hides: the change of the open complaints count over a bucket is
--   received − closed in that bucket, which on a quiet day pins a city-wide count the joint suppression hides.
ALTER TABLE metric ADD COLUMN public_history boolean NOT NULL DEFAULT true;

UPDATE metric SET public_history = false WHERE code = 'complaints_open';
