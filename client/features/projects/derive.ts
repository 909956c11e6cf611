/** Development projects: physical progress vs plan, budget absorbed. Pure. */
import type { MetricState } from '../../lib/live-store';
import { latestByEntity, mean } from '../common';

export interface ProjectRow {
  entity: string;
  /** The project's name from the registry. */
  name?: string | null;
  region: string | null;
  lon: number | null;
  lat: number | null;
  /** Percent, 0..100. */
  progress: number | null;
  plan: number | null;
  /** Rupiah absorbed so far. */
  budget: number | null;
  /** Behind plan by more than `behindMarginPct` points. */
  behind: boolean;
  t: number;
}

export function projectRows(
  progress: MetricState | undefined,
  plan: MetricState | undefined,
  budget: MetricState | undefined,
  behindMarginPct = 5,
): ProjectRow[] {
  const pr = latestByEntity(progress);
  const pl = latestByEntity(plan);
  const bu = latestByEntity(budget);
  const entities = new Set([...pr.keys(), ...pl.keys(), ...bu.keys()]);
  const rows: ProjectRow[] = [];
  for (const e of [...entities].sort()) {
    const a = pr.get(e);
    const b = pl.get(e);
    const c = bu.get(e);
    const any = a ?? b ?? c!;
    const p = a?.value ?? null;
    const q = b?.value ?? null;
    rows.push({
      entity: e,
      name: a?.name ?? b?.name ?? c?.name ?? null,
      region: any.region,
      lon: a?.lon ?? b?.lon ?? c?.lon ?? null,
      lat: a?.lat ?? b?.lat ?? c?.lat ?? null,
      progress: p,
      plan: q,
      budget: c?.value ?? null,
      behind: p !== null && q !== null && q - p > behindMarginPct,
      t: Math.max(a?.t ?? 0, b?.t ?? 0, c?.t ?? 0),
    });
  }
  return rows;
}

export function projectSummary(rows: readonly ProjectRow[]) {
  return {
    count: rows.length,
    progress: mean(rows.flatMap((r) => (r.progress === null ? [] : [r.progress]))),
    plan: mean(rows.flatMap((r) => (r.plan === null ? [] : [r.plan]))),
    budget: rows.some((r) => r.budget !== null) ? rows.reduce((s, r) => s + (r.budget ?? 0), 0) : null,
    behind: rows.filter((r) => r.behind).length,
  };
}
