-- Service-level targets for events, and the indexes the event analytics read through.
--
-- A target says how long an event of a kind (and category) may stay open; category '' is the kind's default,
-- used for every category without a target of its own. handler_opd is the OPD that works the events of that
-- category (a complaint about a road goes to Dinas PUPR though Diskominfo owns the complaint system); null
-- means the kind's owner OPD.
CREATE TABLE event_sla (
  kind         text NOT NULL REFERENCES event_kind (code) ON DELETE CASCADE,
  -- '' = the default of the kind
  category     text NOT NULL DEFAULT '' CHECK (category = '' OR category ~ '^[a-z][a-z0-9_]{0,62}$'),
  -- hours from opened_at to closed_at
  target_hours double precision NOT NULL CHECK (target_hours > 0 AND target_hours <= 8760),
  handler_opd  text REFERENCES opd (code),
  PRIMARY KEY (kind, category)
);

-- counts and durations by the time an event was received and by the time it was closed
CREATE INDEX event_opened_idx ON event (kind, opened_at);
CREATE INDEX event_closed_idx ON event (kind, closed_at) WHERE closed_at IS NOT NULL;
-- status changes per period
CREATE INDEX event_status_time_idx ON event_status (kind, time);
