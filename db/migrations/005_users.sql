-- 005: people who log in. Passwords are argon2id hashes (PHC strings, `$argon2id$…`); a login session is an
-- access_token row that points at its user and expires, so the /live handshake and REST bearer auth accept it
-- unchanged. Device tokens (walls) keep user_id and expires_at null.

CREATE TABLE users (
  id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- stored lower-case so `Budi` and `budi` are one account
  username        text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  -- argon2id PHC string; never the password
  password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  role            text NOT NULL CHECK (role IN ('admin', 'operator', 'agency')),
  opd_code        text REFERENCES opd (code),
  -- base32 TOTP secret (RFC 6238) when the second factor is on; never logged nor returned by the API
  totp_secret     text,
  -- the last TOTP time step (30 s periods since the epoch) accepted, so a code cannot be replayed
  totp_last_step  bigint,
  -- consecutive failed logins since the last success or lock
  failed_logins   integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until    timestamptz,
  -- set by the demo seeder; production mode refuses to start while any enabled user still has it
  demo_password   boolean NOT NULL DEFAULT false,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  disabled_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'agency') = (opd_code IS NOT NULL))
);

ALTER TABLE access_token
  ADD COLUMN user_id integer REFERENCES users (id) ON DELETE CASCADE,
  -- null: a device token without expiry
  ADD COLUMN expires_at timestamptz;
CREATE INDEX access_token_user_idx ON access_token (user_id) WHERE user_id IS NOT NULL;
