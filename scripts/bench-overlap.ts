/**
 * npm run bench:overlap — the dig-once check (server/projects/overlap.ts): one registration against 10,000
 * projects of other OPDs spread over a 20 × 20 km city (lines of 2–12 vertices, points, small polygons, a tenth
 * without geometry), the index built once, then 1,000 checks of random new projects. Prints build time and
 * per-check median, p95 and max. Target: ≤ 50 ms per check.
 */
import { createOverlapIndex, type OverlapProject } from '../server/projects/overlap';
import type { ProjectGeometry } from '../shared/works';

const N = Number(process.env.BENCH_PROJECTS ?? 10_000);
const CHECKS = 1_000;
let seed = 42;
const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const LON0 = 110.3;
const LAT0 = -7.1;
const SPAN = 0.18; // ≈ 20 km

function randomGeometry(): ProjectGeometry | null {
  const r = rnd();
  const x = LON0 + rnd() * SPAN;
  const y = LAT0 + rnd() * SPAN;
  if (r < 0.1) return null;
  if (r < 0.3) return { type: 'Point', coordinates: [x, y] };
  if (r < 0.4) {
    const d = 0.001 + rnd() * 0.002;
    return {
      type: 'Polygon',
      coordinates: [
        [
          [x, y],
          [x + d, y],
          [x + d, y + d],
          [x, y + d],
          [x, y],
        ],
      ],
    };
  }
  const n = 2 + Math.floor(rnd() * 11);
  const coords: [number, number][] = [[x, y]];
  for (let i = 1; i < n; i++) coords.push([coords[i - 1]![0] + (rnd() - 0.3) * 0.002, coords[i - 1]![1] + (rnd() - 0.5) * 0.002]);
  return { type: 'LineString', coordinates: coords };
}

const OPDS = ['DPUPR', 'PDAM', 'DISHUB', 'DLH', 'DISKOMINFO', 'PERKIM'];
function randomProject(id: string): OverlapProject {
  const start = Date.UTC(2025, 0, 1) + Math.floor(rnd() * 900) * 86_400_000;
  const end = start + (30 + Math.floor(rnd() * 240)) * 86_400_000;
  return {
    id,
    opd: OPDS[Math.floor(rnd() * OPDS.length)]!,
    region: `33.74.${String(1 + Math.floor(rnd() * 16)).padStart(2, '0')}.${1000 + Math.floor(rnd() * 12)}`,
    geometry: randomGeometry(),
    contractStart: new Date(start).toISOString().slice(0, 10),
    contractEnd: new Date(end).toISOString().slice(0, 10),
  };
}

const projects = Array.from({ length: N }, (_, i) => randomProject(`P-${i}`));
// warm-up (JIT) on a copy, as a running server is warm
for (let i = 0; i < 3; i++) createOverlapIndex(projects).find(randomProject('WARM'));
let t = performance.now();
const index = createOverlapIndex(projects);
const buildMs = performance.now() - t;

const times: number[] = [];
let findings = 0;
for (let i = 0; i < CHECKS; i++) {
  const p = randomProject(`NEW-${i}`);
  t = performance.now();
  findings += index.find(p).length;
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const q = (f: number) => times[Math.min(times.length - 1, Math.floor(f * times.length))]!;
console.log(`overlap check against ${N} projects: index build ${buildMs.toFixed(1)} ms (once per registration batch)`);
console.log(
  `per check (${CHECKS} checks): median ${q(0.5).toFixed(3)} ms, p95 ${q(0.95).toFixed(3)} ms, max ${times.at(-1)!.toFixed(3)} ms; ${(findings / CHECKS).toFixed(2)} findings per check`,
);
console.log(`one registration (build + check): ~${(buildMs + q(0.5)).toFixed(1)} ms; target ≤ 50 ms`);
