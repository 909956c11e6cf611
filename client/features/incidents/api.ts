/** REST of incidents for the surfaces: answers parsed with the contract's schemas (shared/incidents.ts). */
import { deliveriesResponse, incidentDetailResponse, incidentsResponse, routedComplaintsResponse, type IncidentSeverity } from '@shared/incidents';
import { ApiError, checked, getJson } from '../../lib/api/http';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export const fetchIncidents = (token: string, signal?: AbortSignal) => getJson('/api/v1/incidents', incidentsResponse, auth(token), signal);
export const fetchIncident = (token: string, id: number) => getJson(`/api/v1/incidents/${id}`, incidentDetailResponse, auth(token));
export const fetchRouted = (token: string, signal?: AbortSignal) =>
  getJson('/api/v1/complaints/routed', routedComplaintsResponse, auth(token), signal);

async function post(token: string, path: string, body: unknown) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', Accept: 'application/json', ...auth(token) },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, (json as { error?: string } | null)?.error ?? `HTTP ${res.status}`);
  return checked(path, incidentDetailResponse, json);
}

export type IncidentSourceInput =
  | { type: 'alert'; id: number }
  | { type: 'complaint'; kind: string; id: string }
  | { type: 'watch'; id: number }
  | { type: 'manual'; lon: number; lat: number; region?: string };

export const createIncident = (
  token: string,
  body: { from: IncidentSourceInput; title?: string; handlingOpd?: string; severity?: IncidentSeverity; supportingOpds?: string[] },
) => post(token, '/api/v1/incidents', body);

export type IncidentAction =
  | { action: 'accept' }
  | { action: 'start' }
  | { action: 'resolve'; note: string }
  | { action: 'reject'; note: string }
  | { action: 'reassign'; toOpd: string; reason: string }
  | { action: 'support'; opd: string; note?: string }
  | { action: 'note'; text: string; links?: { url: string; label?: string }[] }
  | { action: 'merge'; into: number };

export const actOnIncident = (token: string, id: number, action: IncidentAction & { version?: number }) =>
  post(token, `/api/v1/incidents/${id}/actions`, action);

export const fetchDeliveries = (token: string, signal?: AbortSignal) =>
  getJson('/api/v1/notifications/deliveries?limit=50', deliveriesResponse, auth(token), signal);
