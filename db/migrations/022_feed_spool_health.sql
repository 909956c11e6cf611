-- 022: a worker's spool in feed health (issue 14.1, 14.6): whether it could write when the worker last
-- reported (a full disk), and how many records it dropped at its size limit, cumulative over the worker's life
-- (the worker keeps the count on disk across restarts). Both also become readings of two `system` metrics,
-- so a full disk or a drop raises an ordinary alert on the wall and the tablets (entity `<OPD>/<source>`).
ALTER TABLE source_health
  ADD COLUMN spool_full boolean NOT NULL DEFAULT false,
  -- records, cumulative
  ADD COLUMN spool_dropped bigint NOT NULL DEFAULT 0;

-- the `system` domain and its owner, as migration 040 makes them (either may run first: both are idempotent)
ALTER TABLE metric DROP CONSTRAINT metric_domain_check;
ALTER TABLE metric ADD CONSTRAINT metric_domain_check
  CHECK (domain IN ('complaints', 'floods', 'traffic', 'sanitation', 'projects', 'system'));
INSERT INTO opd (code, name) VALUES ('DISKOMINFO', 'Dinas Komunikasi dan Informatika') ON CONFLICT (code) DO NOTHING;

-- feed_spool_full: 1 while a worker's spool cannot write (disk full), else 0.
-- feed_spool_dropped: records a worker's spool dropped at its size limit since its previous report.
INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s, thresholds) VALUES
  ('feed_spool_full', 'system', 'DISKOMINFO', 'terbatas', 'flag', 'Disk spool pekerja ingest penuh', 'Ingest worker spool disk full', 15,
   '{"waspada": 1, "siaga": 1, "awas": 1}'),
  ('feed_spool_dropped', 'system', 'DISKOMINFO', 'terbatas', 'count', 'Data dibuang karena spool penuh', 'Records dropped at the spool limit', 15,
   '{"waspada": 1, "siaga": 1, "awas": 1000}')
ON CONFLICT (code) DO NOTHING;
