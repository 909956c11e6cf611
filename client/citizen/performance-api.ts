/**
 * `GET /api/public/v1/complaints/performance`: complaints received and resolved per bucket of the period, the
 * median time to resolve and the share resolved within the service-level target per OPD and category
 * (server/public/performance.ts). A withheld figure (fewer than k complaints behind it) arrives as null.
 */
import { ApiError, getJson, isNum, isObj } from '../lib/api/http';
import type { ComplaintPeriod, PublicCount } from '../lib/api/public-complaints';

export interface PerformanceBucket {
  from: number;
  to: number;
  received: PublicCount;
  resolved: PublicCount;
}

export interface PerformanceGroup {
  opd: string | null;
  opdName: string | null;
  category: string | null;
  medianHoursToResolve: number | null;
  shareWithinSla: number | null;
  slaHours: number | null;
  suppressed: boolean;
}

export interface ComplaintPerformance {
  period: ComplaintPeriod;
  updatedAt: number;
  k: number;
  bucketMs: number;
  buckets: PerformanceBucket[];
  groups: PerformanceGroup[];
}

const count = (x: unknown): PublicCount => (isObj(x) && isNum(x.n) && x.suppressed === false ? x.n : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const num = (x: unknown): number | null => (isNum(x) ? x : null);
const objects = (x: unknown): Record<string, unknown>[] => (Array.isArray(x) ? x.filter(isObj) : []);

export function checkPerformance(x: unknown, period: ComplaintPeriod): ComplaintPerformance {
  if (!isObj(x) || !isNum(x.updatedAt) || !isNum(x.k) || !isNum(x.bucketMs) || !Array.isArray(x.buckets) || !Array.isArray(x.groups)) {
    throw new ApiError(0, 'complaints performance: unexpected response');
  }
  return {
    period,
    updatedAt: x.updatedAt,
    k: x.k,
    bucketMs: x.bucketMs,
    buckets: objects(x.buckets).map((b) => ({
      from: num(b.from) ?? 0,
      to: num(b.to) ?? 0,
      received: count(b.received),
      resolved: count(b.resolved),
    })),
    groups: objects(x.groups).map((g) => ({
      opd: str(g.opd),
      opdName: str(g.opdName),
      category: str(g.category),
      medianHoursToResolve: num(g.medianHoursToResolve),
      shareWithinSla: num(g.shareWithinSla),
      slaHours: num(g.slaHours),
      suppressed: g.suppressed === true,
    })),
  };
}

export async function fetchComplaintPerformance(period: ComplaintPeriod, signal?: AbortSignal): Promise<ComplaintPerformance> {
  return checkPerformance(await getJson(`/api/public/v1/complaints/performance?period=${period}`, {}, signal), period);
}
