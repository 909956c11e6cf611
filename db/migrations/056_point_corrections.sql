-- 056: explicit corrections of readings (issue 14, item 5). A reading sent again for the same (series, time)
-- keeps its first value (a resend is idempotent; a late resend can no longer undo a correction). A correction
-- carries a `revision` higher than the reading's current one and replaces the value; each one is recorded here
-- (and audited). A reading's current revision is the highest recorded here, 0 when none is.
CREATE TABLE point_correction (
  series_id   integer NOT NULL REFERENCES series (id),
  -- the time of the corrected reading (the point's key with series_id)
  time        timestamptz NOT NULL,
  -- the source's revision of the reading (an integer it increases with each correction; plain readings are 0)
  revision    integer NOT NULL CHECK (revision > 0),
  -- the value replaced, in the metric's unit; null when the correction arrived before any value was stored
  old_value   double precision,
  -- the value written, in the metric's unit
  new_value   double precision NOT NULL,
  -- who sent it: `key:<id>@<OPD>`
  actor       text NOT NULL,
  -- when the server applied it
  at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (series_id, time, revision)
);
