import { useEffect, useMemo, useRef, useState } from 'react';
import { MapLibreOverlay } from '@deck.gl/maplibre';
import type { MapLayerId } from '@shared/scenes';
import { bboxAnchor } from '@shared/hexbin';
import { maplibregl } from '../lib/map/maplibre';
import { addRegionLayers, buildOfflineStyle, showRegionCodes } from '../lib/map/offline-style';
import { attachBasemap, BASEMAP_LABEL_LAYERS } from '../lib/map/basemap-style';
import type { RegionsResponse } from '../lib/api/regions';
import { recordMapLabels, recordMapLayers, recordMapProjector, setBodyState } from '../lib/test-hooks';
import { PICKABLE_LAYERS, targetOf, type InspectTarget } from '../features/inspect/target';
import { buildWallLayers, describeLayers, type LayerTexts, type WallMapData } from './layers';
import { buildGenericLayers, type GenericLayerInput } from './generic-layers';
import { useTranslation } from 'react-i18next';

const NO_GENERIC: readonly GenericLayerInput[] = [];

/** Marker scale relative to a 1920-px-wide wall. */
function viewportScale(): number {
  return Math.max(0.75, Math.min(3, window.innerWidth / 1920));
}

/** Map label size in CSS px: a little above 1rem of the wall (16.8 px at 1080p, 33.6 px at 4K), never below 16. */
function labelPx(): number {
  return Math.max(16, parseFloat(getComputedStyle(document.documentElement).fontSize) * 1.05);
}

/** What the labels look like as drawn, for the legibility test (MapLibre draws them on its canvas). */
function describeLabels(map: maplibregl.Map) {
  return ['kelurahan-label', 'kecamatan-label', ...BASEMAP_LABEL_LAYERS]
    .filter((id) => map.getLayer(id))
    .map((id) => ({
      layer: id,
      px: Number(map.getLayoutProperty(id, 'text-size')),
      haloPx: Number(map.getPaintProperty(id, 'text-halo-width')),
      allowOverlap: Boolean(map.getLayoutProperty(id, 'text-allow-overlap') ?? false),
    }));
}

/**
 * The wall's map: offline basemap (kelurahan polygons + labels) with deck.gl layers on top. One instance
 * lives across scenes (the scene view keeps it mounted); a scene change only changes its layers, pitch and
 * size. The parent hands new data arrays only for domains whose data changed; layers keep stable ids.
 */
export function WallMap({
  regions,
  data,
  layers,
  generic = NO_GENERIC,
  pitch = 0,
  onPick,
}: {
  regions: RegionsResponse;
  data: WallMapData;
  layers: readonly MapLayerId[];
  /** The scene's generic layers of catalog codes (generic-layers.ts), drawn under the built-in ones. */
  generic?: readonly GenericLayerInput[];
  pitch?: number;
  /** A tap on an entity or a complaints hexagon (absent: the map is not pickable, as in kiosk mode). */
  onPick?: (target: InspectTarget | null) => void;
}) {
  const container = useRef<HTMLDivElement | null>(null);
  const overlay = useRef<MapLibreOverlay | null>(null);
  const mapRef = useRef<maplibregl.Map | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const bbox = regions.city.bbox;
    const bounds: [[number, number], [number, number]] = [
      [bbox[0], bbox[1]],
      [bbox[2], bbox[3]],
    ];
    const map = new maplibregl.Map({
      container: el,
      style: buildOfflineStyle('dark'),
      bounds,
      fitBoundsOptions: { padding: 24 },
      attributionControl: false,
      interactive: false,
      fadeDuration: 0,
    });
    // interleaved: false — the shared-context mode breaks on MapLibre 6.
    const deck = new MapLibreOverlay({ interleaved: false, layers: [] });
    let fitTimer: ReturnType<typeof setTimeout> | null = null;
    const refit = () => {
      if (fitTimer) clearTimeout(fitTimer);
      fitTimer = setTimeout(() => {
        map.resize();
        map.fitBounds(bounds, { padding: 24, animate: false, pitch: map.getPitch() });
      }, 150);
    };
    const ro = new ResizeObserver(refit);
    map.on('load', () => {
      addRegionLayers(map, regions, 'dark', { scale: viewportScale(), labelPx: labelPx() });
      recordMapLabels(describeLabels(map));
      // coast, rivers and roads slot in under the kelurahan labels when they arrive (one request per page)
      attachBasemap(map, 'dark', { scale: viewportScale(), labelPx: labelPx() }, () => {
        recordMapLabels(describeLabels(map));
        setBodyState('basemapReady', 'true');
      });
      recordMapProjector((lon, lat) => {
        const p = map.project([lon, lat]);
        const r = el.getBoundingClientRect();
        return { x: r.left + p.x, y: r.top + p.y };
      });
      map.addControl(deck);
      overlay.current = deck;
      mapRef.current = map;
      ro.observe(el);
      setReady(true);
      setBodyState('mapReady', 'true');
    });
    return () => {
      ro.disconnect();
      if (fitTimer) clearTimeout(fitTimer);
      overlay.current = null;
      mapRef.current = null;
      map.remove();
    };
  }, [regions]);

  const codes = layers.includes('region-codes');
  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map) return;
    // the code under a name stays at the label size: at 0.8 it would fall under 16 px
    showRegionCodes(map, codes, undefined, 1);
    const bbox = regions.city.bbox;
    map.fitBounds(
      [
        [bbox[0], bbox[1]],
        [bbox[2], bbox[3]],
      ],
      { padding: 24, animate: false, pitch },
    );
  }, [ready, codes, pitch, regions]);

  const pickable = onPick !== undefined;
  // live complaints are binned on the lattice the rewind's counts use (a frame brings its own anchor)
  const { t } = useTranslation();
  const texts: LayerTexts = useMemo(
    () => ({ conflictHidden: (opd: string) => t('wall.layers.conflictHidden', { opd }), late: t('incidents.lateMark') }),
    [t],
  );
  const cityAnchor = useMemo(() => (regions.city.bbox ? bboxAnchor(regions.city.bbox) : null), [regions]);
  useEffect(() => {
    if (!ready || !overlay.current) return;
    const built = [
      ...buildGenericLayers(generic, regions.regions, viewportScale(), cityAnchor),
      ...buildWallLayers(data.hexAnchor ? data : { ...data, hexAnchor: cityAnchor }, layers, viewportScale(), texts),
    ].map((l) => (pickable && PICKABLE_LAYERS.has(l.id) ? l.clone({ pickable: true }) : l));
    overlay.current.setProps({ layers: built });
    recordMapLayers(describeLayers(built));
  }, [ready, data, layers, generic, regions, pickable, cityAnchor, texts]);

  // a tap: deck.gl picks what lies under it (a few pixels of slack for a finger)
  const pick = useRef(onPick);
  pick.current = onPick;
  useEffect(() => {
    const el = container.current;
    if (!ready || !el || !pickable) return;
    const onClick = (e: MouseEvent) => {
      const deck = overlay.current;
      if (!deck) return;
      const r = el.getBoundingClientRect();
      const info = deck.pickObject({ x: e.clientX - r.left, y: e.clientY - r.top, radius: 8 });
      pick.current?.(info?.layer ? targetOf(info.layer.id, info.object, info.coordinate ?? null) : null);
    };
    el.addEventListener('click', onClick);
    return () => el.removeEventListener('click', onClick);
  }, [ready, pickable]);

  return <div ref={container} className="wall-map" data-testid="wall-map" data-ready={ready ? 'true' : 'false'} data-layers={layers.join(' ')} />;
}
