/**
 * `npm start`: the whole demo command center at one URL — embedded database, migrations, the demo city
 * and its catalog, the server, and a separate ingest worker running the city simulator through the real
 * ingest API (the last hour at once, a week of history in the background). Ctrl-C stops all of it, the
 * embedded database included; the next start reopens the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStartError } from '../db/embedded';
import { SchemaTooNewError } from '../db/migrate';
import { createIngestKey, revokeIngestKeys } from '../db/queries/credentials';
import { seedDemo } from '../db/seed';
import { simulatorConflictingProjects, simulatorEntityNames, simulatorProjectRegistry, simulatorRoadGeometry } from '../ingest/sources/simulator';
import { DEMO_OPD } from '../demo/catalog';
import { ensureDemoUsers } from '../server/auth/demo-users';
import { ConfigError, loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { onShutdownSignal, startServer, type RunningServer } from '../server/main';
import { ensureClientBuild } from './client-build';
import { bannerLines, ensureWallToken } from './demo-wall';

const started = Date.now();
/** Days of history the demo back-fills in the background (issue 15: the 24 h / 7 d charts tell a day's story). */
const DEMO_HISTORY_DAYS = 7;
const say = (m: string) => process.stderr.write(`[sinergi] ${m}\n`);

let config;
try {
  config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
} catch (e) {
  say(e instanceof ConfigError ? e.message : String(e));
  process.exit(1);
}
const log = createLogger(config.logLevel, { format: config.logFormat });

await ensureClientBuild(say);
say(config.databaseUrl ? 'connecting to DATABASE_URL…' : `starting the embedded PostgreSQL in ${config.dataDir}…`);
let server: RunningServer;
try {
  server = await startServer(config, log, {
    beforeListen: async (storage) => {
      const seeded = await seedDemo(storage.pool);
      say(`demo city ${seeded.city} seeded (${seeded.regions} regions)`);
    },
  });
} catch (e) {
  // what an operator can fix is said in one sentence; anything else is a bug and keeps its stack
  say(
    e instanceof EmbeddedStartError || e instanceof SchemaTooNewError
      ? e.message
      : `could not start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
  );
  process.exit(1);
}
const pool = server.storage.pool;

// Fresh credentials each start; the previous demo run's are revoked.
await revokeIngestKeys(pool, { label: 'demo-simulator' });
const keys: Record<string, string> = {};
for (const o of DEMO_OPD) keys[o.code] = (await createIngestKey(pool, o.code, 'demo-simulator')).key;
// The simulator's public works, registered by their OPD through the API as an agency system would.
{
  const projects = await simulatorProjectRegistry({ seed: 1 });
  const res = await fetch(`${server.url}/api/v1/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[projects[0]?.opd ?? 'DPUPR']}` },
    body: JSON.stringify({ projects }),
  });
  if (res.status !== 202) say(`project registry: ${res.status} ${await res.text()}`);
  // The known dig-once conflict: another OPD's drainage trench along the road DPUPR resurfaces (issue 20).
  const trench = await simulatorConflictingProjects({ seed: 1 });
  const dig = await fetch(`${server.url}/api/v1/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[trench.opd]}` },
    body: JSON.stringify({ projects: trench.projects }),
  });
  if (dig.status !== 202) say(`dig-once demo project: ${dig.status} ${await dig.text()}`);
}
// The road segments' lines, registered by their OPD the same way (idempotent: a restart changes nothing), so the
// wall draws congestion along the roads.
{
  const roads = await simulatorRoadGeometry({ seed: 1 });
  const res = await fetch(`${server.url}/api/v1/entities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[roads.opd]}` },
    body: JSON.stringify({ entities: roads.entities }),
  });
  if (res.status !== 200) say(`road geometry: ${res.status} ${await res.text()}`);
  // names of the gauges, containers and trucks, so the wall shows names before codes
  for (const group of await simulatorEntityNames({ seed: 1 })) {
    const r = await fetch(`${server.url}/api/v1/entities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[group.opd]}` },
      body: JSON.stringify({ entities: group.entities }),
    });
    if (r.status !== 200) say(`entity names (${group.opd}): ${r.status} ${await r.text()}`);
  }
}
// One wall device token across restarts (DATA_DIR/demo-wall-token), so open kiosk walls keep working.
const wall = await ensureWallToken(pool, config.dataDir);
// Demo accounts with readable passwords exist only outside production (which refuses to start with them).
const demoAccounts =
  config.env === 'production'
    ? []
    : await ensureDemoUsers(
        pool,
        config.env,
        DEMO_OPD.map((o) => o.code),
        { actor: `cli:${userInfo().username}`, source: 'cli' },
      );

const workerConfig = join(config.dataDir, 'demo-ingest.json');
await writeFile(
  workerConfig,
  JSON.stringify(
    {
      server: { url: server.url },
      keys,
      spool: { dir: join(config.dataDir, 'spool') },
      // the last hour at full cadence in the first poll (live data within seconds), then a week of history
      // in the background, one 2-hour chunk per poll at one point a minute (~85 polls, a few minutes)
      sources: [{ type: 'simulator', name: 'simulator', seed: 1, backfillMinutes: 60, historyDays: DEMO_HISTORY_DAYS }],
    },
    null,
    2,
  ),
  { mode: 0o600 },
);

let worker: ChildProcess | null = spawn(
  process.execPath,
  ['--import', 'tsx', join(import.meta.dirname, '../ingest/index.ts'), '--config', workerConfig],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', LOG_FORMAT: config.logFormat, SINERGI_PARENT_PID: String(process.pid) },
  },
);
worker.on('exit', (code, signal) => {
  if (worker) say(`ingest worker exited (${signal ?? code})`);
  worker = null;
});

say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s — data: ${server.storage.where}`);
for (const line of bannerLines(server.url, wall.token, demoAccounts)) say(line);
say(`wall token ${wall.kept ? 'kept from the previous run' : 'new'}; rotate it with: npm run admin -- token wall --rotate`);
say(`live data flows now; ${DEMO_HISTORY_DAYS} days of history are back-filled in the background (the 24 h / 7 d charts fill in over a few minutes)`);
say('Ctrl-C stops everything; `npm run admin -- urls` prints these addresses again.');

onShutdownSignal(log, async () => {
  const w = worker;
  if (w) {
    worker = null;
    const exited = new Promise((r) => w.once('exit', r));
    w.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  }
  await server.close();
  say('stopped.');
});
