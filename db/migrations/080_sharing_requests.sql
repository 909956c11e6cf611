-- 080: sharing on request (issue 19). An OPD asks another for one of its items (purpose, justification, end
-- date, region detail); the owner approves (possibly narrowed), refuses with a note, extends; either side can
-- flag a dispute, which suspends the agreement. Reads made through an agreement are counted per day.

-- How fine the region detail of what is shared may be: kelurahan (as recorded), kecamatan, or kota (one figure).
ALTER TABLE sharing_agreement
  ADD COLUMN region_level text NOT NULL DEFAULT 'kelurahan' CHECK (region_level IN ('kelurahan', 'kecamatan', 'kota')),
  -- set while a dispute stands: the agreement grants nothing until it is lifted
  ADD COLUMN suspended_at timestamptz,
  ADD COLUMN disputed_by_opd text REFERENCES opd (code),
  ADD COLUMN dispute_note text,
  -- the valid_until the expiry reminder was sent for (a renewal moves valid_until, so a new reminder is due)
  ADD COLUMN reminded_until timestamptz;

CREATE TABLE sharing_request (
  id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  requester_opd  text NOT NULL REFERENCES opd (code),
  owner_opd      text NOT NULL REFERENCES opd (code),
  item_type      text NOT NULL CHECK (item_type IN ('metric', 'event_kind')),
  item_code      text NOT NULL,
  purpose        text NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9_-]{1,62}$'),
  justification  text NOT NULL,
  -- the end date asked for
  valid_until    timestamptz NOT NULL,
  region_level   text NOT NULL DEFAULT 'kelurahan' CHECK (region_level IN ('kelurahan', 'kecamatan', 'kota')),
  -- a renewal asks to extend this agreement instead of making a new one
  renews         integer REFERENCES sharing_agreement (id),
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'refused', 'withdrawn')),
  requested_by   text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  decided_at     timestamptz,
  decided_by     text,
  decision_note  text,
  -- the agreement the approval made or extended
  agreement_id   integer REFERENCES sharing_agreement (id),
  CHECK (owner_opd <> requester_opd)
);
-- one open request per requester, item and purpose
CREATE UNIQUE INDEX sharing_request_open_idx ON sharing_request (requester_opd, item_type, item_code, purpose) WHERE status = 'open';
CREATE INDEX sharing_request_owner_idx ON sharing_request (owner_opd, status);

-- Reads through an agreement, per local day (the city's zone), reader and path; the server counts in memory
-- and adds its counts here every few seconds (one upsert per flush).
CREATE TABLE sharing_usage (
  agreement_id  integer NOT NULL REFERENCES sharing_agreement (id),
  day           date NOT NULL,
  -- who read: 'user:<name>' or 'token:<id>' (the audit actor)
  actor         text NOT NULL,
  via           text NOT NULL CHECK (via IN ('rest', 'socket')),
  -- reads (REST answers, socket subscriptions with their snapshot) on that day
  reads         integer NOT NULL CHECK (reads >= 0),
  PRIMARY KEY (agreement_id, day, actor, via)
);
