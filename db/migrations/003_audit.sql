-- 003: the append-only, hash-chained audit log. Each entry carries the hash of the previous one, so an edited
-- or deleted row breaks the chain where it happened (`admin audit verify`). The trigger refuses UPDATE and
-- DELETE from the application; the chain still catches a superuser who disables it.

CREATE TABLE audit_log (
  seq         bigint PRIMARY KEY,
  time        timestamptz NOT NULL,
  -- who: user:<name>, key:<id>@<OPD>, token:<id>, cli:<os user>, anonymous
  actor       text NOT NULL,
  -- what: login.succeeded, login.failed, key.created, key.rotated, key.revoked, sharing.granted, …
  action      text NOT NULL,
  target      text,
  detail      jsonb NOT NULL DEFAULT '{}',
  -- from where: client address, or 'cli'
  source      text,
  prev_hash   bytea NOT NULL,
  hash        bytea NOT NULL
);
CREATE INDEX audit_log_time_idx ON audit_log (time);
CREATE INDEX audit_log_action_idx ON audit_log (action, time);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
