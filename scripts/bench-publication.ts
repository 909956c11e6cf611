/**
 * `npm run bench:publication`: does the joint complaint publication (server/public/publication.ts) stall the
 * event loop? It runs once per public snapshot (`PUBLIC_CACHE_MS`) over the complaints of the last 30 days; the
 * issue-21 figures put it at 11.6 s for Kota Semarang's 30 days on a loaded box, all on the loop that fans out
 * live deltas. This script publishes a synthetic city of that size (177 kelurahan × 7 categories, skewed, many
 * small counts) twice: inline, as before, and through the worker thread (publication-pool.ts), and reports
 * the wall time and the event loop's delay (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution) during each.
 *
 *   BENCH_COMPLAINTS (24000)  BENCH_DAYS (30)  BENCH_KELURAHAN (177)  BENCH_CATEGORIES (7)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import type { ComplaintRow } from '../db/queries/public';
import { publishComplaints } from '../server/public/publication';
import { createPublisher } from '../server/public/publication-pool';

const N = Number(process.env.BENCH_COMPLAINTS ?? 24_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const KEL = Number(process.env.BENCH_KELURAHAN ?? 177);
const CATS = Number(process.env.BENCH_CATEGORIES ?? 7);
const DAY = 86_400_000;
const NOW = Date.now();

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function city(): ComplaintRow[] {
  const rnd = rng(18);
  const kel = Array.from({ length: KEL }, (_, i) => `33.74.${String(1 + (i % 16)).padStart(2, '0')}.${1001 + i}`);
  const cats = Array.from({ length: CATS }, (_, i) => `kategori_${i}`);
  return Array.from({ length: N }, () => {
    const openedAt = NOW - Math.floor(rnd() * DAYS * DAY);
    const closed = rnd() < 0.7 ? openedAt + Math.floor(rnd() ** 2 * 6 * DAY) : null;
    return {
      // skewed: a few busy kelurahan and categories, a long tail of small counts
      region: kel[Math.floor(rnd() ** 2 * KEL)]!,
      category: cats[Math.floor(rnd() ** 1.5 * CATS)]!,
      openedAt,
      closedAt: closed !== null && closed <= NOW ? closed : null,
      opd: 'DLH',
      opdName: 'DLH',
      slaHours: 72,
      rejected: rnd() < 0.03,
    };
  });
}

async function measure(what: string, run: () => Promise<unknown>) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  // something for the loop to do meanwhile, as the fan-out would: a 10 ms timer
  let ticks = 0;
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    ticks++;
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
  }, 10);
  h.enable();
  const t0 = performance.now();
  const result = (await run()) as { disclosure: { figures: number; hidden: number } };
  const ms = performance.now() - t0;
  // a loop blocked all along records its delay only once it runs again: let it
  await new Promise((r) => setTimeout(r, 50));
  h.disable();
  clearInterval(timer);
  const p = (q: number) => (h.percentile(q) / 1e6).toFixed(0);
  console.log(
    `${what.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms   loop delay p50 ${p(50)} ms, p99 ${p(99)} ms, max ${(h.max / 1e6).toFixed(0)} ms;` +
      ` a 10 ms timer fired ${ticks} times, longest gap ${longest.toFixed(0)} ms; ${result.disclosure.figures} figures, ${result.disclosure.hidden} hidden`,
  );
  return result;
}

const rows = city();
console.log(`bench:publication — ${new Date().toISOString()}; ${cpus().length} × ${cpus()[0]?.model}; load average ${loadavg()[0]!.toFixed(1)}`);
console.log(`${N} complaints over ${DAYS} days, ${KEL} kelurahan × ${CATS} categories, k = 5`);
const opts = { k: 5, now: NOW, regions: new Map() };
const publisher = createPublisher();
// the worker's start (and, under tsx, its loader) is paid once per process: warm it first
await publisher.publish(rows.slice(0, 50), opts);
const inline = await measure('inline (on the event loop)', async () => publishComplaints(rows, opts));
const worker = await measure('worker thread', () => publisher.publish(rows, opts));
console.log(`same answer: ${JSON.stringify(inline) === JSON.stringify(worker)}; load average ${loadavg()[0]!.toFixed(1)}`);
await publisher.close();
