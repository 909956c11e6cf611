/**
 * Public works on the citizen page, pure: which project is late, where it is, which OPD runs it, and the
 * filters and history lines the page shows. No I/O, no React.
 */
import type { SeriesResponse } from '../lib/api/series';
import type { ProjectRow } from '../features/projects/derive';
import type { RegisteredProject } from './projects-api';

/** A project is late when its physical progress is behind plan by more than this many percentage points. */
export const LATE_MARGIN_PTS = 10;

export type ProjectStatus = 'late' | 'on_track' | 'done' | 'unknown';

/**
 * Pure: whether actual progress is behind plan by more than `marginPts` points (strictly: exactly 10 points
 * behind is not late). Unknown progress or plan is never late.
 */
export function isLate(progress: number | null | undefined, plan: number | null | undefined, marginPts = LATE_MARGIN_PTS): boolean {
  if (progress === null || progress === undefined || plan === null || plan === undefined) return false;
  if (!Number.isFinite(progress) || !Number.isFinite(plan)) return false;
  return plan - progress > marginPts;
}

/** Pure: a project's status as the page labels it. A finished project (100 %) is done whatever the plan says. */
export function projectStatus(progress: number | null, plan: number | null, marginPts = LATE_MARGIN_PTS): ProjectStatus {
  if (progress === null || !Number.isFinite(progress)) return 'unknown';
  if (progress >= 100) return 'done';
  if (isLate(progress, plan, marginPts)) return 'late';
  return plan === null ? 'unknown' : 'on_track';
}

/** The kecamatan code of a kelurahan code (`PP.KK.CC.DDDD` → `PP.KK.CC`); a kecamatan code is its own. */
export function kecamatanCodeOf(region: string | null): string | null {
  if (!region) return null;
  const m = /^(\d{2}\.\d{2}\.\d{2})(\.\d{4})?$/.exec(region);
  return m ? m[1]! : null;
}

export interface RegionLookup {
  /** Name of a kelurahan or kecamatan by code. */
  name(code: string): string | undefined;
  /** The kecamatan a kelurahan belongs to, when the region list says so. */
  parent(code: string): string | undefined;
}

export interface PublicProject {
  entity: string;
  region: string | null;
  kelurahanName: string | null;
  kecamatan: string | null;
  kecamatanName: string | null;
  /** The OPD that publishes the project's figures (the owner of its metrics). */
  opd: string | null;
  lon: number | null;
  lat: number | null;
  progress: number | null;
  plan: number | null;
  /** Plan minus progress, points; positive when behind. */
  gap: number | null;
  budget: number | null;
  status: ProjectStatus;
  t: number;
  /** From the project registry (absent for a project that only reports figures). */
  name: string | null;
  opdName: string | null;
  /** IDR */
  contractValue: number | null;
  /** Budget ceiling (pagu), IDR. */
  budgetCeiling: number | null;
  /** YYYY-MM-DD, inclusive. */
  contractStart: string | null;
  contractEnd: string | null;
  /** Budget absorbed / ceiling (else / contract value), 0..1. */
  absorbedShare: number | null;
}

/**
 * Pure: the page's project list from the live rows, the region names, the OPD owning the metrics and the
 * project registry. The registry names the project and its OPD and gives its contract; a registered project
 * that has not reported yet is listed with the registry's last figures.
 */
export function publicProjects(
  rows: readonly ProjectRow[],
  regions: RegionLookup,
  opd: string | null,
  marginPts = LATE_MARGIN_PTS,
  registry: readonly RegisteredProject[] = [],
): PublicProject[] {
  const reg = new Map(registry.map((p) => [p.id, p]));
  const live = new Set(rows.map((r) => r.entity));
  const all: ProjectRow[] = [
    ...rows,
    ...registry
      .filter((p) => !live.has(p.id))
      .map((p): ProjectRow => ({
        entity: p.id,
        region: p.region,
        lon: p.lon,
        lat: p.lat,
        progress: p.progress,
        plan: p.plan,
        budget: p.budgetAbsorbed,
        behind: false,
        t: p.t ?? 0,
      })),
  ];
  return all.map((r) => {
    const g = reg.get(r.entity);
    const region = g?.region ?? r.region;
    const kelurahan = region && /^\d{2}\.\d{2}\.\d{2}\.\d{4}$/.test(region) ? region : null;
    const kecamatan = (region && regions.parent(region)) ?? kecamatanCodeOf(region);
    const ceiling = g?.budget ?? null;
    const base = ceiling ?? g?.contractValue ?? null;
    return {
      entity: r.entity,
      region,
      kelurahanName: kelurahan ? (regions.name(kelurahan) ?? null) : null,
      kecamatan,
      kecamatanName: kecamatan ? (regions.name(kecamatan) ?? null) : null,
      opd: g?.opd ?? opd,
      lon: g?.lon ?? r.lon,
      lat: g?.lat ?? r.lat,
      progress: r.progress,
      plan: r.plan,
      gap: r.progress !== null && r.plan !== null ? Math.round((r.plan - r.progress) * 10) / 10 : null,
      budget: r.budget,
      status: projectStatus(r.progress, r.plan, marginPts),
      t: r.t,
      name: g?.name ?? null,
      opdName: g?.opdName ?? null,
      contractValue: g?.contractValue ?? null,
      budgetCeiling: ceiling,
      contractStart: g?.contractStart ?? null,
      contractEnd: g?.contractEnd ?? null,
      absorbedShare: r.budget !== null && base !== null && base > 0 ? r.budget / base : null,
    };
  });
}

export interface ProjectFilter {
  /** Kecamatan code, or '' for all. */
  kecamatan: string;
  /** OPD code, or '' for all. */
  opd: string;
  lateOnly: boolean;
}

export const NO_FILTER: ProjectFilter = { kecamatan: '', opd: '', lateOnly: false };

/** Pure: the projects a filter keeps, in the order given. */
export function filterProjects<T extends Pick<PublicProject, 'kecamatan' | 'opd' | 'status'>>(rows: readonly T[], f: ProjectFilter): T[] {
  return rows.filter((r) => (!f.kecamatan || r.kecamatan === f.kecamatan) && (!f.opd || r.opd === f.opd) && (!f.lateOnly || r.status === 'late'));
}

/** Pure: the distinct values of a field as filter options, by label. */
export function filterOptions<T>(
  rows: readonly T[],
  code: (r: T) => string | null,
  label: (code: string) => string,
): { code: string; label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const c = code(r);
    if (c) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return [...counts].map(([c, count]) => ({ code: c, label: label(c), count })).sort((a, b) => a.label.localeCompare(b.label));
}

/** Late projects first (most behind first), then the rest by entity. */
export function byUrgency(a: PublicProject, b: PublicProject): number {
  const late = Number(b.status === 'late') - Number(a.status === 'late');
  if (late) return late;
  if (a.status === 'late') return (b.gap ?? 0) - (a.gap ?? 0);
  return (a.name ?? a.entity).localeCompare(b.name ?? b.entity);
}

export type Line = [number, number][];

/** Pure: per entity, the daily `last` values of a /api/v1/series answer as `[t, v]` lines. */
export function historyLines(res: SeriesResponse | null): Map<string, Line> {
  const out = new Map<string, Line>();
  for (const s of res?.series ?? []) {
    const line: Line = [];
    for (const b of s.buckets) if (Number.isFinite(b.t) && Number.isFinite(b.last)) line.push([b.t, b.last]);
    line.sort((x, y) => x[0] - y[0]);
    out.set(s.entity, line);
  }
  return out;
}

/** Pure: a history line extended by the live latest reading when it is newer than the line's last point. */
export function withLatest(line: Line | undefined, t: number, v: number | null): Line {
  const out: Line = line ? [...line] : [];
  if (v === null || !Number.isFinite(v)) return out;
  const last = out[out.length - 1];
  if (!last || t > last[0]) out.push([t, v]);
  return out;
}
