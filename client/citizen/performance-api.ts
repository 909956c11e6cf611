/**
 * `GET /api/public/v1/complaints/performance`: complaints received and resolved per bucket of the period, the
 * median time to resolve and the share resolved within the service-level target per OPD and category
 * (server/public/performance.ts). A withheld median or share (fewer than k complaints behind it) arrives as null.
 */
import { complaintPerformanceResponse, type RestResponse } from '@shared/rest';
import { getJson } from '../lib/api/http';
import { toPublicCount, type ComplaintPeriod, type PublicCount } from '../lib/api/public-complaints';

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

/** The page's view of the answer (a withheld count says "< k" or "≥ k", public-complaints.ts). */
export function toPerformance(x: RestResponse<'ComplaintPerformance'>, period: ComplaintPeriod): ComplaintPerformance {
  return {
    period,
    updatedAt: x.updatedAt,
    k: x.k,
    bucketMs: x.bucketMs,
    buckets: x.buckets.map((b) => ({ from: b.from, to: b.to, received: toPublicCount(b.received), resolved: toPublicCount(b.resolved) })),
    groups: x.groups,
  };
}

export async function fetchComplaintPerformance(period: ComplaintPeriod, signal?: AbortSignal): Promise<ComplaintPerformance> {
  return toPerformance(await getJson(`/api/public/v1/complaints/performance?period=${period}`, complaintPerformanceResponse, {}, signal), period);
}
