/**
 * Delivery from the spool to the server: one loop per lane (OPD), oldest first, in batches; the cursor moves
 * only after the server accepted a batch, so a crash anywhere resends at most one batch (harmless: the
 * server's writes are idempotent). Failures are retried with exponential backoff and full jitter, forever:
 * the spool, not the retry count, is what bounds the backlog.
 *
 * A batch the server refuses as invalid (400/403 with per-record details) is not retried as it is: the
 * records it names go to the quarantine with the server's reason and the rest is sent again. A 413 halves
 * the batch. 401 (the key) and 5xx/network errors are retried.
 */
import { MAX_QUARANTINE_BATCH } from '../shared/feeds';
import type { Spool, SpoolKind } from './spool';
import type { SourceLogger } from './source';

export interface LaneStats {
  delivered: number;
  quarantinedByServer: number;
  retries: number;
  lastSuccess: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface Deliverer {
  stats(lane?: string): LaneStats;
  /** Resolves when every lane is empty. */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

export interface DelivererOptions {
  spool: Spool;
  serverUrl: string;
  /** lane (OPD code) → ingest key */
  keys: Readonly<Record<string, string>>;
  maxBatch: number;
  maxBackoffMs: number;
  log: SourceLogger;
  now?: () => number;
}

export type Outcome =
  | { ok: true }
  /** `unavailable`: the server or its database is away (network error, 502/503/504): wait for /readyz */
  | { ok: false; retry: true; error: string; unavailable?: boolean }
  | { ok: false; retry: false; status: number; error: string; details: { index: number | null; message: string; path?: string }[] };

const PATHS = { p: '/api/v1/ingest', e: '/api/v1/events', q: '/api/v1/quarantine' } as const;
const FIELDS = { p: 'points', e: 'events', q: 'entries' } as const;

/**
 * What an answer of the server means for delivery: accepted; refused for good (400/403/413, with the records
 * it names, if any); or to be retried (anything else: 401 while a key is rotated, 5xx, a proxy's error page),
 * where 502/503/504 say the server or its database is away. Pure.
 */
export function classifyAnswer(status: number, text: string): Outcome {
  if (status >= 200 && status < 300) return { ok: true };
  let body: { error?: string; details?: { index: number | null; message: string; path?: string }[] } = {};
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: a proxy's error page */
  }
  const error = `${status} ${body.error ?? text.slice(0, 200)}`;
  if (status === 400 || status === 403 || status === 413) return { ok: false, retry: false, status, error, details: body.details ?? [] };
  return { ok: false, retry: true, error, unavailable: status === 502 || status === 503 || status === 504 };
}

/** The records of a part a refusal names, by index (first reason kept), with the field in front of the reason. Pure. */
export function namedRefusals(details: readonly { index: number | null; message: string; path?: string }[], partLength: number): Map<number, string> {
  const named = new Map<number, string>();
  for (const d of details) {
    if (typeof d.index === 'number' && d.index >= 0 && d.index < partLength && !named.has(d.index))
      named.set(d.index, `${d.path ? `${d.path}: ` : ''}${d.message}`);
  }
  return named;
}

/**
 * What to do with a refused part: halve it (too large, or refused without naming a record — a record corrupted
 * on disk — until the bad one stands alone), or quarantine the named records (the first, when a lone record was
 * refused without a name) and send the rest again. Pure.
 */
export function refusalStep(status: number, named: ReadonlyMap<number, string>, partLength: number): { halve: number } | { quarantine: number[] } {
  if ((status === 413 || named.size === 0) && partLength > 1) return { halve: Math.max(1, Math.floor(partLength / 2)) };
  return { quarantine: named.size ? [...named.keys()].sort((a, b) => a - b) : [0] };
}

/** Exponential backoff with full jitter: a delay in [0, min(cap, 200 ms × 2^attempt)). `random` in [0, 1). Pure. */
export function retryDelayMs(attempt: number, capMs: number, random: number): number {
  return random * Math.min(capMs, 200 * 2 ** Math.min(attempt, 20));
}

export function createDeliverer(opts: DelivererOptions): Deliverer {
  const now = opts.now ?? Date.now;
  const stats = new Map<string, LaneStats>();
  const loops = new Map<string, Promise<void>>();
  const abort = new AbortController();
  let stopped = false;

  const laneStats = (lane: string) => {
    let s = stats.get(lane);
    if (!s) stats.set(lane, (s = { delivered: 0, quarantinedByServer: 0, retries: 0, lastSuccess: null, lastError: null, lastErrorAt: null }));
    return s;
  };

  /** Posts records given as JSON text: spliced into the body, never parsed and serialised again. */
  async function post(lane: string, kind: SpoolKind, bodies: readonly string[]): Promise<Outcome> {
    const key = opts.keys[lane];
    if (!key) return { ok: false, retry: true, error: `no ingest key configured for ${lane}` };
    try {
      const res = await fetch(new URL(PATHS[kind], opts.serverUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: `{"${FIELDS[kind]}":[${bodies.join(',')}]}`,
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(60_000)]),
      });
      return classifyAnswer(res.status, await res.text());
    } catch (e) {
      return { ok: false, retry: true, error: (e as Error).message, unavailable: !stopped };
    }
  }

  /** Whether the server answers /readyz with 200 (its database is reachable). */
  async function ready(): Promise<boolean> {
    try {
      const res = await fetch(new URL('/readyz', opts.serverUrl), { signal: AbortSignal.any([abort.signal, AbortSignal.timeout(2_000)]) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  /**
   * Waits out a backoff. When the server is away, /readyz is probed every READY_PROBE_MS meanwhile and the
   * wait ends as soon as it answers ready: delivery resumes within about a second of recovery instead of
   * sleeping up to maxBackoffMs (issue 14.7). Other failures just sleep.
   */
  const READY_PROBE_MS = 1_000;
  async function backoff(delay: number, unavailable: boolean): Promise<void> {
    if (!unavailable || delay <= READY_PROBE_MS) return sleep(delay);
    const end = Date.now() + delay;
    while (!stopped && Date.now() < end) {
      await sleep(Math.min(READY_PROBE_MS, end - Date.now()));
      if (!stopped && (await ready())) return;
    }
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        abort.signal.removeEventListener('abort', wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      abort.signal.addEventListener('abort', wake, { once: true });
    });

  /**
   * Sends one kind's records; returns once they are accepted (or quarantined), or when stopping.
   * A refusal that names records quarantines exactly those (each with its own payload and index) and sends the
   * rest again; a refusal that names none (a body the server cannot parse: a record corrupted on disk) splits
   * the part in halves and sends each, so only the bad record ends in the quarantine, never its batch.
   */
  async function sendAll(lane: string, kind: SpoolKind, bodies: readonly string[]): Promise<boolean> {
    const s = laneStats(lane);
    let attempt = 0;
    let pending = bodies;
    const cap = kind === 'q' ? Math.min(opts.maxBatch, MAX_QUARANTINE_BATCH) : opts.maxBatch;
    let maxChunk = cap; // lowered for good by a 413
    let chunk = Math.max(1, Math.min(cap, pending.length));
    while (pending.length && !stopped) {
      const part = pending.slice(0, chunk);
      const outcome = await post(lane, kind, part);
      if (outcome.ok) {
        if (attempt > 0) opts.log.info({ lane, attempts: attempt + 1 }, 'delivery recovered');
        attempt = 0;
        pending = pending.slice(part.length);
        s.delivered += part.length;
        s.lastSuccess = now();
        chunk = Math.max(1, Math.min(maxChunk, pending.length));
        continue;
      }
      s.lastError = outcome.error;
      s.lastErrorAt = now();
      if (!outcome.retry) {
        const named = namedRefusals(outcome.details, part.length);
        const step = refusalStep(outcome.status, named, part.length);
        if ('halve' in step) {
          chunk = step.halve;
          if (outcome.status === 413) maxChunk = chunk;
          continue;
        }
        if (kind === 'q') {
          // a quarantine entry the server will not take cannot be quarantined in turn: log it and move on
          opts.log.error({ lane, error: outcome.error, entry: part[0]!.slice(0, 500) }, 'server refused a quarantine entry; dropped it');
          pending = pending.slice(1);
          continue;
        }
        // The server named what it refuses: quarantine those records, one entry each, send the others again.
        const refused = step.quarantine;
        const entries = refused.map((i) => ({
          source: 'delivery',
          opd: lane,
          origin: `spool:${lane}`,
          reason: `server refused (${outcome.status}): ${named.get(i) ?? outcome.error}`.slice(0, 2_000),
          mappingVersion: null,
          data: part[i]!.slice(0, 4_096),
          time: now(),
          index: i,
        }));
        if (
          !(await sendAll(
            lane,
            'q',
            entries.map((e) => JSON.stringify(e)),
          ))
        )
          return false;
        s.quarantinedByServer += refused.length;
        opts.log.warn({ lane, refused: refused.length, error: outcome.error }, 'server refused records; quarantined them');
        const refusedSet = new Set(refused);
        pending = [...part.filter((_, i) => !refusedSet.has(i)), ...pending.slice(part.length)];
        chunk = Math.max(1, Math.min(maxChunk, pending.length));
        continue;
      }
      attempt++;
      s.retries++;
      const delay = retryDelayMs(attempt, opts.maxBackoffMs, Math.random());
      if (attempt === 1 || attempt % 10 === 0)
        opts.log.warn({ lane, attempt, delayMs: Math.round(delay), error: outcome.error }, 'delivery failed; retrying');
      await backoff(delay, outcome.unavailable === true);
    }
    return pending.length === 0;
  }

  /** Sends one batch: each kind in order (points, events, quarantine). False when stopping mid-way. */
  async function sendBatch(lane: string, lines: readonly { k: SpoolKind; json: string }[]): Promise<boolean> {
    const byKind: Record<SpoolKind, string[]> = { p: [], e: [], q: [] };
    for (const line of lines) byKind[line.k].push(line.json);
    for (const kind of ['p', 'e', 'q'] as const) {
      if (byKind[kind].length && !(await sendAll(lane, kind, byKind[kind]))) return false;
    }
    return true;
  }

  /**
   * Up to PIPELINE batches of a lane are in flight at once (the next is read and sent while the server
   * writes the previous); acknowledgements stay in order, so the cursor never passes an unsent batch.
   * A failed read (a disk error) is retried with backoff inside the loop; anything else that ends the loop
   * is logged and the loop is started again from the acknowledged cursor (ensureLoops), so delivery never
   * stops for good while the worker runs.
   */
  const PIPELINE = 2;
  async function runLane(lane: string): Promise<void> {
    opts.spool.rewind(lane); // a restarted loop resends what its predecessor had read but not acknowledged
    const inflight: { sent: Promise<boolean>; ack: () => Promise<void> }[] = [];
    const settleOldest = async (): Promise<boolean> => {
      const oldest = inflight.shift()!;
      if (!(await oldest.sent)) return false;
      await oldest.ack();
      return true;
    };
    let readFailures = 0;
    while (!stopped) {
      let batch = null;
      if (inflight.length < PIPELINE) {
        try {
          batch = await opts.spool.read(lane, opts.maxBatch);
          readFailures = 0;
        } catch (e) {
          readFailures++;
          if (readFailures === 1 || readFailures % 10 === 0) opts.log.error({ lane, err: e, attempt: readFailures }, 'spool read failed; retrying');
          if (inflight.length === 0) {
            await sleep(Math.min(opts.maxBackoffMs, 200 * 2 ** Math.min(readFailures, 10)));
            continue;
          }
        }
      }
      if (batch) {
        inflight.push({ sent: sendBatch(lane, batch.lines), ack: batch.ack });
        continue;
      }
      if (inflight.length) {
        if (!(await settleOldest())) break; // stopping: the cursor stays, the rest is resent next time
        continue;
      }
      await opts.spool.waitForData(lane, abort.signal);
    }
    // let what is already in flight finish so its acknowledgement is not lost needlessly
    while (inflight.length) if (!(await settleOldest())) break;
  }

  function ensureLoops() {
    for (const lane of opts.spool.lanes()) {
      if (!loops.has(lane) && !stopped) {
        loops.set(
          lane,
          runLane(lane)
            .catch(async (e) => {
              opts.log.error({ lane, err: e }, 'delivery loop failed; restarting it');
              await sleep(1_000);
            })
            .finally(() => loops.delete(lane)),
        );
      }
    }
  }
  ensureLoops();
  // Lanes appear when a source first emits for an OPD; a loop that ended is started again.
  const laneWatch = setInterval(ensureLoops, 250);
  laneWatch.unref();

  return {
    stats: (lane) => {
      if (lane) return { ...laneStats(lane) };
      const total: LaneStats = { delivered: 0, quarantinedByServer: 0, retries: 0, lastSuccess: null, lastError: null, lastErrorAt: null };
      for (const s of stats.values()) {
        total.delivered += s.delivered;
        total.quarantinedByServer += s.quarantinedByServer;
        total.retries += s.retries;
        total.lastSuccess = Math.max(total.lastSuccess ?? 0, s.lastSuccess ?? 0) || null;
        if ((s.lastErrorAt ?? 0) > (total.lastErrorAt ?? 0)) {
          total.lastError = s.lastError;
          total.lastErrorAt = s.lastErrorAt;
        }
      }
      return total;
    },
    async drained() {
      while (!stopped && opts.spool.depth().records > 0) await new Promise((r) => setTimeout(r, 50));
    },
    async stop() {
      stopped = true;
      clearInterval(laneWatch);
      abort.abort();
      await Promise.all([...loops.values()]);
    },
  };
}
