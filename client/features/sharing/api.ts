/** REST of sharing on request (issue 19) for the tablet: answers parsed with the contract's schemas (shared/sharing.ts). */
import {
  sharingAgreementResponse,
  sharingMatrixResponse,
  sharingOverviewResponse,
  sharingRequestResponse,
  sharingUsageResponse,
  type RegionLevel,
  type SharingDecision,
} from '@shared/sharing';
import type { z } from 'zod';
import { ApiError, checked, getJson } from '../../lib/api/http';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export const fetchSharingOverview = (token: string, signal?: AbortSignal) =>
  getJson('/api/v1/sharing/overview', sharingOverviewResponse, auth(token), signal);
export const fetchSharingMatrix = (token: string, signal?: AbortSignal) =>
  getJson('/api/v1/sharing/matrix', sharingMatrixResponse, auth(token), signal);
export const fetchSharingUsage = (token: string, id: number) => getJson(`/api/v1/sharing/agreements/${id}/usage`, sharingUsageResponse, auth(token));

/** POSTs and parses; a refusal throws an ApiError carrying the server's own message (shown as is: it names the rule). */
async function post<S extends z.ZodType>(token: string, path: string, body: unknown, schema: S): Promise<z.output<S>> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', Accept: 'application/json', ...auth(token) },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, (json as { error?: string } | null)?.error ?? `HTTP ${res.status}`);
  return checked(path, schema, json);
}

export const requestSharing = (
  token: string,
  body: { itemType: 'metric' | 'event_kind'; itemCode: string; purpose: string; justification: string; validUntil: number; regionLevel: RegionLevel },
) => post(token, '/api/v1/sharing/requests', body, sharingRequestResponse);
export const decideSharing = (token: string, id: number, d: SharingDecision) =>
  post(token, `/api/v1/sharing/requests/${id}/decision`, d, sharingRequestResponse);
export const withdrawSharing = (token: string, id: number) => post(token, `/api/v1/sharing/requests/${id}/withdraw`, {}, sharingRequestResponse);
/** The owner's renewal answers the agreement, the grantee's a renewal request: either parses. */
export const renewSharing = (token: string, id: number, validUntil: number) =>
  post(token, `/api/v1/sharing/agreements/${id}/renew`, { validUntil }, sharingAgreementResponse.or(sharingRequestResponse));
export const disputeSharing = (token: string, id: number, note: string) =>
  post(token, `/api/v1/sharing/agreements/${id}/dispute`, { note }, sharingAgreementResponse);
export const resolveSharing = (token: string, id: number, note: string) =>
  post(token, `/api/v1/sharing/agreements/${id}/resolve`, { note }, sharingAgreementResponse);

/** `YYYY-MM-DD` (a date input's value) → the end of that day in the tablet's zone, epoch ms; null when not a date. */
export function endOfDay(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const t = new Date(`${value}T23:59:59`).getTime();
  return Number.isFinite(t) ? t : null;
}

/** Epoch ms → `YYYY-MM-DD` in the tablet's zone (a date input's value). */
export function dateValue(t: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Whole days from `now` until `t` (rounded up; 0 once passed). */
export const daysLeft = (t: number, now: number): number => Math.max(0, Math.ceil((t - now) / 86_400_000));
