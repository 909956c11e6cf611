import { beforeAll, describe, expect, it } from 'vitest';
import { COMPLAINT_CATEGORIES, DEMO_EVENT_KINDS, DEMO_METRICS } from '../../demo/catalog';
import { generateDemoCity } from '../../demo/city';
import { DEMO_RIVERS, DEMO_ROADS } from '../../demo/basemap/semarang';
import { createSimulator, createSimulatorSource, roadSegments, simulatorEntities, type Simulator } from '../../ingest/sources/simulator/index';
import type { Delivery, NormalisedRecord, PollSource, SourceContext } from '../../ingest/source';
import { DOMAINS } from '../../shared/catalog';
import { eventSchema, pointSchema, type EventInput, type PointInput } from '../../shared/schemas';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Tuesday 24 November 2026, 07:30 WIB (aligned to every cadence). */
const NOW = Date.parse('2026-11-24T00:30:00Z');
/** The same Tuesday, 03:00 WIB. */
const NIGHT = Date.parse('2026-11-23T20:00:00Z');

/** Polls the source at a given instant and regroups what it emitted per OPD, in emission order. */
async function pollAt(source: PollSource, now: number): Promise<Delivery[]> {
  const emitted: NormalisedRecord[] = [];
  const ctx = {
    now: () => now,
    emit: async (records: readonly NormalisedRecord[]) => {
      emitted.push(...records);
      return { accepted: records.length, quarantined: 0 };
    },
  } as unknown as SourceContext;
  await source.poll(ctx);
  const out: Delivery[] = [];
  for (const r of emitted) {
    let d = out.find((x) => x.opd === r.opd);
    if (!d) out.push((d = { opd: r.opd, points: [], events: [] }));
    if ('point' in r) d.points.push(r.point);
    else d.events.push(r.event);
  }
  return out;
}

const metricByCode = new Map(DEMO_METRICS.map((m) => [m.code, m]));
const kindByCode = new Map(DEMO_EVENT_KINDS.map((k) => [k.code, k]));

const allPoints = (ds: Delivery[]): PointInput[] => ds.flatMap((d) => d.points);
const allEvents = (ds: Delivery[]): EventInput[] => ds.flatMap((d) => d.events);

/** Per OPD, the concatenation of several polls' records. */
function merge(...polls: Delivery[][]): Record<string, { points: PointInput[]; events: EventInput[] }> {
  const out: Record<string, { points: PointInput[]; events: EventInput[] }> = {};
  for (const poll of polls) {
    for (const d of poll) {
      const o = (out[d.opd] ??= { points: [], events: [] });
      o.points.push(...d.points);
      o.events.push(...d.events);
    }
  }
  return out;
}

describe('simulator source', () => {
  let backfill: Delivery[];
  let sim: Simulator;

  beforeAll(async () => {
    const source = await createSimulatorSource({ seed: 2026 });
    backfill = await pollAt(source, NOW);
    sim = await createSimulator({ seed: 2026 });
  }, 60_000);

  it('implements Source and emits one delivery per owner OPD', async () => {
    const source = await createSimulatorSource({ intervalMs: 1500 });
    expect(source.name).toBe('simulator');
    expect(source.intervalMs).toBe(1500);
    const opds = backfill.map((d) => d.opd);
    expect(new Set(opds).size).toBe(opds.length);
    expect(new Set(opds)).toEqual(new Set(['BPBD', 'DISHUB', 'DLH', 'DPUPR', 'DISKOMINFO']));
    for (const d of backfill) expect(d.points.length + d.events.length).toBeGreaterThan(0);
  });

  it('backfills 60 minutes with aligned timestamps, under 80k points', () => {
    const points = allPoints(backfill);
    expect(points.length).toBeGreaterThan(10_000);
    expect(points.length).toBeLessThan(80_000);
    const misplaced = points.filter((p) => {
      const t = p.time as number;
      return t <= NOW - 60 * MIN || t > NOW || t % (metricByCode.get(p.metric)!.cadenceS * 1000) !== 0;
    });
    expect(misplaced).toEqual([]);
    // Every metric at every aligned time of the window: 60 min / cadence readings per entity.
    const waterLevel = points.filter((p) => p.metric === 'water_level' && p.entity === 'PA-BANGER');
    expect(waterLevel).toHaveLength(360);
  });

  it('emits only valid records: schemas, catalog codes, owner OPD, five domains', async () => {
    const city = await generateDemoCity();
    const regionCodes = new Set(city.regions.map((r) => r.code));
    const domains = new Set<string>();
    const problems: string[] = [];
    const categories: readonly string[] = COMPLAINT_CATEGORIES;
    for (const d of backfill) {
      for (const p of d.points) {
        const m = metricByCode.get(p.metric);
        if (!pointSchema.safeParse(p).success) problems.push(`invalid point ${JSON.stringify(p)}`);
        if (m?.ownerOpd !== d.opd) problems.push(`${p.metric} delivered as ${d.opd}`);
        if (typeof p.time !== 'number' || typeof p.lon !== 'number' || typeof p.lat !== 'number') problems.push(`no time/position ${p.entity}`);
        if (p.region === undefined || !regionCodes.has(p.region)) problems.push(`no kelurahan for ${p.entity}`);
        if (m) domains.add(m.domain);
      }
      for (const e of d.events) {
        const k = kindByCode.get(e.kind);
        if (!eventSchema.safeParse(e).success) problems.push(`invalid event ${JSON.stringify(e)}`);
        if (k?.ownerOpd !== d.opd) problems.push(`${e.kind} delivered as ${d.opd}`);
        if (!k?.statuses.includes(e.status)) problems.push(`${e.kind} status ${e.status}`);
        if (e.kind === 'complaint' && !categories.includes(e.category ?? '')) problems.push(`category ${e.category}`);
        if (e.region !== undefined && !regionCodes.has(e.region)) problems.push(`region ${e.region}`);
        if (k) domains.add(k.domain);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    // every live domain; `system` (the platform's own health: backups) is the server's, not the city's
    expect([...domains].sort()).toEqual(DOMAINS.filter((d) => d !== 'system').sort());
    const emitted = new Set(allPoints(backfill).map((p) => p.metric));
    expect([...emitted].sort()).toEqual(DEMO_METRICS.map((m) => m.code).sort());
  });

  it('is deterministic: the same seed and window give identical deliveries', async () => {
    const a = await createSimulatorSource({ seed: 7, backfillMinutes: 10 });
    const b = await createSimulatorSource({ seed: 7, backfillMinutes: 10 });
    const ra = await pollAt(a, NOW);
    const rb = await pollAt(b, NOW);
    expect(rb).toEqual(ra);
    const c = await createSimulatorSource({ seed: 8, backfillMinutes: 10 });
    expect(await pollAt(c, NOW)).not.toEqual(ra);
  });

  it('gives the same records whether a window is polled at once or in pieces', async () => {
    const whole = await createSimulatorSource({ seed: 2026, backfillMinutes: 20 });
    const pieces = await createSimulatorSource({ seed: 2026, backfillMinutes: 12 });
    const one = await pollAt(whole, NOW);
    const split = [
      await pollAt(pieces, NOW - 8 * MIN),
      await pollAt(pieces, NOW - 5 * MIN + 1234),
      await pollAt(pieces, NOW - 5 * MIN + 1234), // same instant again: nothing new
      await pollAt(pieces, NOW - 2 * MIN - 7),
      await pollAt(pieces, NOW),
    ];
    expect(split[2]).toEqual([]);
    expect(merge(...split)).toEqual(merge(one));
  });

  it('live polls emit only what is new since the previous poll', async () => {
    const source = await createSimulatorSource({ seed: 2026, backfillMinutes: 1 });
    await pollAt(source, NOW);
    const next = await pollAt(source, NOW + 10_000);
    const points = allPoints(next);
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) {
      expect(p.time as number).toBeGreaterThan(NOW);
      expect(p.time as number).toBeLessThanOrEqual(NOW + 10_000);
    }
    // Going back in time yields nothing.
    expect(await pollAt(source, NOW)).toEqual([]);
  });

  it('traffic is heavier at 07:30 WIB on a weekday than at 03:00, and speed/congestion agree', () => {
    const at = (t: number): PointInput[] => allPoints(sim.collect(t - 10_000, t));
    const sum = (ps: PointInput[], metric: string): number => ps.filter((p) => p.metric === metric).reduce((s, p) => s + (p.value as number), 0);
    const rush = at(NOW);
    const night = at(NIGHT);
    expect(sum(rush, 'traffic_intensity')).toBeGreaterThan(3 * sum(night, 'traffic_intensity'));
    expect(sum(rush, 'congestion_index')).toBeGreaterThan(sum(night, 'congestion_index'));
    // Per segment: congestion index = 1 − speed / free-flow speed, so slower means more congested.
    for (const seg of sim.world.segments) {
      const speed = rush.find((p) => p.metric === 'traffic_speed' && p.entity === seg.id)!.value as number;
      const ci = rush.find((p) => p.metric === 'congestion_index' && p.entity === seg.id)!.value as number;
      expect(ci).toBeGreaterThanOrEqual(0);
      expect(ci).toBeLessThanOrEqual(1);
      expect(ci).toBeCloseTo(1 - speed / seg.freeFlow, 2);
    }
  });

  it('water levels rise after rain upstream (lagged rain correlates, future rain does not)', () => {
    const gi = sim.world.gates.findIndex((g) => g.id === 'PA-BKB');
    const gate = sim.world.gates[gi]!;
    const gauge = sim.world.gauges.find((g) => g.id === 'ARG-GUNUNGPATI')!;
    const rainBefore: number[] = [];
    const rainAfter: number[] = [];
    const level: number[] = [];
    for (let t = NOW - 7 * 24 * HOUR; t <= NOW; t += 5 * MIN) {
      level.push(sim.floods.waterLevel(gi, t));
      rainBefore.push(sim.floods.rainfall(gauge.lon, gauge.lat, t - gate.lagMin * MIN - 20 * MIN));
      rainAfter.push(sim.floods.rainfall(gauge.lon, gauge.lat, t + 2 * HOUR));
    }
    const corr = (a: number[], b: number[]): number => {
      const n = a.length;
      const ma = a.reduce((s, x) => s + x, 0) / n;
      const mb = b.reduce((s, x) => s + x, 0) / n;
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < n; i++) {
        ab += (a[i]! - ma) * (b[i]! - mb);
        aa += (a[i]! - ma) ** 2;
        bb += (b[i]! - mb) ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    expect(Math.max(...rainBefore)).toBeGreaterThan(10);
    expect(corr(rainBefore, level)).toBeGreaterThan(0.5);
    expect(corr(rainBefore, level)).toBeGreaterThan(corr(rainAfter, level) + 0.3);

    // The heaviest shower of the week: the level an hour and a half later is well above the level before it.
    const peak = rainBefore.indexOf(Math.max(...rainBefore));
    const tPeakRain = NOW - 7 * 24 * HOUR + peak * 5 * MIN - gate.lagMin * MIN - 20 * MIN;
    const before = sim.floods.waterLevel(gi, tPeakRain - 2 * HOUR);
    const after = sim.floods.waterLevel(gi, tPeakRain + gate.lagMin * MIN + 30 * MIN);
    expect(after - before).toBeGreaterThan(30);
  });

  it('some gate crosses Siaga during heavy rain within two weeks, and pumps follow the level', () => {
    const siaga = metricByCode.get('water_level')!.thresholds!.siaga;
    let crossed: number | null = null;
    let pumpsHigh = 0;
    let pumpsLow = 0;
    for (let t = NOW - 14 * 24 * HOUR; t <= NOW; t += 10 * MIN) {
      sim.world.gates.forEach((g, i) => {
        const v = sim.floods.waterLevel(i, t);
        if (v >= siaga) crossed ??= t;
        if (g.pumps > 0) {
          const r = sim.floods.pumpRunning(i, t);
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThanOrEqual(1);
          if (v > g.base + 80) pumpsHigh += r;
          if (v < g.base - 5) pumpsLow += r;
        }
      });
    }
    expect(crossed).not.toBeNull();
    expect(pumpsHigh).toBeGreaterThan(0);
    expect(pumpsLow).toBe(0);
    // …and BPBD gets a flood report for it.
    const reports = sim.floods.reportEventsBetween(crossed! - 4 * HOUR, crossed! + HOUR);
    expect(reports.some((e) => e.status === 'reported')).toBe(true);
    for (const e of reports) expect(eventSchema.safeParse(e).success).toBe(true);
  }, 60_000);

  it('trucks move, load at containers and unload at the landfill', () => {
    const byTruck = new Map<string, PointInput[]>();
    for (const p of allPoints(backfill)) if (p.metric === 'truck_load') byTruck.set(p.entity, [...(byTruck.get(p.entity) ?? []), p]);
    expect(byTruck.size).toBe(sim.world.trucks.length);
    for (const [, ps] of byTruck) {
      expect(ps).toHaveLength(720);
      const positions = new Set(ps.map((p) => `${p.lon},${p.lat}`));
      expect(positions.size).toBeGreaterThan(10);
      expect(ps.every((p) => (p.value as number) >= 0)).toBe(true);
    }
    // Over a day every truck reaches the landfill loaded, unloads there and leaves it empty.
    const day = NOW - 24 * HOUR;
    const tpa = sim.world.landfill;
    for (let i = 0; i < sim.world.trucks.length; i++) {
      let maxLoad = 0;
      let arrivedLoaded = 0;
      let previous: { atTpa: boolean; load: number } | null = null;
      for (let t = day; t < NOW; t += MIN) {
        const s = sim.sanitation.truckState(i, t);
        const atTpa = s.lon === tpa.lon && s.lat === tpa.lat;
        maxLoad = Math.max(maxLoad, s.load);
        if (atTpa && previous && !previous.atTpa && s.load > 1) arrivedLoaded++;
        if (atTpa && previous?.atTpa) expect(s.load).toBeLessThanOrEqual(previous.load);
        if (!atTpa && previous?.atTpa) expect(s.load).toBe(0);
        previous = { atTpa, load: s.load };
      }
      expect(maxLoad).toBeGreaterThan(1);
      expect(arrivedLoaded).toBeGreaterThanOrEqual(5);
    }
  });

  it('containers fill up and are emptied; landfill intake grows within a day and resets at midnight WIB', () => {
    const fills = allPoints(backfill).filter((p) => p.metric === 'container_fill');
    expect(new Set(fills.map((p) => p.entity)).size).toBe(sim.world.containers.length);
    expect(fills.every((p) => (p.value as number) >= 0 && (p.value as number) <= 1)).toBe(true);
    const midnight = Date.parse('2026-11-23T17:00:00Z'); // 00:00 WIB, 24 Nov
    let prev = -1;
    for (let t = midnight - 24 * HOUR + MIN; t < midnight; t += 10 * MIN) {
      const v = sim.sanitation.landfillIntake(t);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
    expect(prev).toBeGreaterThan(300);
    expect(sim.sanitation.landfillIntake(midnight + MIN)).toBeLessThan(prev);
    expect(sim.sanitation.landfillIntake(midnight)).toBe(0);
  });

  it('projects: plan is an S-curve, some are late by more than 10 points, absorption lags', () => {
    const at = (metric: string, entity: string): number =>
      allPoints(backfill).findLast((p) => p.metric === metric && p.entity === entity)!.value as number;
    let late = 0;
    let finished = 0;
    for (const p of sim.world.projects) {
      const plan = at('project_progress_plan', p.id);
      const actual = at('project_progress', p.id);
      const absorbed = at('project_budget_absorbed', p.id);
      expect(plan).toBeGreaterThanOrEqual(0);
      expect(plan).toBeLessThanOrEqual(100);
      expect(actual).toBeLessThanOrEqual(100);
      expect(absorbed).toBeLessThanOrEqual(p.value);
      expect(absorbed / p.value).toBeLessThanOrEqual(actual / 100 + 1e-9);
      expect(p.value).toBeGreaterThanOrEqual(500e6);
      expect(p.value).toBeLessThanOrEqual(25e9);
      if (plan - actual > 10) late++;
      if (actual === 100) finished++;
    }
    expect(late).toBeGreaterThanOrEqual(2);
    expect(finished).toBeGreaterThanOrEqual(2);
    expect(finished).toBeLessThan(sim.world.projects.length / 2);
    const milestones = allEvents(backfill).filter((e) => e.kind === 'project_milestone');
    expect(milestones.some((e) => e.status === 'reached')).toBe(true);
    expect(milestones.some((e) => e.status === 'late')).toBe(true);
  });

  it('complaints follow the lifecycle, and complaints_open matches the events', () => {
    const complaints = allEvents(backfill).filter((e) => e.kind === 'complaint');
    expect(complaints.length).toBeGreaterThan(50);
    const byId = new Map<string, EventInput[]>();
    for (const e of complaints) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
    const resolvedPath = ['received', 'verified', 'dispatched', 'resolved'];
    const rejectedPath = ['received', 'rejected'];
    for (const [id, events] of byId) {
      expect(id).toMatch(/^LPR-\d{8}-\d{4}$/);
      const statuses = [...events].sort((a, b) => (a.time as number) - (b.time as number)).map((e) => e.status);
      const path = statuses.includes('rejected') ? rejectedPath : resolvedPath;
      // Every complaint the consumer hears of starts at `received`, in order, each status once.
      expect(statuses).toEqual(path.slice(0, statuses.length));
    }
    const closed = DEMO_EVENT_KINDS.find((k) => k.code === 'complaint')!.closedStatuses;
    const open = [...byId.values()].filter((evs) => !evs.some((e) => closed.includes(e.status))).length;
    const openMetric = allPoints(backfill).findLast((p) => p.metric === 'complaints_open')!;
    expect(openMetric.time).toBe(NOW);
    expect(openMetric.entity).toBe('KOTA-SEMARANG');
    expect(openMetric.region).toBe('33.74');
    expect(openMetric.value).toBe(open);

    // Arrivals: ~20–60 an hour city-wide, more in the day than at night.
    const day = sim.complaints.day(Math.floor((NOW + 7 * HOUR) / (24 * HOUR)) - 1);
    expect(day.length).toBeGreaterThan(24 * 15);
    expect(day.length).toBeLessThan(24 * 60);
    const hourOf = (t: number): number => Math.floor(((t + 7 * HOUR) % (24 * HOUR)) / HOUR);
    const daytime = day.filter((c) => hourOf(c.received) >= 8 && hourOf(c.received) < 12).length;
    const night = day.filter((c) => hourOf(c.received) >= 0 && hourOf(c.received) < 4).length;
    expect(daytime).toBeGreaterThan(night * 2);
  });

  it('exposes road segment paths and entity descriptions matching the emitted entities', async () => {
    const roads = await roadSegments();
    expect(roads.length).toBeGreaterThanOrEqual(20);
    const traffic = new Set(
      allPoints(backfill)
        .filter((p) => p.metric === 'traffic_speed')
        .map((p) => p.entity),
    );
    expect(new Set(roads.map((r) => r.id))).toEqual(traffic);
    for (const r of roads) expect(r.path.length).toBeGreaterThanOrEqual(2);
    const entities = await simulatorEntities({ seed: 2026 });
    const ids = new Set(entities.map((e) => e.id));
    expect(allPoints(backfill).filter((p) => !ids.has(p.entity))).toEqual([]);
  });

  it('measures pieces of the basemap roads: each segment lies on its road line, inside the city, named by it', async () => {
    const roads = await roadSegments();
    const byName = new Map(DEMO_ROADS.map((r) => [r.name, r]));
    const city = await generateDemoCity();
    const outline = city.regions.find((r) => r.level === 'kota')!.polygon![0]!;
    // distance (degrees) from a point to a polyline
    const off = (p: [number, number], line: readonly [number, number][]): number => {
      let best = Infinity;
      for (let i = 1; i < line.length; i++) {
        const [ax, ay] = line[i - 1]!;
        const [bx, by] = line[i]!;
        const dx = bx - ax;
        const dy = by - ay;
        const t = Math.max(0, Math.min(1, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy || 1)));
        best = Math.min(best, Math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy)));
      }
      return best;
    };
    const inside = (lon: number, lat: number): boolean => {
      let c = false;
      for (let i = 0, j = outline.length - 1; i < outline.length; j = i++) {
        const [xi, yi] = outline[i]!;
        const [xj, yj] = outline[j]!;
        if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) c = !c;
      }
      return c;
    };
    const tollNames = new Set(DEMO_ROADS.filter((r) => r.class === 'motorway').map((r) => r.name));
    let tolls = 0;
    for (const seg of roads) {
      const roadName = seg.name.replace(/ \(\d+\)$/, '');
      const road = byName.get(roadName);
      expect(road, seg.name).toBeDefined();
      if (tollNames.has(roadName)) tolls++;
      for (const p of seg.path) expect(off(p, road!.path), `${seg.id} ${p.join(',')}`).toBeLessThan(2e-6); // ~0.2 m
      const mid = seg.path[Math.floor(seg.path.length / 2)]!;
      expect(inside(mid[0], mid[1]), seg.id).toBe(true);
    }
    expect(tolls).toBeGreaterThanOrEqual(3);
    // deterministic: built again, the same lines
    expect(await roadSegments()).toEqual(roads);
  });

  it('puts every sluice gate and pump house on a river of the basemap (within ~100 m)', () => {
    const rivers = DEMO_RIVERS.map((r) => r.path);
    const near = (lon: number, lat: number): number =>
      Math.min(
        ...rivers.flatMap((line) =>
          line.slice(1).map(([bx, by], i) => {
            const [ax, ay] = line[i]!;
            const dx = bx - ax;
            const dy = by - ay;
            const t = Math.max(0, Math.min(1, ((lon - ax) * dx + (lat - ay) * dy) / (dx * dx + dy * dy || 1)));
            return Math.hypot(lon - (ax + t * dx), lat - (ay + t * dy));
          }),
        ),
      );
    for (const g of sim.world.gates) expect(near(g.lon, g.lat), g.id).toBeLessThan(0.001);
  });
});
