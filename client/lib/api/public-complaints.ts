/**
 * `GET /api/public/v1/complaints/summary`: complaint counts per kelurahan and category, k-anonymous
 * (a hidden count is `{ n: null, suppressed: true }`). Public, no token; the browser's HTTP cache revalidates
 * with the ETag, so polling costs a 304 while the snapshot is unchanged.
 */
import { ApiError, getJson, isNum, isObj } from './http';

export const COMPLAINT_PERIODS = ['24h', '7d', '30d'] as const;
export type ComplaintPeriod = (typeof COMPLAINT_PERIODS)[number];

/** A published count: a number, or null when hidden to protect reporters. */
export type PublicCount = number | null;

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

const count = (x: unknown): PublicCount => (isObj(x) && isNum(x.n) && x.suppressed === false ? x.n : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const counts = (x: Record<string, unknown>): ComplaintCounts => ({ received: count(x.received), resolved: count(x.resolved), open: count(x.open) });
const objects = (x: unknown): Record<string, unknown>[] => (Array.isArray(x) ? x.filter(isObj) : []);

function checkSummary(x: unknown, period: ComplaintPeriod): ComplaintSummary {
  if (!isObj(x) || !isNum(x.updatedAt) || !isNum(x.k) || !Array.isArray(x.kelurahan) || !Array.isArray(x.categories) || !isObj(x.total)) {
    throw new ApiError(0, 'complaints summary: unexpected response');
  }
  return {
    period,
    updatedAt: x.updatedAt,
    k: x.k,
    kelurahan: objects(x.kelurahan).map((r) => ({
      code: str(r.code),
      name: str(r.name),
      kecamatanCode: str(r.kecamatanCode),
      kecamatanName: str(r.kecamatanName),
      ...counts(r),
      cells: objects(r.cells).map((c) => ({ category: str(c.category), ...counts(c) })),
    })),
    categories: objects(x.categories).map((c) => ({
      category: str(c.category),
      ...counts(c),
      medianHoursToResolve: isNum(c.medianHoursToResolve) ? c.medianHoursToResolve : null,
    })),
    total: counts(x.total),
  };
}

export async function fetchComplaintSummary(period: ComplaintPeriod, signal?: AbortSignal): Promise<ComplaintSummary> {
  return checkSummary(await getJson(`/api/public/v1/complaints/summary?period=${period}`, {}, signal), period);
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
