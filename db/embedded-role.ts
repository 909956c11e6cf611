/**
 * The embedded demo database's application role: the server never runs as the cluster's superuser.
 *
 * Why. A superuser can switch off the audit log's append-only trigger, `ALTER SYSTEM`, read and write server
 * files, run programs (`COPY … TO PROGRAM`). Production connects as a non-superuser owner (docs/operations.md);
 * the embedded database, started by `npm start` on a fresh machine, used to hand the app its superuser `postgres`.
 *
 * How. The superuser (whose password stays in `embedded.json` beside the data) is used once per start, here:
 * it creates the login role `sinergi` — NOSUPERUSER, NOCREATEDB, NOCREATEROLE, NOREPLICATION, NOBYPASSRLS —
 * with its own password (`embedded-app.json`, 0600), makes it the owner of the app database and of every object
 * in its `public` schema (a cluster made before this change holds the superuser's tables: they are handed over,
 * so its data stays), and closes. The app then connects, migrates and serves as `sinergi`: migrations need
 * nothing more than an owner's rights (the embedded binaries have no TimescaleDB; a migration that needed a
 * superuser, an extension, would be run here first). Idempotent; safe on a cluster another process shares.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/** The role the app uses on the embedded database. */
export const EMBEDDED_APP_ROLE = 'sinergi';
/** The database the app uses there (the cluster's default database, where earlier versions kept the data). */
const APP_DATABASE = 'postgres';

interface AppCredentials {
  role: string;
  password: string;
}

async function appCredentials(dir: string): Promise<AppCredentials> {
  const file = join(dir, 'embedded-app.json');
  for (let attempt = 0; ; attempt++) {
    if (existsSync(file)) {
      try {
        return JSON.parse(await readFile(file, 'utf8')) as AppCredentials;
      } catch (e) {
        if (attempt > 20) throw e;
        await new Promise((r) => setTimeout(r, 50)); // another process is writing it
        continue;
      }
    }
    const created: AppCredentials = { role: EMBEDDED_APP_ROLE, password: randomBytes(24).toString('base64url') };
    try {
      await writeFile(file, JSON.stringify(created), { mode: 0o600, flag: 'wx' });
      await chmod(file, 0o600);
      return created;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * As the superuser at `superUrl`: the app role exists with the stored password and no superuser rights, owns
 * the app database and everything in its `public` schema. Returns the URL the app connects with.
 */
export async function ensureEmbeddedAppRole(superUrl: string, dir: string): Promise<string> {
  const creds = await appCredentials(dir);
  const client = new pg.Client({ connectionString: superUrl, application_name: 'sinergi-bootstrap' });
  await client.connect();
  try {
    // one bootstrap at a time (two processes starting together on a shared cluster)
    await client.query('SELECT pg_advisory_lock(1920103634)');
    const role = client.escapeIdentifier(creds.role);
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [creds.role])).rows.length > 0;
    await client.query(
      `${exists ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${client.escapeLiteral(creds.password)}`,
    );
    await client.query(`ALTER DATABASE ${client.escapeIdentifier(APP_DATABASE)} OWNER TO ${role}`);
    await client.query(`ALTER SCHEMA public OWNER TO ${role}`);
    // Objects made as the superuser (a cluster from before this change): handed to the app role. Sequences
    // owned by a column follow their table; triggers and indexes follow theirs.
    const { rows } = await client.query<{ stmt: string }>(
      `SELECT format('ALTER %s %s OWNER TO %I',
                     CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                                    WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                     c.oid::regclass, $1::text) AS stmt
         FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $1)
          AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
       UNION ALL
       SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $1::text)
         FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = $1)
       UNION ALL
       SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, $1::text)
         FROM pg_type t
        WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'm')
          AND t.typowner <> (SELECT oid FROM pg_roles WHERE rolname = $1)`,
      [creds.role],
    );
    for (const r of rows) await client.query(r.stmt);
    await client.query('SELECT pg_advisory_unlock(1920103634)');
  } finally {
    await client.end();
  }
  const url = new URL(superUrl);
  url.username = encodeURIComponent(creds.role);
  url.password = encodeURIComponent(creds.password);
  url.pathname = `/${APP_DATABASE}`;
  return url.toString();
}
