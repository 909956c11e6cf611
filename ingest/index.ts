/** `npm run ingest -- --config <file>`: runs the configured sources in their own process. */
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from './log';
import { loadWorkerConfig } from './config';
import { startWorker } from './worker';

const { values } = parseArgs({ options: { config: { type: 'string' } } });
if (!values.config) {
  console.error('usage: npm run ingest -- --config <file.json>');
  process.exit(2);
}
const log = createLogger(process.env.LOG_LEVEL ?? 'info', 'sinergi-ingest');
try {
  const config = await loadWorkerConfig(values.config);
  const worker = await startWorker(config, log, { baseDir: dirname(resolve(values.config)) });
  const statsTimer = setInterval(() => log.info({ ...worker.deliverer.stats(), spool: worker.spool.depth() }, 'delivery stats'), 60_000);
  statsTimer.unref();
  let stopping = false;
  // Started by the demo: do not outlive it, even if it was killed without a chance to stop us.
  const parent = Number(process.env.SINERGI_PARENT_PID);
  if (parent > 0) {
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        log.warn({ parent }, 'parent process gone; stopping');
        process.exit(0);
      }
    }, 2_000).unref();
  }
  // One Ctrl-C reaches the worker twice (the terminal's SIGINT to the process group, then the demo's SIGTERM):
  // a repeat within 2 s is the same request to stop, a later one exits at once.
  let stoppingAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        if (Date.now() - stoppingAt < 2_000) return;
        process.exit(1);
      }
      stopping = true;
      stoppingAt = Date.now();
      worker.stop().then(() => process.exit(0));
    });
  }
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
