/**
 * What the citizen map draws besides gauges and projects, as pure functions of the public answers (issue 21):
 * road segments along their registered lines (`/api/public/v1/lines`, issue 18) coloured by congestion;
 * complaints per kelurahan at the kelurahan's centroid (the k-protected counts of
 * `/api/public/v1/complaints/map`, a hidden one labelled "< 5" or "≥ 5" like everywhere else on the page) and
 * the kelurahan under a flood warning, shaded by level (`/api/public/v1/warnings`). Plus MapLibre's
 * cooperative-gesture hints in the page's language. No map object here, so the unit tests read it directly.
 */
import type { z } from 'zod';
import type { AlertLevel } from '@shared/catalog';
import type { publicLinesResponse } from '@shared/rest';
import { alertCss } from '../lib/alert-colors';
import { countLabel, countValue, toPublicCount, type PublicCount } from '../lib/api/public-complaints';
import type { Warnings } from './warnings-api';
import { isWarning } from './warnings-api';

type PointFC = GeoJSON.FeatureCollection<GeoJSON.Point, Record<string, string | number>>;
type LineFC = GeoJSON.FeatureCollection<GeoJSON.LineString, Record<string, string | number>>;

/** A registered line as `/api/public/v1/lines` answers it. */
export type PublicLine = Pick<z.output<typeof publicLinesResponse>['lines'][number], 'opd' | 'entity' | 'path'>;

/**
 * The road segments the page has live readings for, drawn along the line their metric's owner OPD registered
 * (the `/public` stream carries no lines; the page reads them once). A segment without a line is left off the
 * map (the traffic section lists it); its colour is its congestion level's.
 */
export function roadLines(
  segments: readonly { entity: string; alert: AlertLevel }[],
  ownerOpd: string | null | undefined,
  lines: readonly PublicLine[] | null,
): LineFC {
  const byEntity = new Map((lines ?? []).filter((l) => l.opd === ownerOpd && l.path.length >= 2).map((l) => [l.entity, l.path]));
  return {
    type: 'FeatureCollection',
    features: segments.flatMap((s) => {
      const path = byEntity.get(s.entity);
      return path
        ? [
            {
              type: 'Feature' as const,
              geometry: { type: 'LineString' as const, coordinates: path },
              properties: { entity: s.entity, level: s.alert, color: alertCss(s.alert) },
            },
          ]
        : [];
    }),
  };
}

/** One kelurahan of the complaint map as the page keeps it. */
export interface ComplaintPlace {
  code: string;
  name: string | null;
  centroid: [number, number];
  received: PublicCount;
}

/** The wire count of the complaint map answer. */
type WireCount = Parameters<typeof toPublicCount>[0];

/** The kelurahan of the complaint map answer that have a centroid (complaints without a region have none). */
export function complaintPlaces(
  kelurahan: readonly { code: string | null; name: string | null; centroid: [number, number] | null; received: WireCount }[],
): ComplaintPlace[] {
  return kelurahan.flatMap((r) =>
    r.code !== null && r.centroid !== null ? [{ code: r.code, name: r.name, centroid: r.centroid, received: toPublicCount(r.received) }] : [],
  );
}

/**
 * One point per kelurahan with complaints: `label` is the count as the page writes it, `size` the radius
 * driver (a hidden count draws as the smallest circle: its size must not tell more than its label).
 */
export function complaintPoints(places: readonly ComplaintPlace[], k: number, format: (n: number) => string): PointFC {
  return {
    type: 'FeatureCollection',
    features: places
      .filter((p) => typeof p.received !== 'number' || p.received > 0)
      .map((p) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: p.centroid },
        properties: { code: p.code, label: countLabel(p.received, k, format), size: Math.max(1, countValue(p.received)) },
      })),
  };
}

const LEVEL_RANK: Record<AlertLevel, number> = { normal: 0, waspada: 1, siaga: 2, awas: 3 };

/** The kelurahan at Waspada or above, with their level (the worst of their current gauges). */
export function warnedKelurahan(w: Warnings | null): Map<string, Exclude<AlertLevel, 'normal'>> {
  const out = new Map<string, Exclude<AlertLevel, 'normal'>>();
  for (const area of w?.areas ?? [])
    for (const kel of area.kelurahan) {
      if (kel.code === null || !isWarning(kel.level)) continue;
      const had = out.get(kel.code);
      if (!had || LEVEL_RANK[kel.level] > LEVEL_RANK[had]) out.set(kel.code, kel.level);
    }
  return out;
}

/**
 * The fill colour of the warning layer over the region polygons: the level's colour for a warned kelurahan,
 * transparent for every other region. A MapLibre `match` needs at least one label, so an empty set gives a
 * constant.
 */
export function warnedFillColor(warned: ReadonlyMap<string, Exclude<AlertLevel, 'normal'>>): unknown {
  if (warned.size === 0) return 'rgba(0, 0, 0, 0)';
  const pairs = [...warned].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flatMap(([code, level]) => [code, alertCss(level)]);
  return ['match', ['get', 'code'], ...pairs, 'rgba(0, 0, 0, 0)'];
}

/** MapLibre's cooperative-gesture hints (shown when one finger or the wheel alone tries to move the map). */
export function gestureLocale(t: (key: string) => string): Record<string, string> {
  return {
    'CooperativeGesturesHandler.WindowsHelpText': t('pub.gestures.windows'),
    'CooperativeGesturesHandler.MacHelpText': t('pub.gestures.mac'),
    'CooperativeGesturesHandler.MobileHelpText': t('pub.gestures.mobile'),
  };
}
