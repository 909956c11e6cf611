/**
 * Public notices on the citizen map (issue 21): each notice in force is drawn as its own polygon or point and
 * as the outlines of the kelurahan it names, coloured by CAP severity. Plain MapLibre layers (no deck.gl), one
 * GeoJSON source updated from the notices store. `noticesGeoJson` is pure (tested without a map).
 */
import { useEffect } from 'react';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { noticeActive, type NoticeSeverity, type WireNotice } from '@shared/notices';
import type { RegionsResponse } from '../lib/api/regions';
import type { NoticesStore } from '../features/notices/store';
import { setBodyState } from '../lib/test-hooks';

export const NOTICE_COLOURS: Record<NoticeSeverity, string> = { minor: '#0369a1', moderate: '#ca8a04', severe: '#ea580c', extreme: '#dc2626' };

type Props = { id: number; kind: string; color: string };

/** Pure: the features of the notices in force at `now` (own geometry first, then the named kelurahan). */
export function noticesGeoJson(
  notices: readonly WireNotice[],
  regions: RegionsResponse,
  now: number,
): GeoJSON.FeatureCollection<GeoJSON.Geometry, Props> {
  const byCode = new Map(regions.regions.features.map((f) => [f.properties.code, f.geometry as GeoJSON.Geometry]));
  const features: GeoJSON.Feature<GeoJSON.Geometry, Props>[] = [];
  for (const n of notices) {
    if (!noticeActive(n, now)) continue;
    const properties = { id: n.id, kind: n.kind, color: NOTICE_COLOURS[n.severity] };
    if (n.geometry) features.push({ type: 'Feature', geometry: n.geometry as GeoJSON.Geometry, properties });
    for (const code of n.regions) {
      const g = byCode.get(code);
      if (g) features.push({ type: 'Feature', geometry: g, properties });
    }
  }
  return { type: 'FeatureCollection', features };
}

/** Adds the notice layers once the map is ready and keeps them current with the store. */
export function useNoticeLayer(map: MapLibreMap | null, ready: boolean, store: NoticesStore | undefined, regions: RegionsResponse): void {
  useEffect(() => {
    if (!ready || !map || !store) return;
    if (!map.getSource('notices')) {
      map.addSource('notices', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      // under the gauges and projects: a notice area is context, the points stay clickable
      const below = map.getLayer('projects') ? 'projects' : undefined;
      map.addLayer(
        {
          id: 'notices-fill',
          type: 'fill',
          source: 'notices',
          filter: ['==', ['geometry-type'], 'Polygon'],
          paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.18 },
        },
        below,
      );
      map.addLayer(
        {
          id: 'notices-line',
          type: 'line',
          source: 'notices',
          filter: ['==', ['geometry-type'], 'Polygon'],
          paint: { 'line-color': ['get', 'color'], 'line-width': 2, 'line-dasharray': [2, 1] },
        },
        below,
      );
      map.addLayer(
        {
          id: 'notices-point',
          type: 'circle',
          source: 'notices',
          filter: ['==', ['geometry-type'], 'Point'],
          paint: { 'circle-radius': 8, 'circle-color': '#ffffff', 'circle-stroke-color': ['get', 'color'], 'circle-stroke-width': 4 },
        },
        below,
      );
    }
    const update = () => {
      const fc = noticesGeoJson(store.list(), regions, Date.now());
      (map.getSource('notices') as GeoJSONSource | undefined)?.setData(fc);
      // tests (and CSS) see how many notice shapes are drawn
      setBodyState('mapNotices', String(fc.features.length));
    };
    update();
    const stop = store.subscribe(update);
    // a notice starts or ends with no message: redraw every minute
    const timer = setInterval(update, 60_000);
    return () => {
      stop();
      clearInterval(timer);
    };
  }, [map, ready, store, regions]);
}
