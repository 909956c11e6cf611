/**
 * A manual incident made from a map position (issue 16, "tap the map → Buat insiden di sini → Kirim"): the
 * defaults the form opens with, so the third tap can send it as it is. Pure; tested in
 * tests/unit/incident-manual.test.ts.
 */
import type { IncidentSeverity } from '@shared/incidents';

/** The server's title limit (server/incidents/routes.ts). */
export const MAX_TITLE = 200;

export interface MapSpot {
  lon: number;
  lat: number;
  /** The kelurahan under the tap, if any (the map's region polygons). */
  region: { code: string; name: string } | null;
}

export interface ManualDefaults {
  title: string;
  severity: IncidentSeverity;
  handlingOpd: string;
}

/**
 * "Laporan lapangan · Kel. Tlogosari", or the rounded coordinates outside any kelurahan; severity Waspada (the
 * lowest: raising it is a decision); the handling OPD is the caller's own, else the first of the catalog's.
 */
export function manualDefaults(spot: MapSpot, label: string, ownOpd: string | null, opds: readonly string[]): ManualDefaults {
  const where = spot.region ? `Kel. ${spot.region.name}` : `${spot.lat.toFixed(5)}, ${spot.lon.toFixed(5)}`;
  const title = `${label.trim() || 'Insiden'} · ${where}`.slice(0, MAX_TITLE);
  return { title, severity: 'waspada', handlingOpd: ownOpd ?? opds[0] ?? '' };
}

/** The body of POST /api/v1/incidents for the spot and the (possibly edited) form; null while the title is blank. */
export function manualBody(spot: MapSpot, form: ManualDefaults) {
  const title = form.title.trim().slice(0, MAX_TITLE);
  if (!title || !form.handlingOpd) return null;
  return {
    from: { type: 'manual' as const, lon: spot.lon, lat: spot.lat, ...(spot.region ? { region: spot.region.code } : {}) },
    title,
    severity: form.severity,
    handlingOpd: form.handlingOpd,
  };
}
