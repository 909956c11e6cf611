-- 060: work handed between OPDs (issue 16): incidents with one timeline, escalation policies as data, the
-- alerts the server raises itself (a feed gone quiet, a complaint past its SLA), and the durable outbox of
-- notifications that leave the app (e-mail, signed webhooks) with every delivery attempt.

CREATE TABLE incident (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- what it was made from: an alert, a complaint (event), a watch alert, or a manual report with a location
  source_type     text NOT NULL CHECK (source_type IN ('alert', 'complaint', 'watch', 'manual')),
  -- 'alert:12', 'complaint:<event id>', 'watch:3'; null for a manual report
  source_ref      text,
  -- the catalog item the source belongs to (a metric or event kind): agreements on it open the incident
  source_item     text,
  source_item_type text CHECK (source_item_type IN ('metric', 'event_kind')),
  source_owner_opd text REFERENCES opd (code),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  region_code     text REFERENCES region (code),
  -- WGS84 degrees
  lon             double precision,
  lat             double precision,
  severity        text NOT NULL CHECK (severity IN ('waspada', 'siaga', 'awas')),
  handling_opd    text NOT NULL REFERENCES opd (code),
  supporting_opds text[] NOT NULL DEFAULT '{}',
  class           data_class NOT NULL DEFAULT 'terbatas',
  status          text NOT NULL DEFAULT 'baru' CHECK (status IN ('baru', 'diterima', 'dikerjakan', 'selesai', 'ditolak')),
  target_at       timestamptz NOT NULL,
  -- who reported it (a citizen's name or contact, a staff member); shown only to the creating side unless shared
  reporter        text,
  reporter_shared boolean NOT NULL DEFAULT false,
  -- the side that created it: an OPD code, or null for the command center
  created_by      text NOT NULL,
  created_opd     text REFERENCES opd (code),
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  -- first accepted by the handling OPD (stops the "not accepted" escalation)
  accepted_at     timestamptz,
  closed_at       timestamptz,
  merged_into     bigint REFERENCES incident (id),
  -- the highest escalation level reached (1 = none)
  escalation_level integer NOT NULL DEFAULT 1,
  -- optimistic concurrency: every change increments it
  version         integer NOT NULL DEFAULT 1
);
CREATE INDEX incident_open_idx ON incident (handling_opd) WHERE closed_at IS NULL;
CREATE INDEX incident_recent_idx ON incident (updated_at DESC);
-- one open incident per source (an alert made twice into an incident gives the same one back)
CREATE UNIQUE INDEX incident_one_open_per_source ON incident (source_ref) WHERE closed_at IS NULL AND merged_into IS NULL AND source_ref IS NOT NULL;

CREATE TABLE incident_entry (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id bigint NOT NULL REFERENCES incident (id),
  time        timestamptz NOT NULL,
  actor       text NOT NULL,
  actor_opd   text,
  kind        text NOT NULL CHECK (kind IN ('created', 'note', 'status', 'reassigned', 'support', 'link', 'escalated', 'reminder', 'merged')),
  -- the entry's details ({ text }, { from, to }, { fromOpd, toOpd, reason }, { url, label }, { level }, …)
  body        jsonb NOT NULL
);
CREATE INDEX incident_entry_incident_idx ON incident_entry (incident_id, id);

-- Escalation policies as data. A policy matches what is watched (subject) and optionally a level and a metric or
-- event kind; the most specific enabled policy wins. steps: [{ "afterMin": 10, "level": 2, "notify": ["head",
-- "supervisor"] }, …] counted from when the subject opened; reminders repeat every reminder_min until acted on.
CREATE TABLE escalation_policy (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject       text NOT NULL CHECK (subject IN ('alert', 'incident', 'watch')),
  severity      text CHECK (severity IN ('waspada', 'siaga', 'awas')),
  metric        text REFERENCES metric (code) ON DELETE CASCADE,
  event_kind    text REFERENCES event_kind (code) ON DELETE CASCADE,
  steps         jsonb NOT NULL,
  -- minutes between reminders while unacted; null: no reminders
  reminder_min  integer CHECK (reminder_min IS NULL OR reminder_min BETWEEN 1 AND 1440),
  enabled       boolean NOT NULL DEFAULT true
);

-- Where an escalation stands per watched subject ('alert:12', 'incident:3', 'watch:4').
CREATE TABLE escalation_state (
  subject        text PRIMARY KEY,
  policy_id      integer NOT NULL REFERENCES escalation_policy (id) ON DELETE CASCADE,
  level          integer NOT NULL DEFAULT 1,
  last_reminder_at timestamptz,
  -- set once someone acted (acknowledged, accepted): nothing more fires
  settled_at     timestamptz
);

-- Alerts the server raises by watching time: a feed silent for 3x its cadence (owner OPD), a complaint past
-- its SLA target (handling OPD). One open per kind and subject; each clears itself when the cause goes.
CREATE TABLE watch_alert (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('feed_late', 'complaint_overdue')),
  -- the feed ('<source>@<opd>') or the complaint ('<kind>/<id>')
  subject         text NOT NULL,
  opd_code        text NOT NULL REFERENCES opd (code),
  severity        text NOT NULL DEFAULT 'siaga' CHECK (severity IN ('waspada', 'siaga', 'awas')),
  opened_at       timestamptz NOT NULL,
  cleared_at      timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by text,
  -- what the wall and the message show ({ source, lastSuccess } or { kind, id, category, targetAt })
  detail          jsonb NOT NULL
);
CREATE UNIQUE INDEX watch_alert_one_open ON watch_alert (kind, subject) WHERE cleared_at IS NULL;

-- Who hears what, outside the app: per OPD (all of it or one role), per role of the command center, or a person.
CREATE TABLE notification_route (
  id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- null: the command center
  opd_code    text REFERENCES opd (code),
  -- head | staff | officer | supervisor | sekda | any
  role        text NOT NULL DEFAULT 'any' CHECK (role IN ('head', 'staff', 'officer', 'supervisor', 'sekda', 'any')),
  username    text,
  channel     text NOT NULL CHECK (channel IN ('email', 'webhook')),
  -- an e-mail address or an http(s) URL
  address     text NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The outbox: a notification is a row written in the transaction of the change it tells about, delivered by
-- whichever process claims it (FOR UPDATE SKIP LOCKED), retried with backoff, dead-lettered after the last try.
CREATE TABLE notification_outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  route_id     integer REFERENCES notification_route (id) ON DELETE SET NULL,
  channel      text NOT NULL CHECK (channel IN ('email', 'webhook')),
  address      text NOT NULL,
  severity     text NOT NULL CHECK (severity IN ('waspada', 'siaga', 'awas')),
  subject      text NOT NULL,
  body         text NOT NULL,
  -- the webhook's JSON document (also kept for e-mail, for the admin view)
  payload      jsonb NOT NULL,
  -- the same fact for the same route is queued once ('incident:3:created:route:2')
  dedupe_key   text NOT NULL UNIQUE,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts     integer NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL,
  -- not before (backoff, quiet hours, rate limit)
  available_at timestamptz NOT NULL,
  -- a claim: the claiming process delivers until then; after it, another may claim (a killed process's row)
  lease_until  timestamptz,
  sent_at      timestamptz,
  last_error   text
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (available_at) WHERE status = 'pending';

CREATE TABLE notification_attempt (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id   bigint NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
  time        timestamptz NOT NULL,
  ok          boolean NOT NULL,
  -- the peer's answer or the error, truncated
  detail      text,
  -- milliseconds the attempt took
  duration_ms integer NOT NULL
);
CREATE INDEX notification_attempt_outbox_idx ON notification_attempt (outbox_id);

-- The defaults of the issue: an Awas alert not acknowledged within 10 min goes to level 2 (the OPD head and the
-- command-center supervisor), after 30 min to level 3 (Sekda); reminders every 15 min. An incident past its
-- target escalates likewise (counted from the target).
INSERT INTO escalation_policy (subject, severity, steps, reminder_min) VALUES
  ('alert', 'awas', '[{"afterMin":10,"level":2,"notify":["head","supervisor"]},{"afterMin":30,"level":3,"notify":["sekda"]}]', 15),
  ('alert', 'siaga', '[{"afterMin":30,"level":2,"notify":["head","supervisor"]}]', 30),
  ('incident', NULL, '[{"afterMin":0,"level":2,"notify":["head","supervisor"]},{"afterMin":60,"level":3,"notify":["sekda"]}]', 30),
  ('watch', NULL, '[{"afterMin":60,"level":2,"notify":["head"]}]', NULL);
