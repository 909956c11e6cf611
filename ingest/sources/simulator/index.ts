/**
 * The demo city simulator as an ingest source: floods (BPBD), traffic (Dishub), sanitation (DLH),
 * projects (Dinas PUPR) and complaints (Diskominfo) of Kota Semarang.
 *
 * Every value is a pure function of (seed, entity, time), timestamps are aligned to each metric's cadence,
 * so backfill and live polls agree and re-sends are idempotent.
 */
import { DEMO_CITY_SEED, generateDemoCity } from '../../../demo/city';
import { z } from 'zod';
import type { NormalisedRecord, PollSource, SourceDefinition } from '../../source';
import { buildWorld, type World } from './entities';
import { MINUTE } from './noise';
import { Simulator } from './simulator';
import { demoTrenchRegistration, projectRegistration } from './projects';
import type { EntityGeometryInput, ProjectInput } from '../../../shared/schemas';
import { DEMO_METRICS } from '../../../demo/catalog';

export { Simulator } from './simulator';
export type { World } from './entities';

export const DEFAULT_SIMULATOR_SEED = 2026;
const DEFAULT_BACKFILL_MINUTES = 60;
const DEFAULT_INTERVAL_MS = 2_000;

export interface SimulatorOptions {
  /** Seed of the dynamics (rain, traffic noise, complaints, routes…). */
  seed?: number;
  /** Seed of the city geography; must match the one the server seeded its regions with. */
  citySeed?: number;
  /** How much history the first poll emits, in minutes (default 60). */
  backfillMinutes?: number;
  /** How often the worker should poll (default 2000 ms). */
  intervalMs?: number;
  /**
   * Days of older history back-filled in the background after the first poll (default 0): one chunk per
   * poll, newest first, at one point per minute (see HISTORY_STEP_MS), so live data flows from the first
   * poll on and the 24 h / 7 d charts fill within minutes.
   */
  historyDays?: number;
}

/** The back-fill's sampling step for metrics faster than it, and how much history one poll sends. */
export const HISTORY_STEP_MS = MINUTE;
export const HISTORY_CHUNK_MS = 2 * 60 * MINUTE;

/**
 * Pure: the next window of the background back-fill, newest first, from `done` (the oldest time sent so far)
 * down to `oldest`; null when finished. Windows are aligned to the chunk size so a restart resends the same ones.
 */
export function nextHistoryWindow(done: number, oldest: number, chunkMs = HISTORY_CHUNK_MS): { from: number; to: number } | null {
  if (!(done > oldest)) return null;
  const from = Math.max(oldest, (Math.ceil(done / chunkMs) - 1) * chunkMs);
  return { from, to: done };
}

const worlds = new Map<string, Promise<World>>();

/** The simulator's static world (entities, routes) for a seed pair; cached. */
export function simulatorWorld(seed = DEFAULT_SIMULATOR_SEED, citySeed = DEMO_CITY_SEED): Promise<World> {
  const key = `${seed}:${citySeed}`;
  let world = worlds.get(key);
  if (!world) {
    world = generateDemoCity(citySeed).then((city) => buildWorld(seed, city));
    world.catch(() => worlds.delete(key));
    worlds.set(key, world);
  }
  return world;
}

/** A simulator over a fresh world; use `collect(from, to)` for arbitrary windows (tests, benchmarks). */
export async function createSimulator(opts: Pick<SimulatorOptions, 'seed' | 'citySeed'> = {}): Promise<Simulator> {
  return new Simulator(await simulatorWorld(opts.seed, opts.citySeed));
}

export async function createSimulatorSource(opts: SimulatorOptions & { name?: string } = {}): Promise<PollSource> {
  const sim = await createSimulator(opts);
  const backfillMs = Math.max(0, opts.backfillMinutes ?? DEFAULT_BACKFILL_MINUTES) * MINUTE;
  // After a long pause (laptop asleep) catch up at most this much instead of flooding the pipeline.
  const maxCatchUpMs = Math.max(backfillMs, 60 * MINUTE);
  let last: number | null = null;
  const historyMs = Math.max(0, opts.historyDays ?? 0) * 24 * 60 * MINUTE;
  // the background back-fill: how far back it has got (null: not started), and where it stops
  let historyDone: number | null = null;
  let historyOldest = 0;

  return {
    mode: 'poll',
    name: opts.name ?? 'simulator',
    intervalMs: opts.intervalMs ?? DEFAULT_INTERVAL_MS,
    async poll(ctx) {
      const now = ctx.now();
      if (!Number.isFinite(now)) return;
      const first = last === null;
      if (last !== null && now <= last) return; // the clock went back (or stood still): wait for it
      let from = last ?? now - backfillMs;
      if (now - from > maxCatchUpMs) from = now - maxCatchUpMs;
      const records: NormalisedRecord[] = [];
      for (const d of sim.collect(from, now, first)) {
        for (const point of d.points) records.push({ opd: d.opd, point });
        for (const event of d.events) records.push({ opd: d.opd, event });
      }
      await ctx.emit(records);
      if (first) {
        historyDone = from;
        historyOldest = from - historyMs;
      }
      last = now; // only once spooled: a failed round is simulated again
      // then one chunk of older history per poll, behind the live data
      const w = historyDone === null ? null : nextHistoryWindow(historyDone, historyOldest);
      if (w) {
        const older: NormalisedRecord[] = [];
        for (const d of sim.collect(w.from, w.to, false, HISTORY_STEP_MS)) {
          for (const point of d.points) older.push({ opd: d.opd, point });
          for (const event of d.events) older.push({ opd: d.opd, event });
        }
        await ctx.emit(older);
        historyDone = w.from;
      }
    },
  };
}

/** The simulator as a configurable source type (`type: simulator`). */
export const simulatorDefinition: SourceDefinition = {
  type: 'simulator',
  needsMapping: false,
  configSchema: z
    .object({
      seed: z.number().int().default(DEFAULT_SIMULATOR_SEED),
      backfillMinutes: z
        .number()
        .int()
        .min(0)
        .max(24 * 60)
        .default(DEFAULT_BACKFILL_MINUTES),
      intervalMs: z.number().int().min(200).max(60_000).default(DEFAULT_INTERVAL_MS),
      historyDays: z.number().int().min(0).max(31).default(0),
    })
    .strict(),
  create: (config) => createSimulatorSource(config as SimulatorOptions & { name: string }),
};

export interface RoadSegmentPath {
  id: string;
  name: string;
  path: [number, number][];
}

/** Road segments with their polylines (lon, lat), for drawing; ids match the traffic series' entities. */
export async function roadSegments(citySeed = DEMO_CITY_SEED): Promise<RoadSegmentPath[]> {
  const world = await simulatorWorld(DEFAULT_SIMULATOR_SEED, citySeed);
  return world.segments.map((s) => ({ id: s.id, name: s.name, path: s.path.map(([x, y]) => [x, y] as [number, number]) }));
}

export type SimulatorEntityKind =
  'water_gate' | 'pump_house' | 'rain_gauge' | 'road_segment' | 'truck' | 'container' | 'landfill' | 'project' | 'city';

export interface SimulatorEntity {
  id: string;
  name: string;
  kind: SimulatorEntityKind;
  /** Metric codes emitted for this entity. */
  metrics: string[];
  /** Fixed position (a truck's depot). */
  lon: number;
  lat: number;
  region: string | null;
  /** Projects: contract start and end (epoch ms) and value (IDR); gates: river. */
  details?: Record<string, string | number>;
}

/** The simulator's projects as their OPD registers them (POST /api/v1/projects). */
export async function simulatorProjectRegistry(opts: Pick<SimulatorOptions, 'seed' | 'citySeed'> = {}): Promise<ProjectInput[]> {
  return (await simulatorWorld(opts.seed, opts.citySeed)).projects.map(projectRegistration);
}

/**
 * The demo's known dig-once conflict (issue 20): a drainage trench another OPD registers along the road Dinas
 * PUPR resurfaces (`Peningkatan Jalan Kaligawe`), starting six weeks after the resurfacing ends. Registered
 * with that OPD's key, after the registry.
 */
export async function simulatorConflictingProjects(
  opts: Pick<SimulatorOptions, 'seed' | 'citySeed'> = {},
): Promise<{ opd: string; projects: ProjectInput[]; conflictsWith: string }> {
  const w = await simulatorWorld(opts.seed, opts.citySeed);
  const road = w.projects.find((p) => p.name === 'Peningkatan Jalan Kaligawe')!;
  const trench = demoTrenchRegistration(road);
  return { opd: trench.opd, projects: [trench], conflictsWith: road.id };
}

/**
 * The simulator's road segments as the OPD that owns the traffic metrics registers their lines
 * (POST /api/v1/entities, with that OPD's key): the segment id its series carry, its name (road and part) and
 * its path along the road.
 */
export async function simulatorRoadGeometry(
  opts: Pick<SimulatorOptions, 'seed' | 'citySeed'> = {},
): Promise<{ opd: string; entities: EntityGeometryInput[] }> {
  const w = await simulatorWorld(opts.seed, opts.citySeed);
  const opd = DEMO_METRICS.find((m) => m.code === 'congestion_index')!.ownerOpd;
  return { opd, entities: w.segments.map((s) => ({ entity: s.id, name: s.name, path: s.path })) };
}

/** Display names and fixed positions of everything the simulator reports on (labels for the client). */
export async function simulatorEntities(opts: Pick<SimulatorOptions, 'seed' | 'citySeed'> = {}): Promise<SimulatorEntity[]> {
  const w = await simulatorWorld(opts.seed, opts.citySeed);
  const base = (e: { id: string; name: string; lon: number; lat: number; region: string | null }) => ({
    id: e.id,
    name: e.name,
    lon: e.lon,
    lat: e.lat,
    region: e.region,
  });
  return [
    ...w.gates.map((g) => ({
      ...base(g),
      kind: (g.pumps > 0 ? 'pump_house' : 'water_gate') as SimulatorEntityKind,
      metrics: g.pumps > 0 ? ['water_level', 'pump_running'] : ['water_level'],
      details: { river: g.river, pumps: g.pumps },
    })),
    ...w.gauges.map((g) => ({ ...base(g), kind: 'rain_gauge' as const, metrics: ['rainfall'] })),
    ...w.segments.map((s) => ({
      ...base(s),
      kind: 'road_segment' as const,
      metrics: ['traffic_intensity', 'traffic_speed', 'congestion_index'],
      details: { road: s.road, capacity: s.capacity, freeFlowKmh: Math.round(s.freeFlow) },
    })),
    ...w.trucks.map((t) => ({ ...base(t), lon: t.depot[0], lat: t.depot[1], kind: 'truck' as const, metrics: ['truck_load'] })),
    ...w.containers.map((c) => ({
      ...base(c),
      kind: 'container' as const,
      metrics: ['container_fill'],
      details: { capacityTonnes: Math.round(c.capacityT * 10) / 10, truck: w.trucks[c.truck]?.id ?? '' },
    })),
    { ...base(w.landfill), kind: 'landfill' as const, metrics: ['landfill_intake'] },
    ...w.projects.map((p) => ({
      ...base(p),
      kind: 'project' as const,
      metrics: ['project_progress', 'project_progress_plan', 'project_budget_absorbed'],
      details: { contractStart: p.start, contractEnd: p.end, contractValue: p.value },
    })),
    { ...base(w.cityEntity), kind: 'city' as const, metrics: ['complaints_open'] },
  ];
}

/**
 * The names of the simulator's point entities (gates, pump houses, rain gauges, trucks, containers, the
 * landfill) as the OPD owning each one's metrics registers them (POST /api/v1/entities, name only), so people
 * read "Rumah Pompa Kali Banger" before "PA-BANGER". Road segments register name and line
 * (simulatorRoadGeometry); projects carry their name in the project registry.
 */
export async function simulatorEntityNames(
  opts: Pick<SimulatorOptions, 'seed' | 'citySeed'> = {},
): Promise<{ opd: string; entities: EntityGeometryInput[] }[]> {
  const byOpd = new Map<string, EntityGeometryInput[]>();
  for (const e of await simulatorEntities(opts)) {
    if (e.kind === 'road_segment' || e.kind === 'project' || e.kind === 'city') continue;
    const opd = DEMO_METRICS.find((m) => m.code === e.metrics[0])?.ownerOpd;
    if (!opd) continue;
    byOpd.set(opd, [...(byOpd.get(opd) ?? []), { entity: e.id, name: e.name }]);
  }
  return [...byOpd].map(([opd, entities]) => ({ opd, entities }));
}
