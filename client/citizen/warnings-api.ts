/**
 * `GET /api/public/v1/warnings`: current flood warnings by kecamatan and kelurahan, and the water level at
 * every public gauge (server/public/warnings.ts). Public, no token; parsed with the REST contract.
 */
import type { AlertLevel } from '@shared/catalog';
import { warningsResponse, type RestResponse } from '@shared/rest';
import { getJson } from '../lib/api/http';

export type Warnings = RestResponse<'PublicWarnings'>;
export type WarningArea = Warnings['areas'][number];
export type WarningKelurahan = WarningArea['kelurahan'][number];
export type Gauge = WarningKelurahan['gauges'][number];

export async function fetchWarnings(signal?: AbortSignal): Promise<Warnings> {
  return getJson('/api/public/v1/warnings', warningsResponse, {}, signal);
}

/** Whether a level is a warning (Waspada or above). */
export const isWarning = (l: AlertLevel | null): l is Exclude<AlertLevel, 'normal'> => l === 'waspada' || l === 'siaga' || l === 'awas';
