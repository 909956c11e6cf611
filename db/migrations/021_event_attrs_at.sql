-- 021: the time of the change that last set an event's attributes (category, region, position, title), so a
-- late, older change can no longer overwrite a newer category (issue 14.4; rule in shared/event-order.ts).
-- Null on rows written before: their attributes count as set at their status time.
ALTER TABLE event ADD COLUMN attrs_at timestamptz;
