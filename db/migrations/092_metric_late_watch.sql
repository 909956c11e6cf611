-- A metric gone quiet raises a watch alert of its own (kind 'metric_late', subject the metric's code) to its owner
-- OPD, as a feed gone quiet does: the scorecard recorded the lateness, but nobody was told while it lasted.
ALTER TABLE watch_alert DROP CONSTRAINT watch_alert_kind_check;
ALTER TABLE watch_alert ADD CONSTRAINT watch_alert_kind_check CHECK (kind IN ('feed_late', 'complaint_overdue', 'metric_late'));
