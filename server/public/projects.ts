/**
 * Public works for the public: the registry (name, OPD, place, contract value and period, budget) with the
 * latest physical progress, plan and budget absorbed (serapan anggaran). Pure; the clock is an argument.
 */
import type { PublicProjectRow } from '../../db/queries/projects';

/** A project is late when its physical progress is behind plan by more than this many points (as the page). */
export const PROJECT_LATE_MARGIN_PTS = 10;

/**
 * The registry row as read, less the per-figure times (folded into `t`), plus what is derived from it.
 * contractValue and budgetAbsorbed are IDR; progress and plan are %.
 */
export interface PublicProject extends Omit<PublicProjectRow, 'updatedAt' | 'progressT' | 'planT' | 'budgetAbsorbedT'> {
  /** Share of the budget (else of the contract value) absorbed so far, 0..1. */
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
    projects: rows.map(({ updatedAt, progressT, planT, budgetAbsorbedT, ...r }) => {
      const base = r.budget ?? r.contractValue;
      return {
        ...r,
        absorbedShare: r.budgetAbsorbed === null || base <= 0 ? null : Math.round((r.budgetAbsorbed / base) * 1000) / 1000,
        late: r.progress !== null && r.plan !== null && r.progress < 100 && r.plan - r.progress > PROJECT_LATE_MARGIN_PTS,
        t: newest(updatedAt, progressT, planT, budgetAbsorbedT),
      };
    }),
  };
}
