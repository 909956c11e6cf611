import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { maplibregl } from '../lib/map/maplibre';
import { addRegionLayers, buildOfflineStyle } from '../lib/map/offline-style';
import { attachBasemap } from '../lib/map/basemap-style';
import type { LiveStore } from '../lib/live-store';
import { useLang, usePolled, useThrottledVersion } from '../lib/react/hooks';
import { formatNumber, formatPercent, formatRupiah } from '../lib/format';
import { complaintMapResponse, publicLinesResponse } from '@shared/rest';
import { getJson } from '../lib/api/http';
import { FONT_REGULAR } from '../lib/map/offline-style';
import { complaintPlaces, complaintPoints, gestureLocale, roadLines, warnedFillColor, warnedKelurahan } from './map-layers';
import { segmentRows } from '../features/traffic/derive';
import { fetchWarnings } from './warnings-api';
import { hasPosition } from '../features/common';
import { gateRows } from '../features/floods/derive';
import { projectRows } from '../features/projects/derive';
import { alertCss } from '../lib/alert-colors';
import { setBodyState } from '../lib/test-hooks';
import { filterProjects, LATE_MARGIN_PTS, publicProjects, type ProjectFilter, type PublicProject } from './projects';
import type { RegisteredProject } from './projects-api';
import type { PublicMapProps } from './map-types';
import { useNoticeLayer } from './notice-layer';

const LATE_COLOUR = '#be185d';
const COMPLAINT_COLOUR = '#0369a1';
/** The complaint and warning layers follow the server's snapshots; a phone needs no more than this. */
const LAYER_POLL_MS = 60_000;

/** Complaints per kelurahan over 7 days, k-protected by the server (complaint map answer). */
async function fetchComplaintPlaces(signal: AbortSignal) {
  const x = await getJson('/api/public/v1/complaints/map?period=7d', complaintMapResponse, {}, signal);
  return { k: x.k, places: complaintPlaces(x.kelurahan) };
}
/** The road segments' registered lines: they change when an OPD re-registers them, not with the traffic. */
const LINES_POLL_MS = 15 * 60_000;
async function fetchLines(signal: AbortSignal) {
  return (await getJson('/api/public/v1/lines', publicLinesResponse, {}, signal)).lines;
}
const PROJECT_COLOUR = '#7c3aed';

type PointFC = GeoJSON.FeatureCollection<GeoJSON.Point, Record<string, string | number>>;

function gaugesGeoJson(store: LiveStore): PointFC {
  return {
    type: 'FeatureCollection',
    features: gateRows(store.get('water_level'), store.now())
      .filter(hasPosition)
      .map((g) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [g.lon, g.lat] },
        properties: { entity: g.entity, level: g.alert, color: alertCss(g.alert) },
      })),
  };
}

function mapProjects(store: LiveStore, registry: readonly RegisteredProject[], parents: Map<string, string>): PublicProject[] {
  const opd = store.get('project_progress')?.metric?.ownerOpd ?? null;
  const rows = projectRows(store.get('project_progress'), store.get('project_progress_plan'), store.get('project_budget_absorbed'));
  return publicProjects(rows, { name: () => undefined, parent: (c) => parents.get(c) }, opd, LATE_MARGIN_PTS, registry);
}

function projectsGeoJson(projects: readonly PublicProject[], filter: ProjectFilter, focus: string | null): PointFC {
  return {
    type: 'FeatureCollection',
    features: filterProjects(projects, filter)
      .filter((p): p is PublicProject & { lon: number; lat: number } => p.lon !== null && p.lat !== null)
      .map((p) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
        properties: { entity: p.entity, color: p.status === 'late' ? LATE_COLOUR : PROJECT_COLOUR, focus: p.entity === focus ? 1 : 0 },
      })),
  };
}

/**
 * The citizen map: the offline basemap plus gauges and projects as plain MapLibre circle layers
 * (no deck.gl: a phone on a slow network should not download it for a few point layers), the kelurahan under a
 * flood warning shaded by level, and complaints per kelurahan (7 days, k-protected) at kelurahan centroids.
 * Gesture hints ("use two fingers") are in the page's language; the map is rebuilt when it changes.
 */
export default function PublicMap({ store, regions, registry, filter, focus, notices }: PublicMapProps) {
  const { t } = useTranslation();
  const { locale, lang } = useLang();
  const complaints = usePolled(fetchComplaintPlaces, LAYER_POLL_MS).data;
  const warnings = usePolled(fetchWarnings, LAYER_POLL_MS).data;
  const lines = usePolled(fetchLines, LINES_POLL_MS).data;
  const warned = useMemo(() => warnedKelurahan(warnings), [warnings]);
  const complaintFc = useMemo(
    () => (complaints ? complaintPoints(complaints.places, complaints.k, (n) => formatNumber(n, 0, locale)) : null),
    [complaints, locale],
  );
  const tRef = useRef(t);
  tRef.current = t;
  const parents = useMemo(() => {
    const m = new Map<string, string>();
    for (const f of regions.regions.features) if (f.properties.kecamatanCode) m.set(f.properties.code, f.properties.kecamatanCode);
    return m;
  }, [regions]);
  const el = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const [ready, setReady] = useState(false);
  const version = useThrottledVersion(store, 1000);
  const projects = useMemo(
    () => mapProjects(store, registry, parents),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version, store, registry, parents],
  );
  const roads = useMemo(
    () =>
      roadLines(
        segmentRows(store.get('traffic_speed'), store.get('congestion_index')),
        store.get('congestion_index')?.metric?.ownerOpd ?? store.get('traffic_speed')?.metric?.ownerOpd,
        lines,
      ),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [version, store, lines],
  );
  // the click handler is registered once; it reads the current list and labels through refs
  const projectsRef = useRef(projects);
  projectsRef.current = projects;
  const popupText = useRef<(p: PublicProject) => string[]>(() => []);
  popupText.current = (p) => [
    p.name ?? p.entity,
    [p.opdName ?? p.opd, p.contractValue !== null ? `${t('pub.proj.contract')} ${formatRupiah(p.contractValue, locale)}` : null]
      .filter(Boolean)
      .join(' · '),
    `${t('pub.proj.actual')} ${formatPercent(p.progress, 1, locale)} · ${t('pub.proj.planned')} ${formatPercent(p.plan, 1, locale)}`,
    `${t('pub.budget')} ${formatRupiah(p.budget, locale, true)}${p.absorbedShare !== null ? ` (${formatPercent(p.absorbedShare * 100, 0, locale)})` : ''}`,
  ];

  useEffect(() => {
    if (!el.current) return;
    const b = regions.city.bbox;
    const map = new maplibregl.Map({
      container: el.current,
      style: buildOfflineStyle('light'),
      bounds: [
        [b[0], b[1]],
        [b[2], b[3]],
      ],
      fitBoundsOptions: { padding: 12 },
      attributionControl: false,
      cooperativeGestures: true,
      locale: gestureLocale(tRef.current),
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
    });
    map.on('load', () => {
      addRegionLayers(map, regions, 'light', { kelurahanLabelMinZoom: 13 });
      attachBasemap(map, 'light', {}, () => setBodyState('basemapReady', 'true'));
      // warned kelurahan over the basemap's fill, under its lines and labels
      map.addLayer(
        { id: 'warned-kelurahan', type: 'fill', source: 'regions', paint: { 'fill-color': 'rgba(0, 0, 0, 0)', 'fill-opacity': 0.45 } },
        'regions-line',
      );
      map.addSource('complaints', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addLayer({
        id: 'complaints',
        type: 'circle',
        source: 'complaints',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'size']], 1, 5, 10, 18],
          'circle-color': COMPLAINT_COLOUR,
          'circle-opacity': 0.25,
          'circle-stroke-color': COMPLAINT_COLOUR,
          'circle-stroke-width': 1,
        },
      });
      map.addLayer({
        id: 'complaints-label',
        type: 'symbol',
        source: 'complaints',
        minzoom: 12,
        layout: { 'text-field': ['get', 'label'], 'text-font': FONT_REGULAR, 'text-size': 11, 'text-allow-overlap': false },
        paint: { 'text-color': '#0c4a6e', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2 },
      });
      // road segments along their lines, coloured by congestion, under the point layers
      map.addSource('roads', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addLayer({
        id: 'roads',
        type: 'line',
        source: 'roads',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': ['get', 'color'], 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 3, 15, 7], 'line-opacity': 0.85 },
      });
      map.addSource('gauges', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addSource('projects', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addLayer({
        id: 'projects',
        type: 'circle',
        source: 'projects',
        paint: {
          'circle-radius': ['case', ['==', ['get', 'focus'], 1], 11, 6],
          'circle-color': ['get', 'color'],
          'circle-opacity': 0.35,
          'circle-stroke-color': ['case', ['==', ['get', 'focus'], 1], '#0f172a', ['get', 'color']],
          'circle-stroke-width': ['case', ['==', ['get', 'focus'], 1], 3, 2],
        },
      });
      map.addLayer({
        id: 'gauges',
        type: 'circle',
        source: 'gauges',
        paint: {
          'circle-radius': 7,
          'circle-color': ['get', 'color'],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 2,
        },
      });
      map.on('click', 'projects', (e) => {
        // projects at one spot: the one the list asked the map to show wins
        const hit = e.features?.find((f) => f.properties?.focus === 1) ?? e.features?.[0];
        const entity = hit?.properties?.entity;
        const p = projectsRef.current.find((x) => x.entity === entity);
        if (!p || p.lon === null || p.lat === null) return;
        // built from text nodes: nothing from the data is parsed as HTML
        const box = document.createElement('div');
        box.className = 'map-popup';
        popupText.current(p).forEach((line, i) => {
          const el = document.createElement(i === 0 ? 'strong' : 'div');
          el.textContent = line;
          box.appendChild(el);
        });
        new maplibregl.Popup({ closeButton: true, maxWidth: '260px' }).setLngLat([p.lon, p.lat]).setDOMContent(box).addTo(map);
      });
      map.on('mouseenter', 'projects', () => (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', 'projects', () => (map.getCanvas().style.cursor = ''));
      mapRef.current = map;
      setReady(true);
      setBodyState('mapReady', 'true');
    });
    return () => {
      mapRef.current = null;
      setReady(false);
      map.remove();
    };
  }, [regions, lang]);

  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map) return;
    (map.getSource('gauges') as GeoJSONSource | undefined)?.setData(gaugesGeoJson(store));
    (map.getSource('roads') as GeoJSONSource | undefined)?.setData(roads);
    (map.getSource('projects') as GeoJSONSource | undefined)?.setData(projectsGeoJson(projects, filter, focus?.entity ?? null));
  }, [ready, version, store, projects, filter, focus, roads]);

  useNoticeLayer(ready ? mapRef.current : null, ready, notices, regions);

  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map) return;
    map.setPaintProperty('warned-kelurahan', 'fill-color', warnedFillColor(warned) as string);
    if (complaintFc) (map.getSource('complaints') as GeoJSONSource | undefined)?.setData(complaintFc);
  }, [ready, warned, complaintFc]);

  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map || !focus) return;
    map.easeTo({ center: [focus.lon, focus.lat], zoom: Math.max(map.getZoom(), 14), duration: 600 });
  }, [ready, focus]);

  return (
    <>
      <div
        ref={el}
        className="pub-map"
        data-testid="public-map"
        data-ready={ready ? 'true' : 'false'}
        data-complaint-places={complaintFc?.features.length ?? ''}
        data-warned-kelurahan={warned.size}
        data-road-lines={lines === null ? '' : roads.features.length}
        role="region"
        aria-label={t('pub.mapLabel')}
      />
      {focus && (
        <p className="visually-hidden" role="status">
          {t('pub.mapFocused', { entity: focus.name ?? focus.entity })}
        </p>
      )}
      <div className="pub-map-legend">
        <span>
          <i className="dot dot-gauge" aria-hidden="true" /> {t('pub.legendGauge')}
        </span>
        <span>
          <i className="dot dot-project" aria-hidden="true" /> {t('pub.legendProject')}
        </span>
        <span>
          <i className="dot dot-project-late" aria-hidden="true" /> {t('pub.legendProjectLate')}
        </span>
        <span>
          <i className="dot dot-complaints" aria-hidden="true" /> {t('pub.legendComplaints', { k: complaints?.k ?? 5 })}
        </span>
        <span>
          <i className="dot dot-warned" aria-hidden="true" /> {t('pub.legendWarned')}
        </span>
        <span>
          <i className="dot dot-road" aria-hidden="true" /> {t('pub.legendRoads')}
        </span>
        {notices && (
          <span>
            <i className="dot dot-notice" aria-hidden="true" /> {t('notices.legend')}
          </span>
        )}
      </div>
      <p className="pub-map-note">{t('pub.legendGaugeNote')}</p>
    </>
  );
}
