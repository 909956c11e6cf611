/**
 * `npm run bench:greedy [-- --seconds 30]`: the server's memory under one greedy anonymous client (issue 13,
 * item 2). The server runs as its own process against a fresh database (DATABASE_URL's server, default the
 * local PostgreSQL) with a day of readings for every publik metric; the client then opens as many /public
 * sockets as its address may, and on each asks every publik metric with every history length from 1 to 1440
 * minutes, plus `events:subscribe` with `open: 100000`, as fast as the server answers, for `--seconds`.
 * Prints the server's RSS before, at its peak, and 15 s after the client left, and what the server refused.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { io as connect, type Socket } from 'socket.io-client';
import { createIngestKey } from '../db/queries/credentials';
import { seedDemo } from '../db/seed';
import { openStorage } from '../db/storage';
import { DEMO_METRICS } from '../demo/catalog';
import { createTestDatabase } from '../tests/support/db';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, sockets: { type: 'string', default: '300' } } });
const seconds = Number(values.seconds);
const ROOT = join(import.meta.dirname, '..');
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

console.log(`Sinergi greedy anonymous client — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);

const db = await createTestDatabase(adminUrl);
const work = await mkdtemp(join(tmpdir(), 'sinergi-greedy-'));
const storage = await openStorage({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 2 });
await seedDemo(storage.pool);
const publik = DEMO_METRICS.filter((m) => m.class === 'publik');
const ingestLater = {
  items: [] as { key: string; points: unknown[] }[],
  push: (x: { key: string; points: unknown[] }) => void ingestLater.items.push(x),
};
// a day of readings, one a minute, for 20 entities of each publik metric
const now = Date.now();
for (const m of publik) {
  const key = (await createIngestKey(storage.pool, m.ownerOpd, 'bench')).key;
  for (let e = 0; e < 20; e++) {
    const points = Array.from({ length: 1440 }, (_, i) => ({
      metric: m.code,
      entity: `BENCH-${m.code}-${e}`,
      time: now - (1440 - i) * 60_000,
      value: Math.max(m.valueMin ?? 0, Math.min(m.valueMax ?? 100, (i % 97) / 97)),
    }));
    ingestLater.push({ key, points });
  }
}
await storage.close();

const server = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
  cwd: ROOT,
  env: {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: db.url,
    DATA_DIR: join(work, 'data'),
    PORT: '0',
    BACKUP_AT: 'off',
    LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
const url = await new Promise<string>((resolve, reject) => {
  const onData = (b: Buffer) => {
    log += b.toString();
    const m = /Sinergi server listening[^\n]*?(http:\/\/127\.0\.0\.1:\d+)/.exec(log);
    if (m) resolve(m[1]!);
  };
  server.stdout!.on('data', onData);
  server.stderr!.on('data', onData);
  server.once('exit', (code) => reject(new Error(`server exited ${code}:\n${log}`)));
});
for (const { key, points } of ingestLater.items) {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ points }),
  });
  if (res.status !== 202) throw new Error(`ingest: ${res.status} ${await res.text()}`);
}
const rssMb = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024;
await new Promise((r) => setTimeout(r, 3_000));
const before = await rssMb();

const outcomes = new Map<string, number>();
const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
const sockets: Socket[] = [];
let refusedConnections = 0;
for (let i = 0; i < Number(values.sockets); i++) {
  const s = connect(`${url}/public`, { transports: ['websocket'], forceNew: true, reconnection: false });
  const ok = await new Promise<boolean>((resolve) => {
    s.once('connect', () => resolve(true));
    s.once('connect_error', () => resolve(false));
  });
  if (ok) sockets.push(s);
  else refusedConnections++;
}
let peak = before;
const sampler = setInterval(() => void rssMb().then((mb) => (peak = Math.max(peak, mb))), 250);
const until = Date.now() + seconds * 1_000;
await Promise.all(
  sockets.map(async (s, i) => {
    let h = 1 + i;
    while (Date.now() < until) {
      const ack = (await s
        .timeout(10_000)
        .emitWithAck('series:subscribe', { metrics: publik.map((m) => m.code), historyMinutes: ((h++ - 1) % 1440) + 1 })
        .catch(() => ({ ok: false, error: { code: 'timeout' } }))) as { ok: boolean; error?: { code: string } };
      count(ack.ok ? 'series ok' : `series ${ack.error!.code}`);
      const ev = (await s
        .timeout(10_000)
        .emitWithAck('events:subscribe', { kinds: ['project_milestone'], open: 100_000 })
        .catch(() => ({ ok: false, error: { code: 'timeout' } }))) as { ok: boolean; error?: { code: string } };
      count(ev.ok ? 'events ok' : `events ${ev.error!.code}`);
      if (!ack.ok) await new Promise((r) => setTimeout(r, 100));
    }
  }),
);
for (const s of sockets) s.disconnect();
await new Promise((r) => setTimeout(r, 15_000));
clearInterval(sampler);
const after = await rssMb();

console.log(
  `\n${sockets.length} sockets open (${refusedConnections} refused), ${seconds} s of requests; ${publik.length} publik metrics × 20 series × 1,440 readings`,
);
console.log('| server RSS before | peak | 15 s after | requests answered |');
console.log('|---|---|---|---|');
console.log(
  `| ${before.toFixed(0)} MB | ${peak.toFixed(0)} MB | ${after.toFixed(0)} MB | ${[...outcomes].map(([k, n]) => `${k}: ${n.toLocaleString('en')}`).join(', ')} |`,
);
server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
await db.drop();
await rm(work, { recursive: true, force: true });
