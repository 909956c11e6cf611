/**
 * The worker: runs the configured sources, spools what they hand over, delivers the spool, and reports each
 * source's health to the server and its counters as Prometheus metrics.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { fitError, type SourceHealthReport } from '../shared/feeds';
import { createSourceContext, type QuarantineEntry } from './context';
import type { WorkerConfig } from './config';
import { createDeliverer, type Deliverer } from './deliver';
import type { NormalisedRecord, Source, SourceDefinition, SourceLogger } from './source';
import { SOURCE_DEFINITIONS } from './sources';
import { openSpool, type Spool, type SpoolLine } from './spool';

/** Health of one source per OPD it delivers for, as the server stores it. */
type SourceHealth = SourceHealthReport;

interface SourceState {
  source: Source;
  type: string;
  opds: Set<string>;
  accepted: number;
  acceptedAtLastReport: number;
  quarantined: number;
  lastSuccess: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface Worker {
  spool: Spool;
  deliverer: Deliverer;
  health(): SourceHealth[];
  /** Total records each source handed over and what became of them. */
  counts(): { accepted: number; quarantined: number };
  /** Stops the sources; waits up to drainMs for the spool to empty (what remains is sent next start). */
  stop(opts?: { drainMs?: number }): Promise<void>;
}

export interface WorkerOptions {
  clock?: () => number;
  /** Extra source types (tests, plug-ins) besides the built-in ones. */
  definitions?: readonly SourceDefinition[];
  /** Folder relative source paths resolve against (the config file's). */
  baseDir?: string;
}

const QUARANTINE_LANE_FALLBACK = '_quarantine';

export async function startWorker(config: WorkerConfig, log: SourceLogger, options: WorkerOptions = {}): Promise<Worker> {
  const clock = options.clock ?? Date.now;
  const definitions = [...SOURCE_DEFINITIONS, ...(options.definitions ?? [])];
  const spool = await openSpool({ ...config.spool, log });
  const firstKey = Object.keys(config.keys)[0]!;
  const deliverer = createDeliverer({
    spool,
    serverUrl: config.server.url,
    // quarantine entries of sources without an OPD travel with any key; the server records them as such
    keys: { ...config.keys, [QUARANTINE_LANE_FALLBACK]: config.keys[firstKey]! },
    maxBatch: config.delivery.maxBatch,
    maxBackoffMs: config.delivery.maxBackoffMs,
    log,
    now: clock,
  });

  const registry = new Registry();
  const recordsTotal = new Counter({
    name: 'sinergi_ingest_records_total',
    help: 'Records handed over by sources',
    labelNames: ['source', 'outcome'],
    registers: [registry],
  });
  const quarantineTotal = new Counter({
    name: 'sinergi_ingest_quarantined_total',
    help: 'Records sent to the quarantine',
    labelNames: ['source'],
    registers: [registry],
  });
  new Gauge({
    name: 'sinergi_spool_records',
    help: 'Records in the spool not yet accepted by the server',
    registers: [registry],
    collect() {
      this.set(spool.depth().records);
    },
  });
  new Gauge({
    name: 'sinergi_spool_bytes',
    help: 'Bytes of spool not yet accepted by the server',
    registers: [registry],
    collect() {
      this.set(spool.depth().bytes);
    },
  });
  new Gauge({
    name: 'sinergi_spool_dropped_records',
    help: 'Records dropped because the spool was full',
    registers: [registry],
    collect() {
      this.set(spool.dropped());
    },
  });
  new Gauge({
    name: 'sinergi_delivery_retries',
    help: 'Failed delivery attempts since start',
    registers: [registry],
    collect() {
      this.set(deliverer.stats().retries);
    },
  });

  const states: SourceState[] = [];
  const timers: NodeJS.Timeout[] = [];
  let stopping = false;

  for (const sc of config.sources) {
    const def = definitions.find((d) => d.type === sc.type);
    if (!def) throw new Error(`unknown source type '${sc.type}'`);
    const stateDir = join(config.spool.dir, '..', 'sources', sc.name);
    // source state (cursors, fetched pages) is as private as the spool (issue 13.15)
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await chmod(join(stateDir, '..'), 0o700);
    await chmod(stateDir, 0o700);
    const { type: _t, name: _n, opd: _o, mapping: _m, ...own } = sc;
    const parsed = def.configSchema.parse(own) as Record<string, unknown>;
    const common = { name: sc.name, ...(sc.opd ? { opd: sc.opd } : {}), ...(sc.mapping ? { mapping: sc.mapping } : {}) };
    const source = await def.create({ ...parsed, ...common }, { baseDir: options.baseDir ?? process.cwd() });
    const state: SourceState = {
      source,
      type: sc.type,
      opds: new Set(sc.opd ? [sc.opd] : []),
      accepted: 0,
      acceptedAtLastReport: 0,
      quarantined: 0,
      lastSuccess: null,
      lastError: null,
      lastErrorAt: null,
    };
    states.push(state);
    const ctx = createSourceContext({
      source: sc.name,
      opd: sc.opd,
      mapping: sc.mapping,
      stateDir,
      log,
      now: clock,
      sink: {
        async accept(records: readonly NormalisedRecord[]) {
          const byLane = new Map<string, SpoolLine[]>();
          for (const r of records) {
            state.opds.add(r.opd);
            const lines = byLane.get(r.opd) ?? [];
            lines.push('point' in r ? { k: 'p', b: r.point } : { k: 'e', b: r.event });
            byLane.set(r.opd, lines);
          }
          for (const [lane, lines] of byLane) await spool.append(lane, lines);
          state.accepted += records.length;
          state.lastSuccess = clock();
          recordsTotal.inc({ source: sc.name, outcome: 'accepted' }, records.length);
        },
        async quarantine(entry: QuarantineEntry) {
          await spool.append(entry.opd ?? QUARANTINE_LANE_FALLBACK, [{ k: 'q', b: entry }]);
          state.quarantined++;
          recordsTotal.inc({ source: sc.name, outcome: 'quarantined' });
          quarantineTotal.inc({ source: sc.name });
          log.warn({ source: sc.name, origin: entry.origin, reason: entry.reason }, 'record quarantined');
        },
      },
    });

    const failed = (e: unknown) => {
      state.lastError = (e as Error)?.message ?? String(e);
      state.lastErrorAt = clock();
      log.error({ source: sc.name, err: e }, 'source round failed');
    };
    if (source.mode === 'poll') {
      let busy = false;
      const tick = async () => {
        if (busy || stopping) return; // a slow round is not stacked on itself
        busy = true;
        try {
          await source.poll(ctx);
          state.lastSuccess = clock();
        } catch (e) {
          failed(e);
        } finally {
          busy = false;
        }
      };
      void tick();
      timers.push(setInterval(tick, source.intervalMs));
    } else {
      // A subscription that fails to start is retried with backoff; once up, the source reconnects itself.
      const start = async (attempt: number): Promise<void> => {
        if (stopping) return;
        try {
          await source.subscribe(ctx);
          state.lastSuccess = clock();
        } catch (e) {
          failed(e);
          const t = setTimeout(() => void start(attempt + 1), Math.min(30_000, 500 * 2 ** attempt));
          timers.push(t);
        }
      };
      void start(0);
    }
    log.info({ source: sc.name, type: sc.type, mode: source.mode }, 'source started');
  }

  let lastReport = clock();
  const health = (): SourceHealth[] => {
    const elapsedS = Math.max(0.001, (clock() - lastReport) / 1000);
    return states.flatMap((s) =>
      [...s.opds].map((opd) => ({
        source: s.source.name,
        type: s.type,
        opd,
        expectedIntervalMs: s.source.mode === 'poll' ? s.source.intervalMs : null,
        reportIntervalMs: config.healthIntervalMs,
        lastSuccess: s.lastSuccess,
        lastError: s.lastError === null ? null : fitError(s.lastError),
        lastErrorAt: s.lastErrorAt,
        recordsPerSecond: Math.round(((s.accepted - s.acceptedAtLastReport) / elapsedS) * 10) / 10,
        quarantined: s.quarantined,
        spoolDepth: spool.depth(opd).records,
        // the spool is the worker's, shared by its sources: each reports it (issue 14.1, 14.6)
        spoolFull: spool.writeHealth().failing,
        spoolDropped: spool.dropped(),
      })),
    );
  };

  async function reportHealth(): Promise<void> {
    const report = health();
    lastReport = clock();
    for (const s of states) s.acceptedAtLastReport = s.accepted;
    const byOpd = new Map<string, SourceHealth[]>();
    for (const h of report) byOpd.set(h.opd, [...(byOpd.get(h.opd) ?? []), h]);
    for (const [opd, sources] of byOpd) {
      const key = config.keys[opd];
      if (!key) continue;
      try {
        const res = await fetch(new URL('/api/v1/sources/health', config.server.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ sources }),
          signal: AbortSignal.timeout(10_000),
        });
        await res.body?.cancel();
      } catch {
        // the server is away; delivery logs that already, health goes with the next report
      }
    }
  }
  const healthTimer = setInterval(() => void reportHealth(), config.healthIntervalMs);
  healthTimer.unref();

  let metricsServer: Server | null = null;
  if (config.metrics) {
    metricsServer = createServer(async (req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    });
    await new Promise<void>((r) => metricsServer!.listen(config.metrics!.port, config.metrics!.host, r));
  }

  return {
    spool,
    deliverer,
    health,
    counts: () => ({ accepted: states.reduce((n, s) => n + s.accepted, 0), quarantined: states.reduce((n, s) => n + s.quarantined, 0) }),
    async stop(opts = {}) {
      stopping = true;
      for (const t of timers) {
        clearInterval(t);
        clearTimeout(t);
      }
      clearInterval(healthTimer);
      for (const s of states) {
        try {
          await s.source.close?.();
        } catch (e) {
          log.error({ source: s.source.name, err: e }, 'source close failed');
        }
      }
      await Promise.race([deliverer.drained(), new Promise((r) => setTimeout(r, opts.drainMs ?? 3_000))]);
      await deliverer.stop();
      await spool.close();
      await new Promise<void>((r) => (metricsServer ? metricsServer.close(() => r()) : r()));
    },
  };
}
