/**
 * Projects (Dinas PUPR): planned physical progress follows an S-curve over the contract period; actual
 * progress follows the same curve at the project's own pace (late projects lag by well over 10 points);
 * budget is absorbed in four termin payments, each some days after progress passes 25/50/75/100 %.
 * Milestone events: `planned` at contract start, `late` a week after the plan date if not reached, `reached`.
 */
import type { EventInput, ProjectInput } from '../../../shared/schemas';
import type { ProjectGeometry, WorkType } from '../../../shared/works';
import type { Project, World } from './entities';
import { DAY, WIB_OFFSET_MS, round } from './noise';

export const MILESTONES = [25, 50, 75, 100] as const;
const LATE_GRACE = 7 * DAY;

/** The S-curve: smoothstep, 0 → 1 over x ∈ [0, 1]. */
function sCurve(x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return x * x * (3 - 2 * x);
}

/** Inverse of the S-curve on [0, 1], by bisection. */
function sCurveInverse(y: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (sCurve(mid) < y) lo = mid;
    else hi = mid;
  }
  return hi;
}

const INVERSE = new Map<number, number>(MILESTONES.map((m) => [m, sCurveInverse(m / 100)]));

export interface MilestoneTimes {
  pct: number;
  plan: number;
  reached: number;
}

interface Transition {
  id: string;
  status: string;
  time: number;
  pct: number;
}

export class ProjectModel {
  private readonly milestones: MilestoneTimes[][];
  /** Per project, every milestone status change (they depend on the world only, not on the poll). */
  private readonly transitions: Transition[][];

  constructor(private readonly world: World) {
    this.milestones = world.projects.map((p) =>
      MILESTONES.map((pct) => {
        const x = INVERSE.get(pct)!;
        const dur = p.end - p.start;
        return { pct, plan: p.start + x * dur, reached: p.start + (x / p.pace) * dur };
      }),
    );
    this.transitions = world.projects.map((p, i) => {
      const out: Transition[] = [];
      for (const m of this.milestones[i]!) {
        const id = `${p.id}-M${m.pct}`;
        out.push({ id, status: 'planned', time: p.start, pct: m.pct });
        if (m.reached > m.plan + LATE_GRACE) out.push({ id, status: 'late', time: Math.round(m.plan + LATE_GRACE), pct: m.pct });
        out.push({ id, status: 'reached', time: Math.round(m.reached), pct: m.pct });
      }
      return out;
    });
  }

  milestoneTimes(index: number): readonly MilestoneTimes[] {
    return this.milestones[index]!;
  }

  /** `project_progress_plan`, %. */
  plan(index: number, t: number): number {
    const p = this.world.projects[index]!;
    return round(100 * sCurve((t - p.start) / (p.end - p.start)), 2);
  }

  /** `project_progress`, %. */
  progress(index: number, t: number): number {
    const p = this.world.projects[index]!;
    return round(100 * sCurve(((t - p.start) / (p.end - p.start)) * p.pace), 2);
  }

  /** `project_budget_absorbed`, IDR: 25 % of the contract per termin, paid some days after each milestone. */
  budgetAbsorbed(index: number, t: number): number {
    const p = this.world.projects[index]!;
    let share = 0;
    this.milestones[index]!.forEach((m, k) => {
      if (t >= m.reached + p.paymentDelayDays[k]! * DAY) share += 0.25;
    });
    return Math.round(p.value * share);
  }

  private toEvent(p: Project, tr: Transition): EventInput {
    const e: EventInput = {
      kind: 'project_milestone',
      id: tr.id,
      status: tr.status,
      time: tr.time,
      lon: p.lon,
      lat: p.lat,
      title: `${p.name}: progres fisik ${tr.pct}%`,
    };
    if (p.region) e.region = p.region;
    return e;
  }

  /** Milestone transitions in (from, to]. */
  eventsBetween(from: number, to: number): EventInput[] {
    const out: EventInput[] = [];
    this.world.projects.forEach((p, i) => {
      for (const tr of this.transitions[i]!) if (tr.time > from && tr.time <= to) out.push(this.toEvent(p, tr));
    });
    return out;
  }

  /** Every milestone transition at or before `at` (few: at most 3 per milestone). */
  history(at: number): EventInput[] {
    const out: EventInput[] = [];
    this.world.projects.forEach((p, i) => {
      for (const tr of this.transitions[i]!) if (tr.time <= at) out.push(this.toEvent(p, tr));
    });
    return out;
  }
}

/** The OPD that runs the demo's public works (the owner of the project metrics). */
const PROJECT_OPD = 'DPUPR';

/** `YYYY-MM-DD` of an instant, in WIB. */
const wibDate = (t: number) => new Date(t + WIB_OFFSET_MS).toISOString().slice(0, 10);

/**
 * What the owner OPD registers of a project (POST /api/v1/projects): the contract period as WIB dates (the
 * last day is the one containing `end`), the contract value, and a budget ceiling (pagu) a little above it,
 * rounded to a million rupiah as DPA figures are.
 */
export function projectRegistration(p: Project): ProjectInput {
  const reg: ProjectInput = {
    id: p.id,
    name: p.name,
    opd: PROJECT_OPD,
    lon: p.lon,
    lat: p.lat,
    contractValue: p.value,
    budget: Math.round((p.value * 1.08) / 1e6) * 1e6,
    contractStart: wibDate(p.start),
    contractEnd: wibDate(p.end),
    workType: workTypeOf(p.name),
  };
  if (p.region) reg.region = p.region;
  const line = ROAD_LINES[p.name];
  if (line) reg.geometry = line;
  return reg;
}

/** The work type a project's name says (Indonesian project names start with the kind of works). */
function workTypeOf(name: string): WorkType {
  if (/^Peningkatan Jalan/.test(name)) return 'road_surface';
  if (/Saluran|Normalisasi/.test(name)) return 'drainage';
  if (/Jembatan/.test(name)) return 'bridge';
  if (/Trotoar/.test(name)) return 'sidewalk';
  if (/Rumah Pompa|Kolam/.test(name)) return 'building';
  return 'other';
}

/** Road projects registered with their line along the road (the others with their point). */
const ROAD_LINES: Record<string, ProjectGeometry> = {
  'Peningkatan Jalan Kaligawe': {
    type: 'LineString',
    coordinates: [
      [110.4555, -6.9589],
      [110.462, -6.958],
      [110.4685, -6.9571],
    ],
  },
};

/** The other OPD of the demo's known dig-once conflict. */
export const TRENCH_OPD = 'BPBD';

/**
 * The demo's known dig-once conflict: a drainage trench another OPD digs along Jl. Kaligawe six weeks after
 * Dinas PUPR finishes resurfacing it, about 11 m beside the road's centre line (what the check must find).
 */
export function demoTrenchRegistration(road: Project): ProjectInput {
  const start = road.end + 45 * DAY;
  const reg: ProjectInput = {
    id: 'BPBD-2026-DRN-01',
    name: 'Saluran Drainase Penanganan Genangan Jl. Kaligawe',
    opd: TRENCH_OPD,
    contractValue: 1_850_000_000,
    contractStart: wibDate(start),
    contractEnd: wibDate(start + 75 * DAY),
    workType: 'drainage',
    geometry: {
      type: 'LineString',
      coordinates: [
        [110.4585, -6.958385],
        [110.462, -6.9579],
        [110.4655, -6.957415],
      ],
    },
  };
  if (road.region) reg.region = road.region;
  return reg;
}
