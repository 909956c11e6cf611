/** The worker: polls each source on its cadence and hands what it yields to the deliverer. */
import type { Logger } from 'pino';
import type { WorkerConfig } from './config';
import { createDeliverer, type Deliverer } from './deliver';
import type { Source } from './source';
import { createSource } from './sources';

export interface Worker {
  deliverer: Deliverer;
  stop(opts?: { drainMs?: number }): Promise<void>;
}

export async function startWorker(config: WorkerConfig, log: Logger, clock: () => number = Date.now): Promise<Worker> {
  const deliverer = createDeliverer({
    serverUrl: config.server.url,
    keys: config.keys,
    ...config.delivery,
    log,
  });
  const sources: Source[] = [];
  for (const sc of config.sources) sources.push(await createSource(sc));
  const timers: NodeJS.Timeout[] = [];
  for (const source of sources) {
    let busy = false;
    const tick = async () => {
      if (busy) return; // a slow poll is not stacked on itself
      busy = true;
      try {
        const deliveries = await source.poll(clock());
        deliverer.enqueue(deliveries);
      } catch (e) {
        log.error({ err: e, source: source.name }, 'source poll failed');
      } finally {
        busy = false;
      }
    };
    void tick();
    timers.push(setInterval(tick, source.intervalMs));
    log.info({ source: source.name, intervalMs: source.intervalMs }, 'source started');
  }
  return {
    deliverer,
    async stop(opts = {}) {
      for (const t of timers) clearInterval(t);
      await Promise.race([deliverer.drain(), new Promise((r) => setTimeout(r, opts.drainMs ?? 3_000))]);
      deliverer.stop();
      for (const s of sources) await s.close?.();
    },
  };
}
