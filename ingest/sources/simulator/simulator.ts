/**
 * The simulator proper: composes the five domain models and turns a time window into per-OPD deliveries.
 * Pure: `collect(from, to)` depends only on (seed, city, from, to), so re-running a window gives the same
 * records and polls that split a window give the same records as one poll over it.
 */
import { DEMO_EVENT_KINDS, DEMO_METRICS } from '../../../demo/catalog';
import type { EventInput, PointInput } from '../../../shared/schemas';
import type { Delivery } from '../../source';
import { ComplaintModel } from './complaints';
import type { Placed, World } from './entities';
import { FloodModel } from './floods';
import { SECOND } from './noise';
import { ProjectModel } from './projects';
import { SanitationModel } from './sanitation';
import { TrafficModel } from './traffic';

interface PointStream {
  metric: string;
  opd: string;
  cadenceMs: number;
  emit(t: number, out: PointInput[]): void;
}

interface EventStream {
  kind: string;
  opd: string;
  /** Transitions with time in (from, to]. */
  between(from: number, to: number): EventInput[];
  /** Transitions at or before `at` of the items a fresh consumer needs to know (those still open, milestones). */
  history(at: number): EventInput[];
}

function point(metric: string, e: { id: string; region: string | null; lon: number; lat: number }, t: number, value: number): PointInput {
  const p: PointInput = { metric, entity: e.id, time: t, value, lon: e.lon, lat: e.lat };
  if (e.region) p.region = e.region;
  return p;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export class Simulator {
  readonly floods: FloodModel;
  readonly traffic: TrafficModel;
  readonly sanitation: SanitationModel;
  readonly projects: ProjectModel;
  readonly complaints: ComplaintModel;
  private readonly pointStreams: PointStream[];
  private readonly eventStreams: EventStream[];
  private readonly stepMs: number;
  private readonly opdOrder: string[];
  private readonly statusRank = new Map<string, number>();

  constructor(readonly world: World) {
    this.floods = new FloodModel(world);
    this.traffic = new TrafficModel(world, this.floods);
    this.sanitation = new SanitationModel(world);
    this.projects = new ProjectModel(world);
    this.complaints = new ComplaintModel(world, this.floods);

    const metric = (code: string): { metric: string; opd: string; cadenceMs: number } => {
      const m = DEMO_METRICS.find((x) => x.code === code);
      if (!m) throw new Error(`simulator metric ${code} is not in the catalog`);
      return { metric: code, opd: m.ownerOpd, cadenceMs: m.cadenceS * SECOND };
    };
    const kind = (code: string): { kind: string; opd: string } => {
      const k = DEMO_EVENT_KINDS.find((x) => x.code === code);
      if (!k) throw new Error(`simulator event kind ${code} is not in the catalog`);
      k.statuses.forEach((s, i) => this.statusRank.set(`${code}:${s}`, i));
      return { kind: code, opd: k.ownerOpd };
    };
    const each = <E extends Placed>(code: string, entities: readonly E[], value: (i: number, t: number) => number): PointStream => ({
      ...metric(code),
      emit: (t, out) => entities.forEach((e, i) => out.push(point(code, e, t, value(i, t)))),
    });
    const pumpHouses = world.gates.map((g, i) => ({ g, i })).filter(({ g }) => g.pumps > 0);

    this.pointStreams = [
      each('water_level', world.gates, (i, t) => this.floods.waterLevel(i, t)),
      each('rainfall', world.gauges, (i, t) => {
        const g = world.gauges[i]!;
        return this.floods.rainfall(g.lon, g.lat, t);
      }),
      {
        ...metric('pump_running'),
        emit: (t, out) => {
          for (const { g, i } of pumpHouses) out.push(point('pump_running', g, t, this.floods.pumpRunning(i, t)));
        },
      },
      each('traffic_intensity', world.segments, (i, t) => this.traffic.state(i, t).intensity),
      each('traffic_speed', world.segments, (i, t) => this.traffic.state(i, t).speed),
      each('congestion_index', world.segments, (i, t) => this.traffic.state(i, t).congestion),
      {
        ...metric('truck_load'),
        emit: (t, out) => {
          world.trucks.forEach((truck, i) => {
            const s = this.sanitation.truckState(i, t);
            out.push(point('truck_load', { id: truck.id, region: s.region, lon: s.lon, lat: s.lat }, t, s.load));
          });
        },
      },
      each('container_fill', world.containers, (i, t) => this.sanitation.containerFill(i, t)),
      each('landfill_intake', [world.landfill], (_i, t) => this.sanitation.landfillIntake(t)),
      each('project_progress', world.projects, (i, t) => this.projects.progress(i, t)),
      each('project_progress_plan', world.projects, (i, t) => this.projects.plan(i, t)),
      each('project_budget_absorbed', world.projects, (i, t) => this.projects.budgetAbsorbed(i, t)),
      each('complaints_open', [world.cityEntity], (_i, t) => this.complaints.openCount(t)),
    ];

    this.eventStreams = [
      { ...kind('complaint'), between: (a, b) => this.complaints.eventsBetween(a, b), history: (at) => this.complaints.history(at) },
      { ...kind('flood_report'), between: (a, b) => this.floods.reportEventsBetween(a, b), history: (at) => this.floods.reportHistory(at) },
      { ...kind('project_milestone'), between: (a, b) => this.projects.eventsBetween(a, b), history: (at) => this.projects.history(at) },
    ];

    this.stepMs = this.pointStreams.reduce((g, s) => gcd(s.cadenceMs, g), 0);
    this.opdOrder = [...new Set([...this.pointStreams.map((s) => s.opd), ...this.eventStreams.map((s) => s.opd)])];
  }

  /** The metric codes and event kinds the simulator emits, with their owner OPD. */
  get streams(): { metrics: { code: string; opd: string }[]; eventKinds: { code: string; opd: string }[] } {
    return {
      metrics: this.pointStreams.map((s) => ({ code: s.metric, opd: s.opd })),
      eventKinds: this.eventStreams.map((s) => ({ code: s.kind, opd: s.opd })),
    };
  }

  /**
   * Points with aligned timestamps in (from, to] and event transitions in (from, to], one delivery per OPD
   * (empty ones omitted). With `withHistory`, also the earlier transitions of events still open at `from`
   * (and all project milestones), so a fresh consumer knows the state the window starts from.
   * With `minStepMs` (a multiple of every cadence below it, e.g. a minute), metrics faster than that are
   * sampled at its multiples only: the older history of a back-fill, where the roll-ups serve the charts.
   */
  collect(from: number, to: number, withHistory = false, minStepMs = 0): Delivery[] {
    const byOpd = new Map<string, Delivery>(this.opdOrder.map((opd) => [opd, { opd, points: [], events: [] }]));
    if (to > from) {
      const step = this.stepMs;
      for (let t = Math.floor(from / step) * step + step; t <= to; t += step) {
        for (const s of this.pointStreams) {
          if (t % Math.max(s.cadenceMs, minStepMs) !== 0) continue;
          const out = byOpd.get(s.opd)!.points;
          const before = out.length;
          try {
            s.emit(t, out);
          } catch {
            out.length = before; // a source drops bad records instead of throwing
          }
        }
      }
    }
    for (const s of this.eventStreams) {
      const events = [...(withHistory ? s.history(from) : []), ...(to > from ? s.between(from, to) : [])];
      byOpd.get(s.opd)!.events.push(...events);
    }
    const deliveries: Delivery[] = [];
    for (const d of byOpd.values()) {
      d.points = d.points.filter((p) => Number.isFinite(p.value));
      d.events.sort((a, b) => this.compareEvents(a, b));
      if (d.points.length > 0 || d.events.length > 0) deliveries.push(d);
    }
    return deliveries;
  }

  private compareEvents(a: EventInput, b: EventInput): number {
    const ta = Number(a.time);
    const tb = Number(b.time);
    if (ta !== tb) return ta - tb;
    if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
    if (a.id !== b.id) return a.id < b.id ? -1 : 1;
    return (this.statusRank.get(`${a.kind}:${a.status}`) ?? 0) - (this.statusRank.get(`${b.kind}:${b.status}`) ?? 0);
  }
}
