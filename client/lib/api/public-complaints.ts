/**
 * `GET /api/public/v1/complaints/summary`: complaint counts per kelurahan and category, k-anonymous
 * (a hidden count is `{ n: null, suppressed: true, lessThan?: k }`). Public, no token; the browser's HTTP cache revalidates
 * with the ETag, so polling costs a 304 while the snapshot is unchanged.
 */
import { complaintSummaryResponse, PUBLIC_PERIOD_NAMES, type PublicPeriod, type RestResponse } from '@shared/rest';
import { getJson } from './http';

export const COMPLAINT_PERIODS = PUBLIC_PERIOD_NAMES;
export type ComplaintPeriod = PublicPeriod;

/**
 * A published count: a number, or hidden to protect reporters: `lessThan` k when the hidden count is below k
 * (the page says "< 5"), null when it is a larger count hidden so that a small one cannot be worked out ("≥ 5").
 */
export type PublicCount = number | { lessThan: number | null };

/** The count as the page writes it: the number, "< k" or "≥ k" (no "–": a hidden count says what it is). */
export function countLabel(c: PublicCount, k: number, format: (n: number) => string): string {
  if (typeof c === 'number') return format(c);
  return c.lessThan !== null ? `< ${format(c.lessThan)}` : `≥ ${format(k)}`;
}

/** The count for a bar's length: a hidden one as 0. */
export const countValue = (c: PublicCount): number => (typeof c === 'number' ? c : 0);

/** The page's view of one published count. */
export const toPublicCount = (c: { n: number | null; suppressed: boolean; lessThan?: number | undefined }): PublicCount =>
  c.suppressed || c.n === null ? { lessThan: c.lessThan ?? null } : c.n;

export interface ComplaintCounts {
  received: PublicCount;
  resolved: PublicCount;
  open: PublicCount;
}

export interface ComplaintKelurahan extends ComplaintCounts {
  code: string | null;
  name: string | null;
  kecamatanCode: string | null;
  kecamatanName: string | null;
  cells: (ComplaintCounts & { category: string | null })[];
}

export interface ComplaintSummary {
  period: ComplaintPeriod;
  updatedAt: number;
  k: number;
  kelurahan: ComplaintKelurahan[];
  categories: (ComplaintCounts & { category: string | null; medianHoursToResolve: number | null })[];
  total: ComplaintCounts;
}

type WireCount = Parameters<typeof toPublicCount>[0];
const counts = (x: { received: WireCount; resolved: WireCount; open: WireCount }): ComplaintCounts => ({
  received: toPublicCount(x.received),
  resolved: toPublicCount(x.resolved),
  open: toPublicCount(x.open),
});

/** The page's view of the answer: a hidden count is null. */
export function toSummary(x: RestResponse<'ComplaintSummary'>, period: ComplaintPeriod): ComplaintSummary {
  return {
    period,
    updatedAt: x.updatedAt,
    k: x.k,
    kelurahan: x.kelurahan.map((r) => ({
      code: r.code,
      name: r.name,
      kecamatanCode: r.kecamatanCode,
      kecamatanName: r.kecamatanName,
      ...counts(r),
      cells: r.cells.map((c) => ({ category: c.category, ...counts(c) })),
    })),
    categories: x.categories.map((c) => ({ category: c.category, ...counts(c), medianHoursToResolve: c.medianHoursToResolve })),
    total: counts(x.total),
  };
}

export async function fetchComplaintSummary(period: ComplaintPeriod, signal?: AbortSignal): Promise<ComplaintSummary> {
  return toSummary(await getJson(`/api/public/v1/complaints/summary?period=${period}`, complaintSummaryResponse, {}, signal), period);
}

/** Kelurahan grouped by kecamatan (by name), for a compact list. No kecamatan totals: none are published. */
export function byKecamatan(rows: readonly ComplaintKelurahan[]): { code: string | null; name: string | null; kelurahan: ComplaintKelurahan[] }[] {
  const groups = new Map<string, { code: string | null; name: string | null; kelurahan: ComplaintKelurahan[] }>();
  for (const r of rows) {
    const key = r.kecamatanCode ?? '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { code: r.kecamatanCode, name: r.kecamatanName, kelurahan: [] }));
    g.kelurahan.push(r);
  }
  const name = (g: { name: string | null; code: string | null }) => g.name ?? g.code ?? '\uffff';
  return [...groups.values()].sort((a, b) => name(a).localeCompare(name(b)));
}
