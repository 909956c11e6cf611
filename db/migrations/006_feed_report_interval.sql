-- 006: a feed's last success is only as fresh as its worker's last report; the report interval (ms) lets the
-- server judge lateness without calling a fast source late between two reports.
ALTER TABLE source_health ADD COLUMN report_interval_ms integer NOT NULL DEFAULT 15000;
