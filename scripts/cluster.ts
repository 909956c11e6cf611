/**
 * `npm run cluster`: CLUSTER_PROCESSES server processes on one box, on ports PORT, PORT + 1, …, sharing the
 * database (DATABASE_URL) and Redis (REDIS_URL). Put nginx in front (deploy/nginx/sinergi-cluster.conf: one
 * upstream line per process). A process that exits is started again after a second (kill -9 one to watch its
 * clients move to the others and come back). Ctrl-C stops them all. On several machines, run
 * `npm run server` (or the systemd unit) on each with the same DATABASE_URL, REDIS_URL and audit key file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../server/config';

let config;
try {
  config = loadConfig();
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
}
if (!config.redis) {
  console.error('npm run cluster needs REDIS_URL (and DATABASE_URL): the processes share rooms, numbering and caches through Redis');
  process.exit(1);
}
const n = config.clusterProcesses;
const ports = Array.from({ length: n }, (_, i) => config.port + i);
const children = new Map<number, ChildProcess>();
let stopping = false;

function start(port: number): void {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../server/index.ts')], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'inherit',
  });
  children.set(port, child);
  child.once('exit', (code, signal) => {
    children.delete(port);
    if (stopping) return;
    console.error(`server on port ${port} exited (${signal ?? code}); starting it again in 1 s`);
    setTimeout(() => !stopping && start(port), 1_000);
  });
}

// the first process makes the audit key file (if new); the others start once it answers
start(ports[0]!);
const first = `http://${config.host}:${ports[0]}/readyz`;
for (let i = 0; i < 600; i++) {
  if ((await fetch(first).catch(() => null))?.ok) break;
  await new Promise((r) => setTimeout(r, 100));
}
for (const port of ports.slice(1)) start(port);
console.log(
  `${n} server processes on ports ${ports.join(', ')}; nginx upstream:\n` +
    ports.map((p) => `    server ${config.host}:${p} max_fails=1 fail_timeout=5s;`).join('\n'),
);

const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const c of children.values()) c.kill('SIGTERM');
  const exit = setInterval(() => children.size === 0 && process.exit(0), 100);
  exit.unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
