/**
 * `npm run build:server`: the server and the ingest worker as plain JavaScript for production (issue 14.2).
 * Under `tsx` every stack trace is source-mapped when it is built, and a server with 2,000 slow sockets built
 * one for every queued write that failed, freezing it for ~48 s. Production runs `node dist/server/index.js`
 * (deploy/systemd, deploy/Dockerfile) with no loader at all. Dependencies stay in node_modules (not bundled);
 * the SQL migrations are copied beside the server bundle, where db/migrate.ts looks for them
 * (`import.meta.dirname/migrations`). External source maps are written for reading a trace offline; Node does
 * not load them unless asked (`--enable-source-maps`).
 */
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist');

// the server's worker threads are their own entry points, beside index.js (server/public/publication-pool.ts)
for (const [name, entries] of [
  ['server', { index: 'server/index.ts', 'publication-worker': 'server/public/publication-worker.ts' }],
  ['ingest', { index: 'ingest/index.ts' }],
] as const) {
  await rm(join(OUT, name), { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    outdir: join(OUT, name),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'external',
    legalComments: 'none',
    logLevel: 'warning',
  });
  console.log(`built dist/${name}/index.js`);
}
await cp(join(ROOT, 'db', 'migrations'), join(OUT, 'server', 'migrations'), { recursive: true });
console.log('copied db/migrations to dist/server/migrations');
