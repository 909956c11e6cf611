/**
 * Public works for the public: the registry (name, OPD, place, contract value and period, budget) with the
 * latest physical progress, plan and budget absorbed (serapan anggaran). Pure; the clock is an argument.
 */
import type { PublicProjectRow } from '../../db/queries/projects';

/** A project is late when its physical progress is behind plan by more than this many points (as the page). */
export const PROJECT_LATE_MARGIN_PTS = 10;

export interface PublicProject {
  id: string;
  name: string;
  opd: string;
  opdName: string;
  region: string | null;
  regionName: string | null;
  kecamatan: string | null;
  kecamatanName: string | null;
  lon: number | null;
  lat: number | null;
  /** IDR */
  contractValue: number;
  budget: number | null;
  contractStart: string;
  contractEnd: string;
  /** Physical progress and plan, %. */
  progress: number | null;
  plan: number | null;
  /** IDR absorbed so far, and its share of the budget (else of the contract value), 0..1. */
  budgetAbsorbed: number | null;
  absorbedShare: number | null;
  late: boolean;
  /** Epoch ms of the newest figure, or of the registry entry when there is none. */
  t: number;
}

export interface PublicProjects {
  updatedAt: number;
  lateMarginPts: number;
  projects: PublicProject[];
}

const newest = (...ts: (number | null)[]) => Math.max(...ts.filter((t): t is number => t !== null));

export function publicProjects(rows: readonly PublicProjectRow[], now: number): PublicProjects {
  return {
    updatedAt: now,
    lateMarginPts: PROJECT_LATE_MARGIN_PTS,
    projects: rows.map((r) => {
      const base = r.budget ?? r.contractValue;
      return {
        id: r.id,
        name: r.name,
        opd: r.opd,
        opdName: r.opdName,
        region: r.region,
        regionName: r.regionName,
        kecamatan: r.kecamatan,
        kecamatanName: r.kecamatanName,
        lon: r.lon,
        lat: r.lat,
        contractValue: r.contractValue,
        budget: r.budget,
        contractStart: r.contractStart,
        contractEnd: r.contractEnd,
        progress: r.progress,
        plan: r.plan,
        budgetAbsorbed: r.budgetAbsorbed,
        absorbedShare: r.budgetAbsorbed === null || base <= 0 ? null : Math.round((r.budgetAbsorbed / base) * 1000) / 1000,
        late: r.progress !== null && r.plan !== null && r.progress < 100 && r.plan - r.progress > PROJECT_LATE_MARGIN_PTS,
        t: newest(r.updatedAt, r.progressT, r.planT, r.budgetAbsorbedT),
      };
    }),
  };
}
