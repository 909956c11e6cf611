/**
 * `npm run bench:ingest`: end-to-end ingest rate (source → spool → HTTP → server → database) of a worker in
 * its own process, as a ratio to the storage layer's own bulk rate measured in the same run on the same
 * database. Uses BENCH_DATABASE_URL, or an embedded PostgreSQL in a temporary directory.
 *
 *   BENCH_POINTS (default 500000)  BENCH_SERIES (default 1000)
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { pino } from 'pino';
import { createIngestKey } from '../db/queries/credentials';
import { insertPoints, upsertSeries, type ResolvedPoint } from '../db/queries/points';
import { seedDemo } from '../db/seed';
import { startEmbedded, type EmbeddedHandle } from '../db/embedded';
import { openStorage } from '../db/storage';
import { createApp } from '../server/app';

const POINTS = Number(process.env.BENCH_POINTS ?? 500_000);
const SERIES = Number(process.env.BENCH_SERIES ?? 1_000);
const BATCH = 5_000;

const dir = await mkdtemp(join(tmpdir(), 'sinergi-bench-'));
await chmod(dir, 0o755);
let embedded: EmbeddedHandle | null = null;
let baseUrl = process.env.BENCH_DATABASE_URL;
if (!baseUrl) {
  embedded = await startEmbedded({ dir: join(dir, 'pg') });
  baseUrl = embedded.url;
}
// Each phase gets a fresh database of its own, so both write into equally empty tables.
const admin = await openStorage({ databaseUrl: baseUrl, dataDir: dir, migrate: false, poolSize: 1 });
async function freshDatabase(name: string) {
  await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.pool.query(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl!);
  url.pathname = `/${name}`;
  const s = await openStorage({ databaseUrl: url.toString(), dataDir: dir, poolSize: 10 });
  await seedDemo(s.pool);
  return s;
}
const dbNames = [`sinergi_bench_storage_${process.pid}`, `sinergi_bench_e2e_${process.pid}`];
let storage = await freshDatabase(dbNames[0]!);
let pool = storage.pool;
const url = new URL(baseUrl);
const count = async () => Number((await pool.query('SELECT count(*)::int AS n FROM point')).rows[0].n);

console.log(`Sinergi ingest benchmark — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(
  `database: ${embedded ? 'embedded PostgreSQL' : url.host} (${storage.dialect}); ${POINTS.toLocaleString('en')} points over ${SERIES} series, batches of ${BATCH}`,
);

// 1. The storage layer's own bulk path: series resolved, points written with unnest in one statement a batch.
const series = await upsertSeries(
  pool,
  Array.from({ length: SERIES }, (_, i) => ({ metric: 'rainfall', entity: `BENCH-${i}`, region: null, lon: null, lat: null })),
);
const ids = series.map((s) => s.id);
const t0 = Date.now() - 400 * 86_400_000;
const bar = new SingleBar({
  format: '  storage layer  [{bar}] {percentage}% {value}/{total}',
  hideCursor: true,
  stream: process.stderr,
  noTTYOutput: false,
});
bar.start(POINTS, 0);
const started = performance.now();
for (let done = 0; done < POINTS; done += BATCH) {
  const batch: ResolvedPoint[] = [];
  for (let k = done; k < Math.min(POINTS, done + BATCH); k++) {
    batch.push({ seriesId: ids[k % SERIES]!, t: t0 + Math.floor(k / SERIES) * 10_000, v: (k % 1000) / 10, lon: null, lat: null });
  }
  await insertPoints(pool, batch);
  bar.update(Math.min(POINTS, done + BATCH));
}
const storageSeconds = (performance.now() - started) / 1000;
bar.stop();
const storageRate = POINTS / storageSeconds;
console.log(`storage layer (insertPoints, unnest): ${Math.round(storageRate).toLocaleString('en')} points/s (${storageSeconds.toFixed(1)} s)`);

// 2. End to end: the server in this process, the worker in its own, spooling to disk before sending.
await storage.close();
storage = await freshDatabase(dbNames[1]!);
pool = storage.pool;
const log = pino({ level: 'error' });
const app = await createApp({
  storage,
  log,
  config: { maxBodyBytes: 16 * 1024 * 1024, maxBatchItems: 50_000, streamTickMs: 250, clientDistDir: '/nonexistent', corsOrigins: [] },
});
await new Promise<void>((r) => app.httpServer.listen(0, '127.0.0.1', r));
const port = (app.httpServer.address() as { port: number }).port;
const key = (await createIngestKey(pool, 'BPBD', 'bench')).key;
const before = await count();
const config = join(dir, 'worker.json');
await writeFile(
  config,
  JSON.stringify({
    server: { url: `http://127.0.0.1:${port}` },
    keys: { BPBD: key },
    spool: { dir: join(dir, 'spool') },
    delivery: { maxBatch: BATCH },
    sources: [{ type: 'generator', name: 'bench', series: SERIES, perPoll: 10_000, total: POINTS, intervalMs: 50, from: t0 + 200 * 86_400_000 }],
  }),
);
const bar2 = new SingleBar({ format: '  end to end     [{bar}] {percentage}% {value}/{total}', hideCursor: true, stream: process.stderr });
bar2.start(POINTS, 0);
const spawned = performance.now();
let firstArrival: number | null = null;
const worker = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../ingest/index.ts'), '--config', config], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, LOG_LEVEL: 'warn' },
});
let firstCount = 0;
for (;;) {
  const n = (await count()) - before;
  if (firstArrival === null && n > 0) {
    firstArrival = performance.now();
    firstCount = n;
  }
  bar2.update(n);
  if (n >= POINTS) break;
  await new Promise((r) => setTimeout(r, 50));
}
const finished = performance.now();
bar2.stop();
worker.kill('SIGTERM');
// Sustained: from the first batch committed to the last (the worker's start-up is reported apart).
const e2eSeconds = (finished - firstArrival!) / 1000;
const e2eRate = (POINTS - firstCount) / e2eSeconds;
console.log(
  `end to end (worker process → spool → HTTP → server → database): ${Math.round(e2eRate).toLocaleString('en')} points/s sustained (${e2eSeconds.toFixed(1)} s; worker start-up to first commit ${((firstArrival! - spawned) / 1000).toFixed(1)} s; ${Math.round(POINTS / ((finished - spawned) / 1000)).toLocaleString('en')} points/s including it)`,
);
console.log(`ratio end to end / storage layer: ${(e2eRate / storageRate).toFixed(2)} (target ≥ 0.6)`);

await app.close();
await storage.close();
for (const name of dbNames) await admin.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.close();
await embedded?.stop();
await rm(dir, { recursive: true, force: true });
