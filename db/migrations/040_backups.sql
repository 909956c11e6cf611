-- 040: backups (db/backup.ts, server/backup/). Every attempt, nightly or `admin backup`, is recorded here.
-- The platform's own health becomes two metrics of a new `system` domain, owned by Diskominfo (the OPD that
-- runs Sinergi), so a failed or missing backup raises an ordinary alert on the wall and the tablets.

CREATE TABLE backup_run (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  -- scheduled (the server's nightly run) | manual (`admin backup`)
  trigger      text NOT NULL CHECK (trigger IN ('scheduled', 'manual')),
  -- null while running
  ok           boolean,
  -- the backup's directory name, the directory it was written to, and its second copy (null: none)
  name         text,
  dir          text,
  copy_dir     text,
  -- size on disk (compressed), bytes
  bytes        bigint,
  -- rows written, all tables
  rows         bigint,
  error        text
);
CREATE INDEX backup_run_started_idx ON backup_run (started_at DESC);

ALTER TABLE metric DROP CONSTRAINT metric_domain_check;
ALTER TABLE metric ADD CONSTRAINT metric_domain_check
  CHECK (domain IN ('complaints', 'floods', 'traffic', 'sanitation', 'projects', 'system'));

INSERT INTO opd (code, name) VALUES ('DISKOMINFO', 'Dinas Komunikasi dan Informatika') ON CONFLICT (code) DO NOTHING;

-- backup_age_hours: hours since the newest complete backup at a destination (entity `primary` or `copy`),
--   counted from the database's creation while there is none; a nightly run keeps it under 25.
-- backup_failures: failed backup attempts since the last good one (entity `nightly`).
INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s, thresholds) VALUES
  ('backup_age_hours', 'system', 'DISKOMINFO', 'terbatas', 'h', 'Umur cadangan data terakhir', 'Age of the newest backup', 600,
   '{"waspada": 25, "siaga": 26, "awas": 50}'),
  ('backup_failures', 'system', 'DISKOMINFO', 'terbatas', 'count', 'Pencadangan gagal berturut-turut', 'Failed backups in a row', 600,
   '{"waspada": 1, "siaga": 1, "awas": 2}')
ON CONFLICT (code) DO NOTHING;
