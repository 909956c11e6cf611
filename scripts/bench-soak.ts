/**
 * `npm run bench:soak [-- --hours 168]`: the wall's client-side buffers (the stores, options and derivations the
 * page runs; tests/support/wall-soak.ts) fed with simulated days of the demo city at the simulator's full rate
 * on a simulated clock, so a week passes in about a minute. Prints what they hold every 6 simulated hours and
 * the Node heap after a full GC, and the heap's slope from the second day on. The simulator itself caches past
 * days (bounded, but it fills for weeks), so the same steps are first run with the simulator alone, and the
 * buffers' heap is the difference of the two runs at each hour. The page's other memory (React, deck.gl,
 * ECharts, the browser) is measured in real time by bench:wall.
 */
import { parseArgs } from 'node:util';
import { cpus, totalmem } from 'node:os';
import { soakWallBuffers, type SoakHour } from '../tests/support/wall-soak';

const { values } = parseArgs({ options: { hours: { type: 'string', default: '168' }, seed: { type: 'string', default: '7' } } });
const hours = Number(values.hours);
if (!Number.isInteger(hours) || hours < 25) throw new Error('--hours must be a whole number of at least 25');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:soak does)');

console.log(`Sinergi wall buffer soak — ${new Date().toISOString()}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`${hours} simulated hours of the demo city (seed ${values.seed}) at the simulator's full rate\n`);
const started = performance.now();
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const baseline: number[] = [];
await soakWallBuffers({ hours, seed: Number(values.seed), simulatorOnly: true, onHour: () => baseline.push(heapMb()) });
console.log(
  '| hour | readings delivered | series | points held | located events | statuses known | alerts | trail points | heap MB, all / simulator alone / buffers |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
const heap: { hour: number; mb: number }[] = [];
await soakWallBuffers({
  hours,
  seed: Number(values.seed),
  onHour: (h: SoakHour) => {
    const all = heapMb();
    const mb = all - baseline[h.hour - 1]!;
    heap.push({ hour: h.hour, mb });
    if (h.hour % 6 === 0 || h.hour === 1) {
      console.log(
        `| ${h.hour} | ${fmt(h.delivered)} | ${h.series} | ${fmt(h.points)} | ${h.located} | ${h.knownEvents} | ${h.alerts} | ${h.trailPoints} | ` +
          `${all.toFixed(2)} / ${baseline[h.hour - 1]!.toFixed(2)} / ${mb.toFixed(2)} |`,
      );
    }
  },
});
// least-squares slope of the buffers' heap from hour 24 on
const tail = heap.filter((h) => h.hour >= 24);
const mx = tail.reduce((a, h) => a + h.hour, 0) / tail.length;
const my = tail.reduce((a, h) => a + h.mb, 0) / tail.length;
const slope = tail.reduce((a, h) => a + (h.hour - mx) * (h.mb - my), 0) / tail.reduce((a, h) => a + (h.hour - mx) ** 2, 0);
const range = tail.map((h) => h.mb);
console.log(
  `\nthe buffers' heap from hour 24 to ${hours}: ${Math.min(...range).toFixed(2)}–${Math.max(...range).toFixed(2)} MB, slope ${(slope * 24 * 1024).toFixed(1)} KB per simulated day` +
    ` (${((performance.now() - started) / 1000).toFixed(0)} s of real time)`,
);
