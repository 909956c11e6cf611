/**
 * `npm run bench:public`: the public surface at scale, measured in one run on this machine.
 *
 * 1. N anonymous `/public` socket.io clients (websocket transport, subscribed like client/citizen: one
 *    `channels:subscribe` for every publik metric and the notices, the page's history minutes, 0 since issue 18
 *    (BENCH_SINGLE_SUBSCRIBE=1: one `series:subscribe` per metric, as before the batch); each client from an
 *    address of its own in 127/8; the crowd in 2–16 processes of its own) while a worker process runs the city
 *    simulator (2 s polls, as `npm start` does) plus a fixed-rate generator of live (current) traffic readings.
 *    Every 200 ms this script posts a marker reading (rainfall, entity BENCH-PROBE, value = sequence / 1000)
 *    through the ingest API; each client records when the marker arrives → delivery latency per client per
 *    marker (ingest → client).
 *    The server runs in a child process: its CPU (process.cpuUsage) and RSS (gc first) are its own. With
 *    `-- --processes N --nginx` it is N processes sharing Redis (cluster mode, as REDIS_URL starts them) behind
 *    Debian's nginx running deploy/nginx/sinergi-cluster.conf; CPU and memory are summed over the processes and
 *    nginx. "CPU per delivered frame" = that CPU over the window / the frames the clients received.
 * 2. The floor: a minimal raw `ws` server (child process) broadcasting a marker of the same frame size to N
 *    raw `ws` clients, one pre-encoded buffer per marker, nothing else.
 * 3. The public page's budget, on a production build of the current sources made for this run: initial
 *    JavaScript of /public gzipped (entry module, its modulepreloads and static imports), and first meaningful
 *    content in headless Chromium on WebPageTest's "3G Slow" profile (400 kbit/s down and up, 400 ms RTT, applied
 *    through CDP Network.emulateNetworkConditions), with and without 4× CPU throttling; DevTools' legacy "Slow 3G"
 *    (2,000 ms per-request latency, 500 kbit/s × 0.9) once as a harsher reference. First meaningful content =
 *    the title and a headline number painted (the server-rendered shell carries both); "app shown" = the
 *    live app has replaced the shell.
 *
 * Loopback only (127.0.0.1); every phase is bounded and the whole run has a watchdog.
 *
 *   BENCH_CLIENTS (default "1000,5000")  BENCH_WINDOW_S (30)  BENCH_BASELINE_S (10)  BENCH_TICK_MS (100,
 *   the server's default STREAM_TICK_MS)  BENCH_GEN_RATE (generator points/s, 50; 0: simulator only)
 *   BENCH_BROWSER_RUNS (3 per profile; 0 skips the browser)  BENCH_SKIP_WS=1  BENCH_DATABASE_URL
 *   BENCH_MAX_MINUTES (watchdog, 40)  CHROMIUM_PATH (/usr/bin/chromium)  BENCH_CLIENT_PROCS (0: one per
 *   BENCH_CLIENTS_PER_PROC clients, 1,250, at least 2, at most 16)  BENCH_HISTORY_MINUTES (what the page asks)
 *   BENCH_RAMP_CONCURRENCY (200 per client process)  BENCH_CPU_PROF (dir for the servers' V8 CPU profiles)
 *   BENCH_TRACE (file prefix: each server appends one line per /public fan-out to <prefix>.<pid>: queued at, ms
 *   until its last socket was written, frames, bytes, rooms)
 *   BENCH_REDIS_URL / REDIS_URL (redis://127.0.0.1:6379, with --processes)  BENCH_MARKER_MS (200)
 *   BENCH_RAMP_MAX_S (840: past it the run measures the clients that connected and says how many did not)
 *   BENCH_CROWD_NICE (0: the crowd's processes at this niceness, below the server's priority)
 *   BENCH_CROWD=lean (the socket.io crowd speaks the protocol on raw `ws` with the floor client's work per frame)
 *   BENCH_BACKLOG_POINTS (0) BENCH_BACKLOG_EVERY_S (5): during each socket.io window, a feed coming back after an
 *   outage: every BENCH_BACKLOG_EVERY_S seconds one ingest POST of this many `water_level` readings of the past
 *   hour (20 gauges BENCH-LATE-*, evenly spread, the newest now), as a worker's spool drains
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';

// ───────────────────────────── shared by every role ─────────────────────────────

const SELF = import.meta.filename;
const ROOT = join(import.meta.dirname, '..');
const roleAt = process.argv.indexOf('--role');
const ROLE = roleAt > 0 ? process.argv[roleAt + 1]! : 'main';

/** CLOCK_MONOTONIC in ms: system-wide on Linux, so times taken in different processes compare. */
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const MARKER_ENTITY = 'BENCH-PROBE';
/** BENCH_MARKER_MS: how often a marker is posted (a calmer stream for the largest crowds). */
const MARKER_EVERY_MS = Number(process.env.BENCH_MARKER_MS ?? 200);
/** The marker's value encodes its sequence number (kept far below rainfall's alert thresholds). */
const markerValue = (seq: number) => seq / 1000;
const markerSeq = (v: number) => Math.round(v * 1000);

interface Rpc {
  id: number;
  op: string;
  arg?: unknown;
}
interface Stats {
  cpuUs: number;
  rss: number;
  heapUsed: number;
  /** V8's heap as reserved (young generation included) and memory outside it (buffers), servers only */
  heapTotal?: number;
  external?: number;
  /** event-loop delay since the last reset, ms */
  eld: { p50: number; p99: number; max: number };
  connections: number;
  frames: number;
  frameBytes: number;
}

function eventLoopMonitor() {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    read: () => ({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 }),
    reset: () => h.reset(),
  };
}

/** Child side of the IPC: request/response by id; exits with its parent. */
function serve(handlers: Record<string, (arg: any) => unknown>, onStop: () => Promise<void>): void {
  process.on('message', (m: Rpc) => {
    if (m.op === 'stop') {
      onStop()
        .catch(() => {})
        .finally(() => process.send!({ id: m.id, ok: true, r: null }, () => process.exit(0)));
      return;
    }
    Promise.resolve()
      .then(() => handlers[m.op]!(m.arg))
      .then(
        (r) => process.send!({ id: m.id, ok: true, r }),
        (e: unknown) => process.send!({ id: m.id, ok: false, error: String((e as Error)?.stack ?? e) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

// ───────────────────────────── role: the Sinergi server ─────────────────────────────

async function roleServer(): Promise<void> {
  const { pino } = await import('pino');
  const { openStorage } = await import('../db/storage');
  const { createApp } = await import('../server/app');
  const env = process.env;
  const storage = await openStorage({ databaseUrl: env.BENCH_DB_URL!, dataDir: env.BENCH_TMP!, migrate: false, poolSize: 10 });
  const log = pino({ level: 'warn' });
  // --processes N: one of N processes sharing Redis, as server/main.ts starts them with REDIS_URL
  const cluster = env.BENCH_REDIS_URL
    ? await (
        await import('../server/cluster/redis')
      ).createRedisCluster({
        url: env.BENCH_REDIS_URL,
        prefix: env.BENCH_REDIS_PREFIX!,
        onError: (what, err) => log.warn({ err, what }, 'cluster'),
        onEpochLost: () => {
          log.fatal('Redis lost the live numbering; a bench process cannot go on');
          process.exit(75);
        },
      })
    : null;
  const leader = cluster
    ? await (
        await import('../server/cluster/leader')
      ).createAdvisoryLeader({
        databaseUrl: env.BENCH_DB_URL!,
        retryMs: 1_000,
        onChange: () => {},
        onError: (job, err) => log.warn({ err, job }, 'leader'),
      })
    : null;
  // Instrumentation (bench only): one look per fan-out (server/realtime/fanout.ts reports it), none per socket.
  // When the marker's delivery was queued, how long until its last socket was written, how many frames left.
  const probe = Number(env.BENCH_PROBE_SERIES);
  /** [marker seq, when its delivery was queued, how long until its last socket was written] */
  const emits: [number, number, number][] = [];
  const markerFrameBytes: number[] = [];
  let frames = 0;
  let frameBytes = 0;
  // BENCH_TRACE=<file>: one line per /public fan-out (queued at, ms until its last socket was written, frames,
  // bytes, rooms), to see which deliveries make the long passes
  const trace = env.BENCH_TRACE ? `${env.BENCH_TRACE}.${process.pid}` : null;
  const observeFanout = (r: import('../server/realtime/fanout').FanoutReport) => {
    if (trace)
      appendFileSync(trace, `${(now() - r.ms).toFixed(1)} ${r.ms.toFixed(1)} ${r.frames} ${r.bytes} ${r.messages.map((m) => m.room).join('|')}\n`);
    frames += r.frames;
    frameBytes += r.bytes;
    for (const m of r.messages) {
      const msg = m.payload as { metric?: string; points?: { s: number; v: number }[] };
      const marker = m.event === 'points:appended' && msg.metric === 'rainfall' ? msg.points?.find((p) => p.s === probe) : undefined;
      if (!marker) continue;
      // engine.io '4' + socket.io '2/public,' + the JSON array, as sent
      const bytes = Buffer.byteLength(JSON.stringify([m.event, m.payload])) + 2 + '/public,'.length;
      emits.push([markerSeq(marker.v), now() - r.ms, r.ms]);
      markerFrameBytes.push(bytes);
    }
  };
  const app = await createApp({
    storage,
    log,
    observeFanout,
    ...(cluster ? { cluster } : {}),
    ...(leader ? { leader } : {}),
    config: {
      maxBodyBytes: 8 * 1024 * 1024,
      maxBatchItems: 50_000,
      streamTickMs: Number(env.BENCH_TICK_MS),
      clientDistDir: env.BENCH_DIST!,
      corsOrigins: [],
      // behind nginx: the client address is X-Forwarded-For (the per-address bounds apply per citizen)
      ...(env.BENCH_TRUST_PROXY ? { trustProxy: env.BENCH_TRUST_PROXY.split(',') } : {}),
    },
  });
  await new Promise<void>((resolve, reject) => {
    app.httpServer.once('error', reject);
    app.httpServer.listen({ port: Number(env.BENCH_PORT), host: '127.0.0.1', backlog: 4096 }, () => resolve());
  });
  // The first complaints answer starts the publication worker (a thread with its own heap, ~46 MiB under tsx):
  // a one-off per process, started here so the baseline holds it and it is not counted per connection.
  await fetch(`http://127.0.0.1:${env.BENCH_PORT}/api/public/v1/complaints/summary`).then((r) => r.arrayBuffer());

  const pub = app.io.of('/public');
  const eld = eventLoopMonitor();
  serve(
    {
      gc,
      stats: (): Stats => {
        const m = process.memoryUsage();
        const c = process.cpuUsage();
        return {
          cpuUs: c.user + c.system,
          rss: m.rss,
          heapUsed: m.heapUsed,
          heapTotal: m.heapTotal,
          external: m.external,
          eld: eld.read(),
          connections: pub.sockets.size,
          frames,
          frameBytes,
        };
      },
      resetEld: () => eld.reset(),
      emits: () => ({ emits, markerFrameBytes }),
    },
    async () => {
      await app.close();
      await leader?.close();
      await cluster?.close();
      await storage.close();
    },
  );
  process.send!({ ready: { port: Number(env.BENCH_PORT) } });
}

// ───────────────────────────── role: the raw ws floor ─────────────────────────────

async function roleWsServer(): Promise<void> {
  const { WebSocketServer } = await import('ws');
  const probe = Number(process.env.BENCH_PROBE_SERIES);
  const emits: [number, number, number][] = [];
  let frames = 0;
  let frameBytes = 0;
  const http = createHttpServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/marker') {
      res.statusCode = 404;
      return void res.end();
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { seq, size } = JSON.parse(body) as { seq: number; size: number };
      // The socket.io delta, same shape and same frame size (padded), encoded once, sent to every client.
      const base = { metric: 'rainfall', seq, series: [], points: [{ s: probe, t: Date.now(), v: markerValue(seq) }], pad: '' };
      base.pad = 'x'.repeat(Math.max(0, size - Buffer.byteLength(JSON.stringify(base))));
      const frame = Buffer.from(JSON.stringify(base));
      const t = now();
      for (const client of wss.clients) client.send(frame, { binary: false });
      emits.push([seq, t, now() - t]);
      frames += wss.clients.size;
      frameBytes += wss.clients.size * frame.length;
      res.statusCode = 202;
      res.end();
    });
  });
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  await new Promise<void>((r) => http.listen(Number(process.env.BENCH_PORT), '127.0.0.1', r));
  const eld = eventLoopMonitor();
  serve(
    {
      gc,
      stats: (): Stats => {
        const m = process.memoryUsage();
        const c = process.cpuUsage();
        return { cpuUs: c.user + c.system, rss: m.rss, heapUsed: m.heapUsed, eld: eld.read(), connections: wss.clients.size, frames, frameBytes };
      },
      resetEld: () => eld.reset(),
      emits: () => ({ emits, markerFrameBytes: [] }),
    },
    async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => http.close(() => r())));
    },
  );
  process.send!({ ready: { port: Number(process.env.BENCH_PORT) } });
}

// ───────────────────────────── role: the crowd of clients ─────────────────────────────

/**
 * Each simulated citizen connects from an address of its own in 127.0.0.0/8 (all loopback on Linux): the
 * server's per-address bounds (sockets, subscribe rate, requests in flight; issue 13) then apply to each as
 * to a real phone, and 20,000 connections do not run out of ephemeral ports of one source address.
 */
/** Clients of one process connecting at once (a crowd opens the page together, not one after another). */
const RAMP_CONCURRENCY = Number(process.env.BENCH_RAMP_CONCURRENCY ?? 200);
/** BENCH_SINGLE_SUBSCRIBE=1: one series:subscribe per metric (the page before issue 18's batch), for A/B runs. */
const SINGLE_SUBSCRIBE = process.env.BENCH_SINGLE_SUBSCRIBE === '1';
/** BENCH_RAMP_MAX_S: how long a crowd may take to connect and subscribe; the run goes on with those that did. */
const RAMP_MAX_S = Number(process.env.BENCH_RAMP_MAX_S ?? 840);
/** BENCH_CROWD=lean: the socket.io crowd speaks the protocol on raw `ws` and parses each frame once (connectLean). */
const LEAN_CROWD = process.env.BENCH_CROWD === 'lean';
/** BENCH_CROWD_NICE: the crowd's processes run at this niceness (0: as the server). */
const CROWD_NICE = Number(process.env.BENCH_CROWD_NICE ?? 0);

function citizenAddress(i: number): string {
  return `127.${100 + Math.floor(i / 62_500)}.${(Math.floor(i / 250) % 250) + 1}.${(i % 250) + 1}`;
}

async function roleClients(): Promise<void> {
  const { io } = await import('socket.io-client');
  const { WebSocket } = await import('ws');
  type SioClient = import('socket.io-client').Socket<
    import('../shared/contract').ServerToClientEvents,
    import('../shared/contract').ClientToServerEvents
  >;
  const metrics = JSON.parse(process.env.BENCH_METRICS!) as string[];
  const probe = Number(process.env.BENCH_PROBE_SERIES);
  const historyMinutes = Number(process.env.BENCH_HISTORY_MINUTES);
  let snapshotBytes = 0;
  /** The citizen page's one subscription (issue 18): every metric and the notices, in one `channels:subscribe`. */
  const citizenRequest = {
    items: [...metrics.map((m) => ({ channel: 'points', request: { metrics: [m], historyMinutes } })), { channel: 'notices', request: {} }],
  };
  type AnyAck = import('../shared/ack').Ack<unknown>;
  /** The answer of one client's `channels:subscribe`: its items' acks, or an error if the batch or an item was refused. */
  const batchAcks = (batch: import('../shared/ack').Ack<{ results: AnyAck[] }>): AnyAck[] => {
    if (!batch.ok) throw new Error(`batch refused: ${batch.error.code} ${batch.error.message}`);
    return batch.data.results;
  };
  /** Checks one client's acks; the first client's are what one citizen's first snapshots weigh (their JSON text). */
  const takeAcks = (i: number, acks: AnyAck[]): true => {
    if (i === 0) snapshotBytes = acks.reduce((a, x) => a + Buffer.byteLength(JSON.stringify(x)), 0);
    const refused = acks.find((a) => !a.ok);
    if (refused && !refused.ok) throw new Error(`subscribe refused: ${refused.error.code} ${refused.error.message}`);
    return true;
  };
  let sio: SioClient[] = [];
  let raw: InstanceType<typeof WebSocket>[] = [];
  let size = 0;
  /** Clients that connected and subscribed (latency and misses are counted over these only). */
  let ready = new Uint8Array(0);
  let arrivals = new Map<number, Float64Array>();
  let messages = 0;
  const eld = eventLoopMonitor();
  const arrive = (seq: number, i: number, t: number) => {
    let a = arrivals.get(seq);
    if (!a) arrivals.set(seq, (a = new Float64Array(size).fill(Number.NaN)));
    if (Number.isNaN(a[i]!)) a[i] = t;
  };
  const progress = (done: number, failed: number) => process.send!({ progress: { done, failed } });

  /**
   * Runs `one(i)` for i < n, `concurrency` at a time; reports progress. Bounded by BENCH_RAMP_MAX_S: past it no
   * new client starts, and the ramp answers with what it reached (those still connecting are "not done").
   */
  async function ramp(n: number, concurrency: number, one: (i: number) => Promise<boolean>) {
    let next = 0;
    let done = 0;
    let failed = 0;
    const started = now();
    const deadline = started + RAMP_MAX_S * 1000;
    const tick = setInterval(() => progress(done, failed), 250);
    /** why clients failed, counted by reason */
    const reasons: Record<string, number> = {};
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(
        Array.from({ length: Math.min(concurrency, n) }, async () => {
          while (next < n && now() < deadline) {
            const i = next++;
            const ok = await one(i).catch((e: unknown) => {
              const why = String((e as Error)?.message ?? e).slice(0, 80);
              reasons[why] = (reasons[why] ?? 0) + 1;
              return false;
            });
            if (ok) {
              done++;
              ready[i] = 1;
            } else failed++;
          }
        }),
      ),
      new Promise<void>((r) => (timer = setTimeout(r, RAMP_MAX_S * 1000))),
    ]);
    clearTimeout(timer);
    clearInterval(tick);
    progress(done, failed);
    const notDone = n - done - failed;
    if (notDone > 0) reasons[`not connected and subscribed within BENCH_RAMP_MAX_S=${RAMP_MAX_S}`] = notDone;
    return { ok: done, failed: failed + notDone, seconds: (now() - started) / 1000, reasons };
  }

  serve(
    {
      /** N socket.io clients on /public, each subscribed to the publik metrics like the citizen page. */
      connectSio: ({ url, n, offset }: { url: string; n: number; offset: number }) => {
        size = n;
        ready = new Uint8Array(n);
        sio = new Array(n);
        return ramp(n, RAMP_CONCURRENCY, async (i) => {
          const s: SioClient = io(`${url}/public`, {
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
            timeout: 60_000,
            localAddress: citizenAddress(offset + i),
          } as Parameters<typeof io>[1]);
          sio[i] = s;
          s.on('points:appended', (msg) => {
            const t = now();
            messages++;
            if (msg.metric !== 'rainfall') return;
            for (const p of msg.points) if (p.s === probe) arrive(markerSeq(p.v), i, t);
          });
          await new Promise<void>((resolve, reject) => {
            s.once('connect', resolve);
            s.once('connect_error', reject);
          });
          // as the citizen page does: one channels:subscribe for every metric and the notices (issue 18), or
          // (BENCH_SINGLE_SUBSCRIBE=1, the page before) one series:subscribe per metric
          const acks: AnyAck[] = SINGLE_SUBSCRIBE
            ? await Promise.all(metrics.map((m) => s.timeout(120_000).emitWithAck('series:subscribe', { metrics: [m], historyMinutes })))
            : batchAcks(await s.timeout(120_000).emitWithAck('channels:subscribe', citizenRequest));
          return takeAcks(i, acks);
        });
      },
      /**
       * BENCH_CROWD=lean: the citizen's subscription spoken over the socket.io protocol on a raw `ws` (engine.io 4
       * open, the `/public` namespace connect, one acknowledged `channels:subscribe`, a pong for every ping), and
       * per frame exactly the floor client's work: one JSON.parse. socket.io-client's own per-packet work (its
       * decoder, emitters, packet objects) then no longer runs on the box the server shares with the crowd.
       */
      connectLean: ({ url, n, offset }: { url: string; n: number; offset: number }) => {
        size = n;
        ready = new Uint8Array(n);
        raw = new Array(n);
        const NSP = '/public,';
        return ramp(n, RAMP_CONCURRENCY, async (i) => {
          const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
            perMessageDeflate: false,
            localAddress: citizenAddress(offset + i),
          });
          raw[i] = ws;
          let opened: ((err?: Error) => void) | null = null;
          let acked: ((ack: unknown) => void) | null = null;
          ws.on('message', (data: Buffer) => {
            const t = now();
            const text = data.toString();
            if (text.startsWith(`42${NSP}`)) {
              const [event, msg] = JSON.parse(text.slice(2 + NSP.length)) as [string, { metric?: string; points?: { s: number; v: number }[] }];
              if (event !== 'points:appended') return;
              messages++;
              if (msg.metric !== 'rainfall') return;
              for (const p of msg.points ?? []) if (p.s === probe) arrive(markerSeq(p.v), i, t);
            } else if (text === '2') ws.send('3');
            else if (text.startsWith(`43${NSP}1[`)) acked?.((JSON.parse(text.slice(3 + NSP.length)) as unknown[])[0]);
            else if (text.startsWith(`40${NSP}`)) opened?.();
            else if (text.startsWith(`44${NSP}`)) opened?.(new Error(`namespace refused: ${text.slice(0, 120)}`));
            else if (text.startsWith('0{')) ws.send(`40${NSP}`);
          });
          await new Promise<void>((resolve, reject) => {
            opened = (err) => (err ? reject(err) : resolve());
            ws.once('error', reject);
            ws.once('close', () => reject(new Error('closed before the namespace opened')));
          });
          let timer: NodeJS.Timeout | undefined;
          const batch = await new Promise<unknown>((resolve, reject) => {
            acked = resolve;
            timer = setTimeout(() => reject(new Error('subscribe: no acknowledgement in 120 s')), 120_000);
            ws.send(`42${NSP}1${JSON.stringify(['channels:subscribe', citizenRequest])}`);
          }).finally(() => clearTimeout(timer));
          return takeAcks(i, batchAcks(batch as Parameters<typeof batchAcks>[0]));
        });
      },
      connectWs: ({ url, n, offset }: { url: string; n: number; offset: number }) => {
        size = n;
        ready = new Uint8Array(n);
        raw = new Array(n);
        return ramp(n, RAMP_CONCURRENCY, async (i) => {
          const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: citizenAddress(offset + i) });
          raw[i] = ws;
          ws.on('message', (data: Buffer) => {
            const t = now();
            messages++;
            const msg = JSON.parse(data.toString()) as { metric: string; points: { s: number; v: number }[] };
            for (const p of msg.points) if (p.s === probe) arrive(markerSeq(p.v), i, t);
          });
          await new Promise<void>((resolve, reject) => {
            ws.once('open', resolve);
            ws.once('error', reject);
          });
          return true;
        });
      },
      stats: () => {
        const m = process.memoryUsage();
        const c = process.cpuUsage();
        const connected = sio.filter((s) => s?.connected).length + raw.filter((w) => w?.readyState === WebSocket.OPEN).length;
        return {
          cpuUs: c.user + c.system,
          rss: m.rss,
          heapUsed: m.heapUsed,
          eld: eld.read(),
          connections: connected,
          frames: messages,
          frameBytes: 0,
        } satisfies Stats;
      },
      resetEld: () => eld.reset(),
      /**
       * Latency (arrival − send) and fan-out (arrival − server emit) over the given markers, this process's
       * clients, as raw samples (the orchestrator merges the processes).
       */
      report: ({ sends, emits }: { sends: [number, number][]; emits: [number, number, number][] }) => {
        const emitAt = new Map(emits.map(([seq, t]) => [seq, t]));
        const lat: number[] = [];
        const fan: number[] = [];
        let missed = 0;
        for (const [seq, sent] of sends) {
          const a = arrivals.get(seq);
          const e = emitAt.get(seq);
          for (let i = 0; i < size; i++) {
            if (!ready[i]) continue; // never connected and subscribed: counted as failed at the ramp
            const t = a?.[i];
            if (t === undefined || Number.isNaN(t)) {
              missed++;
              continue;
            }
            lat.push(t - sent);
            if (e !== undefined) fan.push(t - e);
          }
        }
        return {
          lat: Float32Array.from(lat),
          fan: Float32Array.from(fan),
          delivered: lat.length,
          missed,
          expected: sends.length * ready.reduce((k, r) => k + r, 0),
          snapshotBytes,
        };
      },
      disconnect: async () => {
        for (const s of sio) s?.disconnect();
        for (const w of raw) w?.terminate();
        sio = [];
        raw = [];
        arrivals = new Map();
        snapshotBytes = 0;
        await sleep(500);
      },
    },
    async () => {
      for (const s of sio) s?.disconnect();
      for (const w of raw) w?.terminate();
    },
  );
  process.send!({ ready: {} });
}

interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}
function summary(xs: ArrayLike<number>): Summary {
  if (xs.length === 0) return { n: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const a = Float64Array.from(xs as ArrayLike<number>).sort();
  const q = (p: number) => a[Math.min(a.length - 1, Math.ceil((p / 100) * a.length) - 1)]!;
  let sum = 0;
  for (const x of a) sum += x;
  return { n: a.length, p50: q(50), p90: q(90), p99: q(99), max: a[a.length - 1]!, mean: sum / a.length };
}

// ───────────────────────────── main: the orchestrator ─────────────────────────────

class Child {
  readonly proc: ChildProcess;
  readonly ready: Promise<Record<string, unknown>>;
  onProgress: (p: { done: number; failed: number }) => void = () => {};
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private exited = false;

  constructor(
    readonly role: string,
    env: Record<string, string>,
    opts: { gc?: boolean; nofile?: number; nice?: number } = {},
  ) {
    // BENCH_CPU_PROF=<dir>: the server processes write a V8 CPU profile there when they stop
    const prof = role === 'server' && process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const args = [...(opts.gc ? ['--expose-gc'] : []), ...prof, '--import', 'tsx', SELF, '--role', role];
    // Raise the soft descriptor limit for the crowd if it is too low (up to the hard limit).
    // and lower its priority (BENCH_CROWD_NICE): on a box shared with the crowd, the server is not preempted by it
    const shell = opts.nofile !== undefined || (opts.nice ?? 0) > 0;
    const prelude = [opts.nofile ? `ulimit -n ${opts.nofile} 2>/dev/null;` : '', 'exec', (opts.nice ?? 0) > 0 ? `nice -n ${opts.nice}` : '']
      .filter(Boolean)
      .join(' ');
    const cmd = shell ? '/bin/sh' : process.execPath;
    const argv = shell ? ['-c', `${prelude} "$0" "$@"`, process.execPath, ...args] : args;
    // structured clone over IPC: latency samples travel as typed arrays
    this.proc = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env }, serialization: 'advanced' });
    let onReady: (v: Record<string, unknown>) => void = () => {};
    let onFail: (e: Error) => void = () => {};
    this.ready = new Promise((res, rej) => {
      onReady = res;
      onFail = rej;
    });
    this.proc.on('message', (m: any) => {
      if (m.ready) return onReady(m.ready);
      if (m.progress) return this.onProgress(m.progress);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.r);
      else p.reject(new Error(`${role}: ${m.error}`));
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      const e = new Error(`${role} exited (${signal ?? code})`);
      onFail(e);
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  call<T = any>(op: string, arg?: unknown, timeoutMs = 300_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.role} has exited`));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.role}: ${op} timed out`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.proc.send({ id, op, arg } satisfies Rpc);
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    await this.call('stop', undefined, 15_000).catch(() => {});
    await Promise.race([gone, sleep(5_000)]);
    if (!this.exited) {
      this.proc.kill('SIGKILL');
      await gone;
    }
  }
}

/** Posts a marker every MARKER_EVERY_MS to whatever `post` targets; remembers when each left. */
class Markers {
  seq = 0;
  readonly sends = new Map<number, number>();
  /** seq → ms until the POST was answered */
  readonly ackMs = new Map<number, number>();
  errors = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  start(post: (seq: number) => Promise<void>): void {
    this.stop();
    this.timer = setInterval(() => {
      const seq = ++this.seq;
      const t0 = now();
      this.sends.set(seq, t0);
      post(seq).then(
        () => this.ackMs.set(seq, now() - t0),
        () => this.errors++,
      );
    }, MARKER_EVERY_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  between(first: number, last: number): [number, number][] {
    const out: [number, number][] = [];
    for (let s = first; s <= last; s++) {
      const t = this.sends.get(s);
      if (t !== undefined) out.push([s, t]);
    }
    return out;
  }
}

/** The machine's CPU ticks: busy (steal included), all, and stolen by the hypervisor (another guest ran). */
function procStat(): { busy: number; total: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + (f[4] ?? 0);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user and nice
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total, steal: f[7] ?? 0 };
}

/** CPU time (clock ticks, 100 per second on Linux) of this process and all its descendants. */
function treeTicks(root = process.pid): number {
  const procs = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // gone meanwhile
    }
  }
  let sum = 0;
  for (const [pid, p] of procs) {
    for (let q: number | undefined = pid, hops = 0; q && hops < 64; q = procs.get(q)?.ppid, hops++) {
      if (q === root) {
        sum += p.ticks;
        break;
      }
    }
  }
  return sum;
}

function openFilesLimit(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line?.match(/(\d+|unlimited)\s+(\d+|unlimited)/)?.slice(1) ?? ['1024', '1024']).map((x) =>
    x === 'unlimited' ? Infinity : Number(x),
  );
  return { soft: soft!, hard: hard! };
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The citizen page's metric list, read from its source so the bench follows it. */
function publicMetrics(): string[] {
  const src = readFileSync(join(ROOT, 'client/citizen/PublicApp.tsx'), 'utf8');
  const list = src.match(/PUBLIC_METRICS\s*=\s*\[([^\]]*)\]/)?.[1];
  const codes = list ? [...list.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!) : [];
  if (codes.length === 0) throw new Error('could not read PUBLIC_METRICS from client/citizen/PublicApp.tsx');
  return codes;
}

/** The minutes of history the citizen page asks in each snapshot, read from its source. */
function publicHistoryMinutes(): number {
  const src = readFileSync(join(ROOT, 'client/citizen/live-config.ts'), 'utf8');
  const m = src.match(/PUBLIC_HISTORY_MINUTES\s*=\s*(\d+)/)?.[1];
  return m === undefined ? 60 : Number(m);
}

/** The HTML's module script, its modulepreloads and (transitively) the static imports of all of them. */
async function initialJs(
  dist: string,
): Promise<{ files: { file: string; raw: number; gzip: number }[]; css: { file: string; raw: number; gzip: number }[] }> {
  const html = await readFile(join(dist, 'public/index.html'), 'utf8');
  const attr = (tag: string, name: string) => tag.match(new RegExp(`\\s${name}="([^"]+)"`))?.[1];
  const queue: string[] = [];
  const css: string[] = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    if (tag.startsWith('<script') && attr(tag, 'type') === 'module' && attr(tag, 'src')) queue.push(attr(tag, 'src')!);
    if (tag.startsWith('<link') && attr(tag, 'rel') === 'modulepreload') queue.push(attr(tag, 'href')!);
    if (tag.startsWith('<link') && attr(tag, 'rel') === 'stylesheet') css.push(attr(tag, 'href')!);
  }
  const seen = new Set<string>();
  const files: { file: string; raw: number; gzip: number }[] = [];
  while (queue.length) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const text = await readFile(join(dist, url), 'utf8');
    files.push({ file: url, raw: Buffer.byteLength(text), gzip: gzipSync(text).length });
    // static `import … from "./x.js"` / `import "./x.js"` / `export … from` (not dynamic `import("…")`)
    for (const m of text.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?["']([^"'()]+\.js)["']/g)) {
      queue.push(new URL(m[1]!, `http://x${url}`).pathname);
    }
  }
  const cssFiles = await Promise.all(
    css.map(async (file) => {
      const text = await readFile(join(dist, file));
      return { file, raw: text.length, gzip: gzipSync(text).length };
    }),
  );
  return { files, css: cssFiles };
}

interface PhaseResult {
  kind: 'socket.io' | 'ws';
  /** JSON text of one client's first snapshots (all its subscribe acks) */
  snapshotBytes: number;
  clientProcs: number;
  /** frames the clients received during the window (all processes) */
  framesReceived: number;
  n: number;
  connected: number;
  failed: number;
  rampS: number;
  latency: Summary;
  fanout: Summary;
  delivered: number;
  missed: number;
  expected: number;
  markers: number;
  ingestAck: Summary;
  serverCpu0: number;
  serverCpu: number;
  /** server CPU (µs) over the window per frame the clients received */
  serverCpuUsPerFrame: number;
  clientsCpu: number;
  machineBusy: number;
  /** Of the machine's CPU time, the share the hypervisor gave another guest (%): a noisy neighbour. */
  machineSteal: number;
  /** all processes of this benchmark (server, clients, worker, embedded PostgreSQL, this one), % of one core */
  benchCpu: number;
  toEmit: Summary;
  /** from the marker's delivery being queued to its last socket written (the server's sliced write loop) */
  writeLoop: Summary;
  rss0: number;
  rssN: number;
  heap0: number;
  heapN: number;
  /** the servers' V8 heap as reserved, and their memory outside it, before the crowd and after the window */
  heapTotal0: number;
  heapTotalN: number;
  external0: number;
  externalN: number;
  eld: Stats['eld'];
  clientEld: Stats['eld'];
  framesPerClientS: number;
  bytesPerClientS: number;
  markerFrame: number;
}

interface BrowserMarks {
  title?: number;
  titlePaint?: number;
  kpi?: number;
  kpiPaint?: number;
  kpiWhich?: string;
  live?: number;
  /** the live app replaced the server-rendered shell */
  app?: number;
  fcp?: number;
  html?: number;
  jsBytes?: number;
  jsDoneAt?: number;
  bytesBeforeKpi?: number;
  requestsBeforeKpi?: number;
  /** websocket: opened (handshake answered), bytes received until the first number */
  wsOpen?: number;
  wsBytesBeforeKpi?: number;
  resources?: { path: string; bytes: number; start: number; end: number }[];
  error?: string;
}

const BROWSER_INIT = `(() => {
  const marks = {};
  Object.defineProperty(window, '__bench', { value: marks });
  const paint = (key) => requestAnimationFrame(() => setTimeout(() => { if (marks[key] === undefined) marks[key] = performance.now(); }, 0));
  const check = () => {
    const t = performance.now();
    if (marks.title === undefined) {
      const el = document.querySelector('[data-testid="public-title"]');
      if (el && el.textContent.trim()) { marks.title = t; paint('titlePaint'); }
    }
    if (marks.kpi === undefined) {
      for (const id of ['kpi-traffic-speed', 'kpi-complaints-open', 'kpi-landfill-intake']) {
        const v = document.querySelector('[data-testid="' + id + '"] .tile-value');
        if (v && /\\d/.test(v.textContent)) { marks.kpi = t; marks.kpiWhich = id; paint('kpiPaint'); break; }
      }
    }
    if (marks.live === undefined && document.body && document.body.dataset.live === 'true') marks.live = t;
    if (marks.app === undefined) {
      const r = document.getElementById('root');
      if (r && !r.hidden && r.childElementCount > 0) marks.app = t;
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.name === 'first-contentful-paint') marks.fcp = e.startTime; }).observe({ type: 'paint', buffered: true });
  } catch {}
})();`;

/** Runs in the page (passed as a function: the page's CSP forbids evaluating strings). */
function browserCollect(): BrowserMarks {
  const b = (window as unknown as { __bench: BrowserMarks }).__bench;
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
  const js = res.filter((r) => new URL(r.name).pathname.endsWith('.js'));
  const before = res.filter((r) => r.responseEnd <= (b.kpi ?? Infinity));
  return {
    ...b,
    html: nav ? nav.responseEnd : undefined,
    jsBytes: js.reduce((a, r) => a + r.transferSize, 0),
    jsDoneAt: js.reduce((a, r) => Math.max(a, r.responseEnd), 0),
    bytesBeforeKpi: (nav ? nav.transferSize : 0) + before.reduce((a, r) => a + r.transferSize, 0),
    requestsBeforeKpi: before.length + 1,
    resources: res.map((r) => ({ path: new URL(r.name).pathname, bytes: r.transferSize, start: r.startTime, end: r.responseEnd })),
  };
}

function browserDone(): boolean {
  const b = (window as unknown as { __bench?: BrowserMarks }).__bench;
  return !!b && b.titlePaint !== undefined && b.kpiPaint !== undefined && b.live !== undefined && b.app !== undefined;
}

/** One server process or several (the cluster), and nginx in front when asked; calls fan out and sum up. */
class ServerGroup {
  constructor(
    readonly procs: Child[],
    readonly proxy: { pid: number; stop: () => Promise<void> } | null,
  ) {}

  async call<T = any>(op: string, arg?: unknown): Promise<T> {
    const all = await Promise.all(this.procs.map((p) => p.call(op, arg)));
    if (op === 'stats') {
      const xs = all as Stats[];
      return {
        cpuUs: xs.reduce((a, x) => a + x.cpuUs, 0) + (this.proxy ? treeTicks(this.proxy.pid) * 10_000 : 0),
        rss: xs.reduce((a, x) => a + x.rss, 0) + (this.proxy ? treeRss(this.proxy.pid) : 0),
        heapUsed: xs.reduce((a, x) => a + x.heapUsed, 0),
        heapTotal: xs.reduce((a, x) => a + (x.heapTotal ?? 0), 0),
        external: xs.reduce((a, x) => a + (x.external ?? 0), 0),
        eld: { p50: Math.max(...xs.map((x) => x.eld.p50)), p99: Math.max(...xs.map((x) => x.eld.p99)), max: Math.max(...xs.map((x) => x.eld.max)) },
        connections: xs.reduce((a, x) => a + x.connections, 0),
        frames: xs.reduce((a, x) => a + x.frames, 0),
        frameBytes: xs.reduce((a, x) => a + x.frameBytes, 0),
      } satisfies Stats as T;
    }
    if (op === 'emits') {
      // a marker is broadcast by the process that ingested it (the others deliver it from Redis): earliest wins
      const xs = all as { emits: [number, number, number][]; markerFrameBytes: number[] }[];
      const bySeq = new Map<number, [number, number, number]>();
      for (const e of xs.flatMap((x) => x.emits)) if (!bySeq.has(e[0]) || bySeq.get(e[0])![1] > e[1]) bySeq.set(e[0], e);
      return { emits: [...bySeq.values()], markerFrameBytes: xs.flatMap((x) => x.markerFrameBytes) } as T;
    }
    return all[0] as T;
  }

  async stop(): Promise<void> {
    await this.proxy?.stop();
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}

/** Resident memory of a process and its descendants (nginx: master and workers), bytes. */
function treeRss(root: number): number {
  let sum = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(d) === root || Number(f[1]) === root) sum += Number(f[21]) * 4096;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

/**
 * Debian's nginx in front of the server processes, loopback only: the shipped deploy/nginx/sinergi-cluster.conf
 * (plain HTTP, least_conn over the processes, websocket location, X-Forwarded-For), its listen port and
 * upstream lines rewritten, inside a main config sized for the crowd (two descriptors per client).
 */
async function startNginx(prefix: string, port: number, upstreams: number[], clients: number): Promise<{ pid: number; stop: () => Promise<void> }> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(prefix, 'logs'), { recursive: true });
  let site = await readFile(join(ROOT, 'deploy/nginx/sinergi-cluster.conf'), 'utf8');
  const upstream = site.match(/upstream sinergi_cluster \{[^}]*\}/)?.[0];
  if (!upstream || !/listen 8000;/.test(site)) throw new Error('deploy/nginx/sinergi-cluster.conf changed: the benchmark cannot rewrite it');
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n');
  site = site
    .replace(upstream, `upstream sinergi_cluster {\n    least_conn;\n${servers}\n    keepalive 32;\n}`)
    // reuseport: the kernel spreads connections over the workers (one worker taking them all would run out
    // of descriptors: a process may hold 20,000 on this box, and each client costs nginx two)
    .replace(/listen 8000;/, `listen 127.0.0.1:${port} backlog=4096 reuseport;`);
  await writeFile(join(prefix, 'site.conf'), site);
  const conf = join(prefix, 'nginx.conf');
  const conns = 2 * clients + 4_096;
  const temp = (d: string) => `${d}_temp_path ${join(prefix, d)};`;
  await writeFile(
    conf,
    [
      '# written by scripts/bench-public.ts around deploy/nginx/sinergi-cluster.conf',
      process.getuid?.() === 0 ? 'user root;' : '',
      `worker_processes ${Math.max(2, Math.ceil((2 * clients) / 12_000))};`,
      `worker_rlimit_nofile ${conns + 1_024};`,
      `pid ${prefix}/nginx.pid;`,
      `error_log ${prefix}/logs/error.log warn;`,
      `events { worker_connections ${conns}; }`,
      'http {',
      '  default_type application/octet-stream;',
      '  access_log off;',
      `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join(' ')}`,
      `  include ${join(prefix, 'site.conf')};`,
      '}',
    ].join('\n'),
  );
  const nginx = spawn(
    '/bin/sh',
    ['-c', `ulimit -n ${conns + 1_024} 2>/dev/null; exec /usr/sbin/nginx -p "$0" -c "$1" -g 'daemon off;'`, prefix, conf],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const exited = new Promise<void>((r) => nginx.once('exit', () => r()));
  // ready when it answers on its port
  for (let i = 0; ; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => (void r.arrayBuffer(), true),
      () => false,
    );
    if (up) break;
    if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start (see ${prefix}/logs/error.log)`);
    await sleep(100);
  }
  return {
    pid: nginx.pid!,
    stop: async () => {
      if (nginx.exitCode !== null) return;
      nginx.kill('SIGQUIT');
      await Promise.race([exited, sleep(5_000)]);
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    },
  };
}

/** Set by main: stops what it started when it fails before its own cleanup runs. */
const onFailure: { cleanup?: () => Promise<void> } = {};

async function main(): Promise<void> {
  const { SingleBar } = await import('cli-progress');
  const CLIENTS = (process.env.BENCH_CLIENTS ?? '1000,5000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
  const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 30);
  const BASELINE_S = Number(process.env.BENCH_BASELINE_S ?? 10);
  const TICK_MS = Number(process.env.BENCH_TICK_MS ?? 100);
  const GEN_RATE = Number(process.env.BENCH_GEN_RATE ?? 50);
  const BACKLOG_POINTS = Number(process.env.BENCH_BACKLOG_POINTS ?? 0);
  const BACKLOG_EVERY_S = Number(process.env.BENCH_BACKLOG_EVERY_S ?? 5);
  const BROWSER_RUNS = Number(process.env.BENCH_BROWSER_RUNS ?? 3);
  const SKIP_WS = process.env.BENCH_SKIP_WS === '1';
  const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const MAX_MIN = Number(process.env.BENCH_MAX_MINUTES ?? 40);
  // `npm run bench:public -- --processes 2 --nginx`: the cluster (REDIS_URL) behind nginx
  const argAt = process.argv.indexOf('--processes');
  const PROCESSES = argAt > 0 ? Math.max(1, Number(process.argv[argAt + 1])) : 1;
  const NGINX = process.argv.includes('--nginx');
  const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  /** This run's keys in Redis (deleted at the end); each phase's cluster starts a fresh numbering under it. */
  const REDIS_PREFIX = `sinergi-bench-public-${process.pid}:`;
  /** 0: one client process per CLIENTS_PER_PROC clients */
  const CLIENT_PROCS = Number(process.env.BENCH_CLIENT_PROCS ?? 0);
  const CLIENTS_PER_PROC = Number(process.env.BENCH_CLIENTS_PER_PROC ?? 1_250);
  /** What the citizen page asks (PUBLIC_HISTORY_MINUTES in client/citizen/live-config.ts) unless overridden. */
  const HISTORY_MIN = Number(process.env.BENCH_HISTORY_MINUTES ?? publicHistoryMinutes());

  const children = new Set<Child>();
  let cleanup: () => Promise<void> = async () => {};
  onFailure.cleanup = () => cleanup();
  const watchdog = setTimeout(() => {
    console.error(`bench:public: watchdog (${MAX_MIN} min) expired; stopping`);
    for (const c of children) c.proc.kill('SIGKILL');
    void cleanup().finally(() => process.exit(3));
  }, MAX_MIN * 60_000);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const c of children) c.proc.kill('SIGKILL');
      void cleanup().finally(() => process.exit(130));
    });
  }
  const child = (role: string, env: Record<string, string>, opts?: { gc?: boolean; nofile?: number; nice?: number }) => {
    const c = new Child(role, env, opts);
    children.add(c);
    c.proc.once('exit', () => children.delete(c));
    return c;
  };

  const maxN = Math.max(0, ...CLIENTS);
  const limit = openFilesLimit();
  const want = maxN + 1_024;
  // root may raise the hard limit itself (the children's `ulimit -n`); anyone else needs it raised beforehand
  if (limit.hard < want && process.getuid?.() !== 0)
    throw new Error(`open-file limit ${limit.hard} (hard) is below the ${want} descriptors ${maxN} clients need; raise it (ulimit -n)`);
  const nofile = limit.soft < want ? want : undefined;

  console.log(`Sinergi public-surface benchmark — ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; open files ${limit.soft}/${limit.hard}`,
  );

  // 0. The client build (the server serves it; the budget is computed from it).
  const dir = await mkdtemp(join(tmpdir(), 'sinergi-bench-public-'));
  await chmod(dir, 0o755);
  cleanup = () => rm(dir, { recursive: true, force: true });
  // A private production build of the current sources: dist/client may be rebuilt by others while this runs,
  // and a build made under NODE_ENV=test (vitest) carries React's development bundle yet counts as current
  // for scripts/client-build.ts (its stamp hashes sources only). The budget and the browser use this build.
  const dist = join(dir, 'client');
  const js = await (async () => {
    const { build } = await import('vite');
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      for (let attempt = 1; ; attempt++) {
        const started = performance.now();
        try {
          await build({
            configFile: join(ROOT, 'vite.config.ts'),
            mode: 'production',
            logLevel: 'error',
            build: { outDir: dist, emptyOutDir: true },
          });
          console.error(`  client built (production) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
          return await initialJs(dist);
        } catch (e) {
          if (attempt >= 3) throw e;
          console.error(`  client build failed (${(e as Error).message.split('\n')[0]}); again in 10 s`);
          await sleep(10_000);
        }
      }
    } finally {
      if (before === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = before;
    }
  })();
  const jsGzip = js.files.reduce((a, f) => a + f.gzip, 0);
  const jsRaw = js.files.reduce((a, f) => a + f.raw, 0);

  // 1. Database: fresh, migrated, the demo city; keys for every OPD; the probe's series.
  const { startEmbedded } = await import('../db/embedded');
  const { openStorage } = await import('../db/storage');
  const { seedDemo } = await import('../db/seed');
  const { DEMO_OPD } = await import('../demo/catalog');
  const { createIngestKey } = await import('../db/queries/credentials');
  const { upsertSeries } = await import('../db/queries/points');
  let embedded: Awaited<ReturnType<typeof startEmbedded>> | null = null;
  let baseUrl = process.env.BENCH_DATABASE_URL;
  if (!baseUrl) {
    embedded = await startEmbedded({ dir: join(dir, 'pg') });
    baseUrl = embedded.url;
  }
  const admin = await openStorage({ databaseUrl: baseUrl, dataDir: dir, migrate: false, poolSize: 1 });
  const dbName = `sinergi_bench_public_${process.pid}`;
  await admin.pool.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.pool.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;
  const storage = await openStorage({ databaseUrl: dbUrl.toString(), dataDir: dir, poolSize: 2 });
  await seedDemo(storage.pool);
  {
    // the simulator's projects in the registry, as the demo registers them (the page shows their names)
    const { upsertProjects } = await import('../db/queries/projects');
    const { simulatorProjectRegistry } = await import('../ingest/sources/simulator');
    const { projectSchema } = await import('../shared/schemas');
    await upsertProjects(
      storage.pool,
      (await simulatorProjectRegistry({ seed: 1 })).map((p) => projectSchema.parse(p)),
      Date.now(),
    );
    // the road segments' lines and the entities' names, as `npm start` registers them (POST /api/v1/entities):
    // the page draws congestion along the roads, and a segment's live readings travel without a position
    const { upsertEntityGeometry } = await import('../db/queries/entities');
    const { simulatorRoadGeometry, simulatorEntityNames } = await import('../ingest/sources/simulator');
    const { entitiesBatchSchema } = await import('../shared/schemas');
    for (const group of [await simulatorRoadGeometry({ seed: 1 }), ...(await simulatorEntityNames({ seed: 1 }))])
      await upsertEntityGeometry(storage.pool, group.opd, entitiesBatchSchema.parse({ entities: group.entities }).entities, Date.now());
  }
  const keys: Record<string, string> = {};
  for (const o of DEMO_OPD) keys[o.code] = (await createIngestKey(storage.pool, o.code, 'bench-public')).key;
  const [probe] = await upsertSeries(storage.pool, [{ metric: 'rainfall', entity: MARKER_ENTITY, region: null, lon: null, lat: null }]);
  const metrics = publicMetrics();
  console.log(
    `database: ${embedded ? 'embedded PostgreSQL' : dbUrl.host} (${storage.dialect}); stream tick ${TICK_MS} ms; simulator every 2 s + generator ${GEN_RATE} live points/s (traffic_speed)${
      BACKLOG_POINTS > 0 ? `; a late backlog of ${BACKLOG_POINTS} water_level readings of the past hour every ${BACKLOG_EVERY_S} s` : ''
    }`,
  );
  console.log(
    `clients${LEAN_CROWD ? ' (BENCH_CROWD=lean: the socket.io protocol on raw ws, one JSON.parse per frame)' : ''} subscribe like client/citizen: ${metrics.join(', ')}${SINGLE_SUBSCRIBE ? ' (one series:subscribe each' : ' and the notices (one channels:subscribe'}, ${HISTORY_MIN} min history)`,
  );

  cleanup = async () => {
    await Promise.allSettled([...children].map((c) => c.stop()));
    if (PROCESSES > 1) {
      // this run's keys in Redis
      const { Redis } = await import('ioredis');
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 1000);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } catch {
        // Redis gone: nothing to tidy
      } finally {
        redis.disconnect();
      }
    }
    await storage.close().catch(() => {});
    await admin.pool.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.close().catch(() => {});
    await embedded?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };

  const port = await freePort();
  const wsPort = await freePort();
  const sioUrl = `http://127.0.0.1:${port}`;
  const common = { BENCH_TMP: dir, BENCH_PROBE_SERIES: String(probe!.id), BENCH_METRICS: JSON.stringify(metrics) };
  /**
   * The Sinergi server: one process on `port`, or PROCESSES processes sharing Redis (cluster mode) behind
   * nginx on `port` (each process on a port of its own). Calls go to every process; their answers are summed.
   */
  const startServer = async (): Promise<ServerGroup> => {
    const direct = PROCESSES === 1 && !NGINX;
    const ports = direct ? [port] : await Promise.all(Array.from({ length: PROCESSES }, () => freePort()));
    const perProcess = Math.ceil(maxN / PROCESSES) + 1_024;
    const procs = ports.map((p, i) =>
      child(
        'server',
        {
          ...common,
          BENCH_DB_URL: dbUrl.toString(),
          BENCH_TICK_MS: String(TICK_MS),
          BENCH_DIST: dist,
          BENCH_PORT: String(p),
          BENCH_PROCESS: String(i),
          ...(PROCESSES > 1 ? { BENCH_REDIS_URL: REDIS_URL, BENCH_REDIS_PREFIX: REDIS_PREFIX } : {}),
          ...(NGINX ? { BENCH_TRUST_PROXY: 'loopback' } : {}),
        },
        { gc: true, nofile: Math.max(perProcess, 4_096) },
      ),
    );
    await Promise.all(procs.map((c) => c.ready));
    const proxy = NGINX ? await startNginx(join(dir, 'nginx'), port, ports, maxN) : null;
    return new ServerGroup(procs, proxy);
  };

  // 2. The worker: simulator as the demo runs it, plus a steady generator; it outlives server restarts.
  const workerConfig = join(dir, 'worker.json');
  const runSeconds = MAX_MIN * 60;
  await writeFile(
    workerConfig,
    JSON.stringify({
      server: { url: sioUrl },
      keys,
      spool: { dir: join(dir, 'spool') },
      delivery: { maxBatch: 5_000, maxBackoffMs: 1_000 },
      sources: [
        { type: 'simulator', name: 'simulator', seed: 1, backfillMinutes: 60, intervalMs: 2_000 },
        ...(GEN_RATE > 0
          ? [
              {
                type: 'generator',
                name: 'steady',
                metric: 'traffic_speed',
                owner: 'DISHUB',
                series: 50,
                perPoll: Math.max(1, Math.round(GEN_RATE / 5)),
                intervalMs: 200,
                // current readings, as a live feed sends (before the sixth pass: a replay hours in the past, which
                // `/public` now leaves out of the citizens' stream: each series' current reading only)
                live: true,
                total: GEN_RATE * runSeconds,
              },
            ]
          : []),
      ],
    }),
    { mode: 0o600 },
  );
  const worker = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'ingest/index.ts'), '--config', workerConfig], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'error', SINERGI_PARENT_PID: String(process.pid) },
  });
  const stopWorker = async () => {
    if (worker.exitCode !== null || worker.signalCode !== null) return;
    const gone = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGTERM');
    await Promise.race([gone, sleep(5_000)]);
    if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  };
  const previousCleanup = cleanup;
  cleanup = async () => {
    await stopWorker();
    await previousCleanup();
  };

  // The crowd runs in processes of its own (at least 2, about CLIENTS_PER_PROC clients each), so that its event loops
  // neither share the server's nor queue 20,000 sockets behind one another.
  const pool: Child[] = [];
  const crowd = async (k: number): Promise<Child[]> => {
    while (pool.length < k) {
      const c = child(
        'clients',
        { ...common, BENCH_HISTORY_MINUTES: String(HISTORY_MIN) },
        { nofile: Math.max(4_096, Math.ceil(maxN / k) + 1_024), nice: CROWD_NICE },
      );
      pool.push(c);
      await c.ready;
    }
    return pool.slice(0, k);
  };
  const markers = new Markers();
  const bpbd = keys.BPBD!;
  /** One ingest POST with BPBD's key (the markers, a backlog); anything but 202 is an error. */
  const postPoints = async (points: object[]) => {
    const res = await fetch(`${sioUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bpbd}`, 'content-type': 'application/json' },
      body: JSON.stringify({ points }),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`ingest ${res.status}`);
  };
  /** A feed's spool draining during the window (BENCH_BACKLOG_POINTS): readings of the past hour, newest now. */
  const postBacklog = async () => {
    const t = Date.now();
    const gauges = 20;
    const per = Math.max(1, Math.ceil(BACKLOG_POINTS / gauges));
    const step = Math.floor(3_600_000 / per);
    const points = Array.from({ length: gauges * per }, (_, k) => ({
      metric: 'water_level',
      entity: `BENCH-LATE-${k % gauges}`,
      time: t - (per - 1 - Math.floor(k / gauges)) * step,
      value: 50 + (k % 7), // far below every water-level threshold
    }));
    await postPoints(points);
  };
  const postIngest = (seq: number) => postPoints([{ metric: 'rainfall', entity: MARKER_ENTITY, time: Date.now(), value: markerValue(seq) }]);

  const bar = (label: string, total: number, unit = '') => {
    const b = new SingleBar({ format: `  ${label.padEnd(34)} [{bar}] {value}/{total}${unit} {extra}`, hideCursor: true, stream: process.stderr });
    b.start(total, 0, { extra: '' });
    return b;
  };
  const waitWithBar = async (label: string, seconds: number) => {
    const b = bar(label, seconds, ' s');
    for (let s = 1; s <= seconds; s++) {
      await sleep(1_000);
      b.update(s);
    }
    b.stop();
  };

  const cpuPct = (us: number, ms: number) => (us / 1_000 / ms) * 100;

  async function phase(kind: 'socket.io' | 'ws', n: number, markerFrame: number): Promise<PhaseResult> {
    const server =
      kind === 'socket.io'
        ? await startServer()
        : await (async () => {
            const s = child('ws-server', { ...common, BENCH_PORT: String(wsPort) }, { gc: true, nofile });
            await s.ready;
            return new ServerGroup([s], null);
          })();
    try {
      markers.start(
        kind === 'socket.io'
          ? postIngest
          : async (seq) => {
              const res = await fetch(`http://127.0.0.1:${wsPort}/marker`, { method: 'POST', body: JSON.stringify({ seq, size: markerFrame }) });
              await res.arrayBuffer();
            },
      );
      // warm-up: the worker reconnects and delivers what it spooled meanwhile
      await waitWithBar(`${kind} ${n}: warm-up`, 5);
      await server.call('gc');
      const s0 = await server.call<Stats>('stats');
      const b0 = performance.now();
      await waitWithBar(`${kind} ${n}: 0 clients (baseline)`, BASELINE_S);
      const s1 = await server.call<Stats>('stats');
      const serverCpu0 = cpuPct(s1.cpuUs - s0.cpuUs, performance.now() - b0);
      await server.call('gc');
      const r0 = await server.call<Stats>('stats');

      const k = CLIENT_PROCS || Math.min(16, Math.max(2, Math.ceil(n / CLIENTS_PER_PROC)));
      const clients = await crowd(k);
      const cb = bar(`${kind} ${n}: connect + subscribe (${k} proc.)`, n);
      const prog = clients.map(() => ({ done: 0, failed: 0 }));
      clients.forEach(
        (c, i) =>
          (c.onProgress = (p) => {
            prog[i] = p;
            const failed = prog.reduce((a, x) => a + x.failed, 0);
            cb.update(
              prog.reduce((a, x) => a + x.done + x.failed, 0),
              { extra: failed ? `(${failed} failed)` : '' },
            );
          }),
      );
      const share = (i: number) => Math.floor(n / k) + (i < n % k ? 1 : 0);
      const rampStart = performance.now();
      const ramps = await Promise.all(
        clients.map((c, i) =>
          c.call<{ ok: number; failed: number; seconds: number; reasons?: Record<string, number> }>(
            kind === 'socket.io' ? (LEAN_CROWD ? 'connectLean' : 'connectSio') : 'connectWs',
            {
              url: kind === 'socket.io' ? sioUrl : `ws://127.0.0.1:${wsPort}`,
              n: share(i),
              offset: Array.from({ length: i }, (_, j) => share(j)).reduce((a, b) => a + b, 0),
            },
            900_000,
          ),
        ),
      );
      const ramp = {
        ok: ramps.reduce((a, r) => a + r.ok, 0),
        failed: ramps.reduce((a, r) => a + r.failed, 0),
        seconds: (performance.now() - rampStart) / 1000,
      };
      cb.stop();
      if (ramp.failed) {
        const why: Record<string, number> = {};
        for (const r of ramps) for (const [k, v] of Object.entries(r.reasons ?? {})) why[k] = (why[k] ?? 0) + v;
        console.log(`  ${kind} ${n}: ${ramp.failed} clients failed to connect or subscribe: ${JSON.stringify(why)}`);
      }
      const statsOf = async (): Promise<Stats> => {
        const all = await Promise.all(clients.map((c) => c.call<Stats>('stats')));
        return {
          cpuUs: all.reduce((a, x) => a + x.cpuUs, 0),
          rss: all.reduce((a, x) => a + x.rss, 0),
          heapUsed: all.reduce((a, x) => a + x.heapUsed, 0),
          eld: {
            p50: Math.max(...all.map((x) => x.eld.p50)),
            p99: Math.max(...all.map((x) => x.eld.p99)),
            max: Math.max(...all.map((x) => x.eld.max)),
          },
          connections: all.reduce((a, x) => a + x.connections, 0),
          frames: all.reduce((a, x) => a + x.frames, 0),
          frameBytes: 0,
        };
      };
      await sleep(3_000);

      // the measured window
      await Promise.all([server.call('resetEld'), ...clients.map((c) => c.call('resetEld'))]);
      const first = markers.seq + 1;
      const sW0 = await server.call<Stats>('stats');
      const cW0 = await statsOf();
      const m0 = procStat();
      const t0 = treeTicks();
      const w0 = performance.now();
      const drains: Promise<void>[] = [];
      const drain =
        kind === 'socket.io' && BACKLOG_POINTS > 0
          ? setInterval(() => drains.push(postBacklog().catch((e: unknown) => console.error(`  backlog: ${String(e)}`))), BACKLOG_EVERY_S * 1000)
          : undefined;
      await waitWithBar(`${kind} ${n}: measuring`, WINDOW_S);
      clearInterval(drain);
      await Promise.all(drains);
      const sW1 = await server.call<Stats>('stats');
      const cW1 = await statsOf();
      const m1 = procStat();
      const t1 = treeTicks();
      const windowMs = performance.now() - w0;
      const last = markers.seq;
      await sleep(3_000); // late arrivals of the window's last markers
      markers.stop();
      await server.call('gc');
      const rN = await server.call<Stats>('stats');
      const { emits, markerFrameBytes } = await server.call<{ emits: [number, number, number][]; markerFrameBytes: number[] }>('emits');
      const sends = markers.between(first, last);
      const reps = await Promise.all(
        clients.map((c) =>
          c.call<{ lat: Float32Array; fan: Float32Array; delivered: number; missed: number; expected: number; snapshotBytes: number }>(
            'report',
            { sends, emits },
            120_000,
          ),
        ),
      );
      const concat = (xs: Float32Array[]) => {
        const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
        let o = 0;
        for (const x of xs) {
          out.set(x, o);
          o += x.length;
        }
        return out;
      };
      const emitAt = new Map(emits.map(([seq, t]) => [seq, t]));
      const rep = {
        latency: summary(concat(reps.map((r) => r.lat))),
        fanout: summary(concat(reps.map((r) => r.fan))),
        toEmit: summary(sends.flatMap(([seq, sent]) => (emitAt.has(seq) ? [emitAt.get(seq)! - sent] : []))),
        delivered: reps.reduce((a, r) => a + r.delivered, 0),
        missed: reps.reduce((a, r) => a + r.missed, 0),
        expected: reps.reduce((a, r) => a + r.expected, 0),
        snapshotBytes: Math.max(...reps.map((r) => r.snapshotBytes)),
        clientProcs: k,
        framesReceived: cW1.frames - cW0.frames,
      };
      await Promise.all(clients.map((c) => c.call('disconnect')));
      const connected = Math.max(0, ramp.ok);
      return {
        kind,
        n,
        connected,
        failed: ramp.failed,
        rampS: ramp.seconds,
        ...rep,
        markers: sends.length,
        ingestAck: summary(sends.map(([seq]) => markers.ackMs.get(seq)).filter((x): x is number => x !== undefined)),
        serverCpu0,
        serverCpu: cpuPct(sW1.cpuUs - sW0.cpuUs, windowMs),
        serverCpuUsPerFrame: (sW1.cpuUs - sW0.cpuUs) / Math.max(1, rep.framesReceived),
        clientsCpu: cpuPct(cW1.cpuUs - cW0.cpuUs, windowMs),
        machineBusy: ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100,
        machineSteal: ((m1.steal - m0.steal) / (m1.total - m0.total)) * 100,
        benchCpu: ((t1 - t0) * 10 * 100) / windowMs,
        rss0: r0.rss,
        rssN: rN.rss,
        heap0: r0.heapUsed,
        heapN: rN.heapUsed,
        heapTotal0: r0.heapTotal ?? 0,
        heapTotalN: rN.heapTotal ?? 0,
        external0: r0.external ?? 0,
        externalN: rN.external ?? 0,
        eld: sW1.eld,
        clientEld: cW1.eld,
        framesPerClientS: (sW1.frames - sW0.frames) / Math.max(1, connected) / (windowMs / 1000),
        bytesPerClientS: (sW1.frameBytes - sW0.frameBytes) / Math.max(1, connected) / (windowMs / 1000),
        writeLoop: summary(emits.filter(([seq]) => seq >= first && seq <= last).map(([, , d]) => d)),
        markerFrame: markerFrameBytes.length ? summary(markerFrameBytes).p50 : markerFrame,
      };
    } finally {
      markers.stop();
      await server.stop();
    }
  }

  const results: PhaseResult[] = [];
  let browser: { name: string; runs: BrowserMarks[] }[] = [];
  try {
    for (const n of CLIENTS) {
      const sio = await phase('socket.io', n, 0);
      results.push(sio);
      printPhase(sio);
      if (!SKIP_WS) {
        const ws = await phase('ws', n, sio.markerFrame);
        results.push(ws);
        printPhase(ws);
      }
    }
    await Promise.all(pool.map((c) => c.stop()));

    // 3. The page in headless Chromium, against a fresh server with the simulator running.
    if (BROWSER_RUNS > 0 && existsSync(CHROMIUM)) {
      const server = await startServer();
      try {
        await sleep(3_000);
        browser = await measureBrowser(sioUrl, CHROMIUM, BROWSER_RUNS);
      } finally {
        await server.stop();
      }
    } else if (BROWSER_RUNS > 0) console.log(`(no Chromium at ${CHROMIUM}: the page-load part is skipped)`);
  } finally {
    await cleanup();
  }

  // 4. The table.
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 1 : 0)} ms` : '–');
  console.log('');
  console.log(`Fan-out to /public (ingest → client; markers every ${MARKER_EVERY_MS} ms during the window)`);
  const head = [
    '',
    'clients',
    'connect+sub',
    'p50',
    'p99',
    'max',
    'missed',
    'fan-out p99',
    'srv CPU',
    'srv CPU 0 cl.',
    'srv mem/conn',
    'frames/cl/s',
  ];
  const rows = results.map((r) => [
    r.kind === 'socket.io' ? 'socket.io /public' : 'raw ws (floor)',
    r.n.toLocaleString('en') + (r.failed ? ` (${r.failed} failed)` : ''),
    `${r.rampS.toFixed(1)} s`,
    ms(r.latency.p50),
    ms(r.latency.p99),
    ms(r.latency.max),
    `${r.missed}/${r.expected}`,
    ms(r.fanout.p99),
    `${r.serverCpu.toFixed(0)} %`,
    `${r.serverCpu0.toFixed(0)} %`,
    kb((r.rssN - r.rss0) / Math.max(1, r.connected)),
    r.framesPerClientS.toFixed(1),
  ]);
  printTable(head, rows);
  console.log('CPU in % of one core over the window; "0 cl." = the same server, same load, before any client connected.');
  for (const r of results) {
    console.log(
      `  ${r.kind.padEnd(9)} ${String(r.n).padStart(5)}: ${r.markers} markers, ${r.delivered.toLocaleString('en')} deliveries; ` +
        `latency p90 ${ms(r.latency.p90)} mean ${ms(r.latency.mean)}; send → server emit p50 ${ms(r.toEmit.p50)} p99 ${ms(r.toEmit.p99)}; emit → client (fan-out) p50 ${ms(r.fanout.p50)}, of which queued → last socket written (the server's sliced write loop) p50 ${ms(r.writeLoop.p50)} p99 ${ms(r.writeLoop.p99)}` +
        (r.kind === 'socket.io' ? `; ingest POST ack p50 ${ms(r.ingestAck.p50)} p99 ${ms(r.ingestAck.p99)}` : '') +
        `; RSS ${(r.rss0 / 2 ** 20).toFixed(0)} → ${(r.rssN / 2 ** 20).toFixed(0)} MiB (heap ${kb((r.heapN - r.heap0) / Math.max(1, r.connected))}/conn; ` +
        `V8 heap reserved ${(r.heapTotal0 / 2 ** 20).toFixed(0)} → ${(r.heapTotalN / 2 ** 20).toFixed(0)} MiB, outside it ${(r.external0 / 2 ** 20).toFixed(0)} → ${(r.externalN / 2 ** 20).toFixed(0)} MiB); ` +
        `server event loop p99 ${ms(r.eld.p99)} max ${ms(r.eld.max)}; clients process ${r.clientsCpu.toFixed(0)} % CPU, loop p99 ${ms(r.clientEld.p99)}; ` +
        `first snapshots ${kb(r.snapshotBytes)} per client; ${r.clientProcs} client process(es); server CPU ${r.serverCpuUsPerFrame.toFixed(1)} µs per delivered frame; ` +
        `machine ${r.machineBusy.toFixed(0)} % busy (of ${cpus().length} cores; stolen by the hypervisor ${r.machineSteal.toFixed(1)} %; this benchmark's processes ${r.benchCpu.toFixed(0)} % of one core); ${r.framesPerClientS.toFixed(1)} frames ${kb(r.bytesPerClientS)}/s per client; marker frame ${r.markerFrame} B`,
    );
  }
  // issue 18's targets: 1,000 clients p99 ≤ 50 ms (and ≤ 50 KB per connection, issue 9); 5,000 clients p99
  // ≤ 200 ms, connected and subscribed in ≤ 10 s
  const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');
  const at1k = results.find((r) => r.kind === 'socket.io' && r.n === 1000);
  if (at1k) {
    const memPer = (at1k.rssN - at1k.rss0) / Math.max(1, at1k.connected);
    console.log(
      `targets at 1,000 clients: p99 ≤ 50 ms → ${ms(at1k.latency.p99)} ${verdict(at1k.latency.p99 <= 50)}; ` +
        `≤ 50 KB per connection → ${kb(memPer)} ${verdict(memPer <= 50 * 1024)}`,
    );
  } else console.log('targets at 1,000 clients (p99 ≤ 50 ms, ≤ 50 KB per connection): not measured in this run');
  const at5k = results.find((r) => r.kind === 'socket.io' && r.n === 5000);
  if (at5k)
    console.log(
      `targets at 5,000 clients: p99 ≤ 200 ms → ${ms(at5k.latency.p99)} ${verdict(at5k.latency.p99 <= 200)}; ` +
        `connected and subscribed ≤ 10 s → ${at5k.rampS.toFixed(1)} s${at5k.connected < 5000 ? ` (${at5k.connected} connected)` : ''} ${verdict(at5k.rampS <= 10 && at5k.connected === 5000)}`,
    );
  else console.log('targets at 5,000 clients (p99 ≤ 200 ms, connected ≤ 10 s): not measured in this run');
  console.log('');
  console.log(
    `Initial JavaScript of /public (production build of this run; gzip level 6 with node:zlib): ${kb(jsGzip)} gzipped (${kb(jsRaw)} raw) — target ≤ 200 KB ${jsGzip <= 200 * 1024 ? 'MET' : 'MISSED'}`,
  );
  for (const f of js.files) console.log(`  ${f.file.padEnd(44)} ${kb(f.raw).padStart(10)} raw ${kb(f.gzip).padStart(10)} gzip`);
  for (const f of js.css) console.log(`  ${(f.file + ' (css)').padEnd(44)} ${kb(f.raw).padStart(10)} raw ${kb(f.gzip).padStart(10)} gzip`);

  if (browser.length) {
    console.log('');
    console.log('First meaningful content of /public, headless Chromium, 390×844 (ms from navigation start; median of runs, [min–max])');
    const med = (xs: (number | undefined)[]) => {
      const v = xs.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
      if (!v.length) return '–';
      const m = v[Math.floor((v.length - 1) / 2)]!;
      return v.length > 1 ? `${m.toFixed(0)} [${v[0]!.toFixed(0)}–${v.at(-1)!.toFixed(0)}]` : m.toFixed(0);
    };
    printTable(
      ['profile', 'runs', 'HTML', 'JS loaded', 'FCP', 'title shown', 'first number', 'app shown', 'live delta', 'JS transferred', 'target ≤ 3 s'],
      browser.map((b) => {
        const kpi = b.runs
          .map((r) => r.kpiPaint ?? r.kpi)
          .filter((x): x is number => x !== undefined)
          .sort((a, c) => a - c);
        const title = b.runs
          .map((r) => r.titlePaint ?? r.title)
          .filter((x): x is number => x !== undefined)
          .sort((a, c) => a - c);
        const worst = Math.max(kpi[Math.floor((kpi.length - 1) / 2)] ?? Infinity, title[Math.floor((title.length - 1) / 2)] ?? Infinity);
        return [
          b.name,
          `${b.runs.filter((r) => !r.error).length}/${b.runs.length}`,
          med(b.runs.map((r) => r.html)),
          med(b.runs.map((r) => r.jsDoneAt)),
          med(b.runs.map((r) => r.fcp)),
          med(b.runs.map((r) => r.titlePaint ?? r.title)),
          med(b.runs.map((r) => r.kpiPaint ?? r.kpi)),
          med(b.runs.map((r) => r.app)),
          med(b.runs.map((r) => r.live)),
          kb(b.runs[0]?.jsBytes ?? 0),
          !b.name.startsWith('WPT') ? '' : worst <= 3_000 ? 'MET' : 'MISSED',
        ];
      }),
    );
    const first = browser[0]?.runs.find((r) => !r.error);
    if (first?.resources) {
      console.log(`  ${browser[0]!.name}, first run — HTTP responses (start → end ms, bytes transferred):`);
      for (const r of first.resources)
        console.log(`    ${r.path.padEnd(56)} ${r.start.toFixed(0).padStart(6)} → ${r.end.toFixed(0).padStart(6)}  ${kb(r.bytes).padStart(9)}`);
    }
    for (const b of browser) {
      for (const r of b.runs) {
        if (r.error) console.log(`  ${b.name}: ${r.error}`);
        else
          console.log(
            `  ${b.name}: until the first number ${r.requestsBeforeKpi} HTTP responses, ${kb(r.bytesBeforeKpi ?? 0)} over HTTP; ` +
              `websocket open at ${ms(r.wsOpen ?? Number.NaN)}, ${kb(r.wsBytesBeforeKpi ?? 0)} received on it before the first number (${r.kpiWhich ?? '?'})`,
          );
      }
    }
    console.log(
      `  3G Slow as WebPageTest: RTT 400 ms (CDP latency), down/up 400 kbit/s = ${WPT_3G_SLOW_BPS.toLocaleString('en')} B/s; CPU 4× via Emulation.setCPUThrottlingRate`,
    );
    console.log(
      `  DevTools legacy Slow 3G (reference): latency 400 ms × 5 = 2,000 ms per request, down/up 500 kbit/s × 0.9 = ${SLOW3G_BPS.toLocaleString('en')} B/s`,
    );
  }
}

const SLOW3G_BPS = Math.round(((500 * 1024) / 8) * 0.9);
/** WebPageTest's "3G Slow" connectivity profile: 400 kbit/s down, 400 kbit/s up, 400 ms RTT. */
const WPT_3G_SLOW_BPS = (400 * 1000) / 8;
const WPT_3G_SLOW_RTT_MS = 400;

async function measureBrowser(url: string, executablePath: string, runs: number): Promise<{ name: string; runs: BrowserMarks[] }[]> {
  const { chromium } = await import('playwright-core');
  const { CHROMIUM_ARGS, refuseOffsite } = await import('../tests/support/browser');
  const profiles = [
    { name: 'WPT 3G Slow', net: 'wpt', cpu: 1, runs },
    { name: 'WPT 3G Slow + CPU 4×', net: 'wpt', cpu: 4, runs },
    { name: 'DevTools Slow 3G (reference)', net: 'devtools', cpu: 1, runs: 1 },
    { name: 'no throttling (reference)', net: null, cpu: 1, runs: 1 },
  ];
  const out: { name: string; runs: BrowserMarks[] }[] = [];
  for (const p of profiles) {
    const marks: BrowserMarks[] = [];
    for (let i = 0; i < p.runs; i++) {
      process.stderr.write(`  browser: ${p.name} run ${i + 1}/${p.runs}…\n`);
      const profileDir = await mkdtemp(join(tmpdir(), 'sinergi-bench-chromium-'));
      const context = await chromium.launchPersistentContext(profileDir, {
        executablePath,
        headless: true,
        viewport: { width: 390, height: 844 },
        args: CHROMIUM_ARGS,
      });
      // the page must load with nothing but its own server: anything else is refused and fails the run
      const offsite: string[] = [];
      try {
        await refuseOffsite(context, url, offsite);
        const page = context.pages()[0] ?? (await context.newPage());
        await page.addInitScript({ content: BROWSER_INIT });
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
        if (p.net === 'wpt') {
          await cdp.send('Network.emulateNetworkConditions', {
            offline: false,
            latency: WPT_3G_SLOW_RTT_MS,
            downloadThroughput: WPT_3G_SLOW_BPS,
            uploadThroughput: WPT_3G_SLOW_BPS,
          });
        } else if (p.net === 'devtools') {
          await cdp.send('Network.emulateNetworkConditions', {
            offline: false,
            latency: 400 * 5,
            downloadThroughput: SLOW3G_BPS,
            uploadThroughput: SLOW3G_BPS,
          });
        }
        if (p.cpu > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: p.cpu });
        // CDP's monotonic clock (s): navigation start, websocket frames
        let navStart: number | null = null;
        let wsOpenAt: number | null = null;
        const frames: [number, number][] = [];
        cdp.on('Network.requestWillBeSent', (e) => {
          if (e.type === 'Document' && navStart === null) navStart = e.timestamp;
        });
        cdp.on('Network.webSocketHandshakeResponseReceived', (e) => void (wsOpenAt ??= e.timestamp));
        cdp.on('Network.webSocketFrameReceived', (e) => void frames.push([e.timestamp, e.response.payloadData.length]));
        await page.goto(`${url}/public`, { waitUntil: 'commit', timeout: 60_000 });
        await page.waitForFunction(browserDone, undefined, { timeout: 90_000, polling: 250 });
        const m = await page.evaluate(browserCollect);
        if (navStart !== null) {
          const rel = (t: number) => (t - navStart!) * 1000;
          if (wsOpenAt !== null) m.wsOpen = rel(wsOpenAt);
          m.wsBytesBeforeKpi = frames.filter(([t]) => rel(t) <= (m.kpi ?? Infinity)).reduce((a, [, b]) => a + b, 0);
        }
        marks.push(m);
      } catch (e) {
        marks.push({ error: (e as Error).message.split('\n')[0] });
      } finally {
        await context.close().catch(() => {});
        await rm(profileDir, { recursive: true, force: true });
      }
      if (offsite.length) throw new Error(`requests that tried to leave localhost: ${offsite.join(', ')}`);
    }
    out.push({ name: p.name, runs: marks });
  }
  return out;
}

function printPhase(r: PhaseResult): void {
  process.stderr.write(
    `  → ${r.kind} ${r.n}: p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms, missed ${r.missed}/${r.expected}, ` +
      `server CPU ${r.serverCpu.toFixed(0)} %, ${((r.rssN - r.rss0) / Math.max(1, r.connected) / 1024).toFixed(1)} KB/conn\n`,
  );
}

function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  console.log(line(head));
  console.log(w.map((x) => '─'.repeat(x)).join('  '));
  for (const r of rows) console.log(line(r));
}

// ───────────────────────────── dispatch ─────────────────────────────

const roles: Record<string, () => Promise<void>> = { main, server: roleServer, 'ws-server': roleWsServer, clients: roleClients };
const run = roles[ROLE];
if (!run) {
  console.error(`unknown role ${ROLE}`);
  process.exit(2);
}
try {
  await run();
} catch (e) {
  console.error(e);
  await onFailure.cleanup?.().catch(() => {});
  process.exit(1);
}
