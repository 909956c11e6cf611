/**
 * `npm run bench:slow-clients`: 2,000 hostile `/public` clients that subscribe and then never read (issue
 * 14.2), against the production build (`npm run build:server`, run with plain node in a child process, as
 * systemd does). Reading observers measure delivery latency (ingest → observer) of a marker reading posted
 * every 100 ms; the server's RSS is sampled from /proc each second. Three phases: before the hostile clients,
 * while they are connected, and after they are gone — plus the slowest /healthz answer of each phase (the
 * freeze the issue saw when they left).
 *
 *   BENCH_HOSTILE (2000)  BENCH_OBSERVERS (20)  BENCH_PHASE_S (20)  BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { io as connect, type Socket } from 'socket.io-client';
import pg from 'pg';
import { createIngestKey } from '../db/queries/credentials';
import { seedDemo } from '../db/seed';
import { openStorage } from '../db/storage';
import { hostileSubscriber, type HostileSocket } from '../tests/support/hostile-socket';

const HOSTILE = Number(process.env.BENCH_HOSTILE ?? 2_000);
const OBSERVERS = Number(process.env.BENCH_OBSERVERS ?? 20);
const PHASE_MS = Number(process.env.BENCH_PHASE_S ?? 20) * 1_000;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PORT = 18_000 + (process.pid % 1_000);
const URL_ = `http://127.0.0.1:${PORT}`;

const dbName = `bench_slow_${process.pid}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`);
const storage = await openStorage({ databaseUrl: dbUrl, dataDir: '/nonexistent' });
await seedDemo(storage.pool);
const key = (await createIngestKey(storage.pool, 'BPBD', 'bench')).key;
await storage.close();

const server = spawn(process.execPath, ['dist/server/index.js'], {
  env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'development' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${URL_}/readyz`)).ok) break;
  } catch {
    /* starting */
  }
  if (i > 300) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 100));
}

// observers: every marker's delivery latency
const latencies: number[] = [];
const observers: Socket[] = [];
for (let i = 0; i < OBSERVERS; i++) {
  const s = connect(`${URL_}/public`, { transports: ['websocket'], forceNew: true });
  s.on('points:appended', (m: { metric: string; points: { t: number; v: number }[] }) => {
    if (m.metric !== 'water_level') return;
    const now = Date.now();
    for (const p of m.points) if (p.v >= 1_000_000) latencies.push(now - (p.v - 1_000_000));
  });
  await new Promise<void>((r) => s.once('connect', () => r()));
  await s.timeout(10_000).emitWithAck('series:subscribe', { metrics: ['water_level'], historyMinutes: 0 });
  observers.push(s);
}

// load: 200 gauges every 100 ms, and the marker (value = its posting time, to measure latency)
let stopLoad = false;
let round = 0;
const load = (async () => {
  while (!stopLoad) {
    const t = Date.now();
    const points = Array.from({ length: 200 }, (_, i) => ({ metric: 'water_level', entity: `BENCH-${i}`, time: t, value: 100 + (round % 40) }));
    points.push({ metric: 'water_level', entity: 'BENCH-MARK', time: t, value: 1_000_000 + t });
    round++;
    try {
      await fetch(`${URL_}/api/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ points }),
      });
    } catch {
      /* counted as latency */
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - t))));
  }
})();

async function phase(name: string): Promise<Record<string, string | number>> {
  latencies.length = 0;
  const rss: number[] = [];
  let worstHealthz = 0;
  const end = Date.now() + PHASE_MS;
  while (Date.now() < end) {
    rss.push(rssMiB());
    const t = Date.now();
    try {
      await fetch(`${URL_}/healthz`, { signal: AbortSignal.timeout(10_000) });
    } catch {
      /* a timeout counts as 10 s */
    }
    worstHealthz = Math.max(worstHealthz, Date.now() - t);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return {
    phase: name,
    markers: sorted.length,
    'p50 ms': q(0.5),
    'p99 ms': q(0.99),
    'RSS min MiB': Math.round(Math.min(...rss)),
    'RSS max MiB': Math.round(Math.max(...rss)),
    'worst /healthz ms': worstHealthz,
  };
}

const rows = [await phase('before')];
const hostile: HostileSocket[] = [];
for (let i = 0; i < HOSTILE; i += 100) {
  const batch = await Promise.allSettled(Array.from({ length: Math.min(100, HOSTILE - i) }, () => hostileSubscriber(URL_, ['water_level'])));
  for (const b of batch) if (b.status === 'fulfilled') hostile.push(b.value);
}
const connectedHostile = hostile.length;
rows.push({ ...(await phase(`during (${connectedHostile} hostile)`)) });
for (const h of hostile) h.destroy();
rows.push(await phase('after'));
stopLoad = true;
await load;
for (const s of observers) s.disconnect();
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
await admin.query(`DROP DATABASE ${dbName}`);
await admin.end();

console.log(
  `bench:slow-clients — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`,
);
console.log(`${OBSERVERS} observers, ${PHASE_MS / 1000} s per phase, 201 readings per 100 ms`);
console.table(rows);
process.exit(0);
