import { useEffect, useRef, useState } from 'react';
import { MapLibreOverlay } from '@deck.gl/maplibre';
import { maplibregl } from '../lib/map/maplibre';
import { addRegionLayers, buildOfflineStyle } from '../lib/map/offline-style';
import type { RegionsResponse } from '../lib/api/regions';
import { setBodyState } from '../lib/test-hooks';
import { buildWallLayers, type WallMapData } from './layers';

/** Marker scale relative to a 1920-px-wide wall. */
function viewportScale(): number {
  return Math.max(0.75, Math.min(3, window.innerWidth / 1920));
}

/**
 * The wall's map: offline basemap (kelurahan polygons + labels) with deck.gl layers on top.
 * The parent throttles `data` updates; each update replaces the overlay's layers.
 */
export function WallMap({ regions, data }: { regions: RegionsResponse; data: WallMapData }) {
  const container = useRef<HTMLDivElement | null>(null);
  const overlay = useRef<MapLibreOverlay | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const bbox = regions.city.bbox;
    const map = new maplibregl.Map({
      container: el,
      style: buildOfflineStyle('dark'),
      bounds: [
        [bbox[0], bbox[1]],
        [bbox[2], bbox[3]],
      ],
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
        map.fitBounds(
          [
            [bbox[0], bbox[1]],
            [bbox[2], bbox[3]],
          ],
          { padding: 24, animate: false },
        );
      }, 150);
    };
    const ro = new ResizeObserver(refit);
    map.on('load', () => {
      addRegionLayers(map, regions, 'dark', { scale: viewportScale() });
      map.addControl(deck);
      overlay.current = deck;
      ro.observe(el);
      setReady(true);
      setBodyState('mapReady', 'true');
    });
    return () => {
      ro.disconnect();
      if (fitTimer) clearTimeout(fitTimer);
      overlay.current = null;
      map.remove();
    };
  }, [regions]);

  useEffect(() => {
    if (ready) overlay.current?.setProps({ layers: buildWallLayers(data, viewportScale()) });
  }, [ready, data]);

  return <div ref={container} className="wall-map" data-testid="wall-map" data-ready={ready ? 'true' : 'false'} />;
}
