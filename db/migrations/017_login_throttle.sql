-- 017: failed logins slow down the one who fails instead of locking the account (issue 13, item 9). Five
-- anonymous wrong passwords used to lock any account, `operator` included, for 15 minutes: a denial of service
-- during an emergency. Failures now count per (typed username, where from): a client address, or a device that
-- logged in as that user before; each failure beyond the free ones doubles the wait, for that pair only. An
-- account-wide count (origin 'any') slows guesses spread over many addresses, but never a known device.
-- Kept in the database so `admin user unlock` (another process) can clear it.

CREATE TABLE login_throttle (
  -- the username as typed, normalised (unknown names are throttled alike, so the wait reveals nothing)
  username       text NOT NULL,
  -- 'addr:<client address>', 'device:<login_device id>', or 'any' (the account-wide count)
  origin         text NOT NULL,
  failures       integer NOT NULL CHECK (failures >= 0),
  -- no attempt from this origin is judged before this time
  blocked_until  timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (username, origin)
);
CREATE INDEX login_throttle_updated_idx ON login_throttle (updated_at);

-- A browser that logged in as a user gets a device secret (stored by the client, SHA-256 here); presenting
-- it with a later login puts that attempt in its own throttle bucket, untouched by failures elsewhere.
CREATE TABLE login_device (
  id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  secret_hash   bytea NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_device_user_idx ON login_device (user_id, last_used_at DESC);
