/**
 * Upgrades: the previous release (deploy/releases.json: a commit of this repository, unpacked with `git
 * archive`) is started on a fresh database and fed through its own API and CLI; then this release starts on
 * the same database, migrates it, and must serve everything the old one stored — readings, events, accounts,
 * keys — with the audit chain intact, and take new data. A database migrated by a newer release is refused
 * with one sentence. Run as processes, as an operator would (`npm run server`, `npm run admin`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../support/db';

const ROOT = join(import.meta.dirname, '../..');
const exec = promisify(execFile);
const [, adminUrl] = Object.entries(inject('backends'))[0]!;

interface Releases {
  previous: { version: string; commit: string };
}

let work: string;
let old: string;
let db: { url: string; drop(): Promise<void> };
const running = new Set<ChildProcess>();

/** The previous release's tree, with our node_modules when they hold its lockfile's versions, else its own `npm ci`. */
async function unpackPrevious(commit: string, into: string): Promise<void> {
  try {
    await exec('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: ROOT });
  } catch {
    throw new Error(`the previous release ${commit} (deploy/releases.json) is not in this clone's history: fetch it (git fetch --unshallow)`);
  }
  const tarball = join(into, '..', 'previous.tar');
  await exec('git', ['archive', '--output', tarball, commit], { cwd: ROOT });
  await exec('tar', ['-xf', tarball, '-C', into]);
  // the old release runs on exactly its lockfile's versions: ours serve when they hold every one of them
  // (packages added since do not matter), else it gets its own `npm ci`
  const lock = async (dir: string) =>
    (JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> }).packages;
  const [theirs, ours] = await Promise.all([lock(into), lock(ROOT)]);
  const differing = Object.entries(theirs).filter(([path, p]) => path !== '' && ours[path]?.version !== p.version);
  if (differing.length === 0) await symlink(join(ROOT, 'node_modules'), join(into, 'node_modules'));
  else await exec('npm', ['ci', '--no-audit', '--no-fund'], { cwd: into, maxBuffer: 64 * 1024 * 1024 });
}

const env = (extra: Record<string, string> = {}) =>
  ({
    ...process.env,
    DATABASE_URL: db.url,
    DATA_DIR: join(work, 'data'),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    CLIENT_DIST_DIR: '/nonexistent',
    ...extra,
  }) as NodeJS.ProcessEnv;

/** Runs the admin CLI of a tree; its stdout (a non-zero exit throws, unless `mayFail`). */
const admin = async (tree: string, args: string[], input?: string, mayFail = false) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], { cwd: tree, env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => (out += b));
  child.stderr.on('data', (b) => (err += b));
  child.stdin.end(input ?? '');
  const code = await new Promise<number | null>((r) => child.once('close', r));
  if (code !== 0 && !mayFail) throw new Error(`admin ${args.join(' ')} exited ${code}: ${err}`);
  return out.trim();
};

/** Starts `server/index.ts` of a tree; resolves with its URL once it listens (or rejects with its output). */
function startServer(tree: string, logFile: string): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], { cwd: tree, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const log = createWriteStream(logFile);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 90 s:\n${output}`)), 90_000);
    const onData = (b: Buffer) => {
      log.write(b);
      output += b.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`server exited ${code} before listening:\n${output}`), { output, code }));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sinergi-upgrade-'));
  old = join(work, 'previous');
  await exec('mkdir', ['-p', old]);
  const releases = JSON.parse(await readFile(join(ROOT, 'deploy/releases.json'), 'utf8')) as Releases;
  await unpackPrevious(releases.previous.commit, old);
  db = await createTestDatabase(adminUrl);
}, 600_000);

afterAll(async () => {
  for (const c of running) await stop(c);
  await db?.drop();
  await rm(work, { recursive: true, force: true });
});

const post = (url: string, path: string, key: string, body: unknown) =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });

describe('upgrade from the previous release', () => {
  it('start old, ingest, upgrade, verify: readings, events, accounts and the audit chain carry over', async () => {
    // the previous release, as an operator would set it up
    await admin(old, ['seed', 'demo']);
    const key = await admin(old, ['key', 'create', '--agency', 'BPBD']);
    const kominfo = await admin(old, ['key', 'create', '--agency', 'DISKOMINFO']);
    await admin(old, ['user', 'add', '--username', 'budi', '--role', 'operator'], 'rahasia-budi-123\n');
    const before = await startServer(old, join(work, 'previous.log'));
    const t = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
    const points = Array.from({ length: 30 }, (_, i) => ({ metric: 'water_level', entity: 'PA-UPGRADE', time: t + i * 60_000, value: 100 + i }));
    expect((await post(before.url, '/api/v1/ingest', key, { points })).status).toBe(202);
    const events = [
      { kind: 'complaint', id: 'UPG-1', status: 'received', time: t, category: 'jalan' },
      { kind: 'complaint', id: 'UPG-1', status: 'verified', time: t + 60_000 },
    ];
    expect((await post(before.url, '/api/v1/events', kominfo, { events })).status).toBe(202);
    await stop(before.child);

    // this release on the same database: it migrates, and serves what the old one stored
    const after = await startServer(ROOT, join(work, 'current.log'));
    expect(await (await fetch(`${after.url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    const login = await fetch(`${after.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'budi', password: 'rahasia-budi-123' }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const series = await fetch(
      `${after.url}/api/v1/series?metric=water_level&bucket=raw&from=${new Date(t - 1).toISOString()}&to=${new Date(t + 31 * 60_000).toISOString()}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    const body = (await series.json()) as { series: { entity: string; latest: { v: number }; buckets: unknown[] }[] };
    const upgraded = body.series.find((s) => s.entity === 'PA-UPGRADE')!;
    expect(upgraded.buckets).toHaveLength(30);
    expect(upgraded.latest.v).toBe(129);
    // the old key still writes, and the new release's own data (migration 040) is there
    expect(
      (
        await post(after.url, '/api/v1/ingest', key, {
          points: [{ metric: 'water_level', entity: 'PA-UPGRADE', time: Date.now() - 1_000, value: 131 }],
        })
      ).status,
    ).toBe(202);
    expect(
      (
        await post(after.url, '/api/v1/events', kominfo, {
          events: [{ kind: 'complaint', id: 'UPG-1', status: 'resolved', time: Date.now() - 1_000 }],
        })
      ).status,
    ).toBe(202);
    await stop(after.child);

    expect(await admin(ROOT, ['audit', 'verify'])).toMatch(/audit log intact: \d+ entries verified/);
    const audit = await admin(ROOT, ['audit', 'export', '--format', 'jsonl']);
    for (const action of ['key.created', 'user.created', 'complaint.status_changed']) expect(audit).toContain(`"action":"${action}"`);
    expect(audit.match(/complaint\.status_changed/g)).toHaveLength(3); // two before the upgrade, one after
    const doctor = await admin(ROOT, ['doctor'], undefined, true); // fails on the missing backups: only the schema line matters here
    expect(doctor).toMatch(/OK {4}schema {7}up to date/);
  }, 300_000);

  it('refuses, in one sentence, a database that a newer release migrated', async () => {
    const pg = (await import('pg')).default;
    const c = new pg.Client(db.url);
    await c.connect();
    await c.query(`INSERT INTO schema_migration (version, name) VALUES (998, '998_from_a_newer_release.sql')`);
    await c.end();
    const refused = await startServer(ROOT, join(work, 'refused.log')).catch((e: { output: string; code: number }) => e);
    expect((refused as { code: number }).code).toBe(1);
    const output = (refused as { output: string }).output.trim();
    expect(output).toMatch(
      /^the database was migrated by a newer Sinergi \(it has migration 998_from_a_newer_release\.sql, .*\): run that newer release, or restore a backup made before the upgrade\.$/,
    );
    expect(output).not.toMatch(/^\s+at /m);
  }, 120_000);
});
