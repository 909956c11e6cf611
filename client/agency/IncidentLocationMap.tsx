import { useEffect, useRef, useState } from 'react';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { maplibregl } from '../lib/map/maplibre';
import { addRegionLayers, buildOfflineStyle } from '../lib/map/offline-style';
import { attachBasemap } from '../lib/map/basemap-style';
import { fetchRegions } from '../lib/api/regions';

/**
 * Where an incident is, on the field officer's phone (issue 16): the city's own offline basemap (no tile leaves
 * the server) with the kelurahan boundaries and a pin at the incident, zoomed in. Loaded lazily with maplibre
 * when an officer opens it, so the incident list stays light on a slow phone.
 */
export default function IncidentLocationMap({ lon, lat, label }: { lon: number; lat: number; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let alive = true;
    let map: MapLibreMap | null = null;
    fetchRegions().then(
      (regions) => {
        if (!alive || !el.current) return;
        map = new maplibregl.Map({
          container: el.current,
          style: buildOfflineStyle('light'),
          center: [lon, lat],
          zoom: 15,
          attributionControl: false,
          dragRotate: false,
          pitchWithRotate: false,
          touchPitch: false,
        });
        const m = map;
        m.on('load', () => {
          addRegionLayers(m, regions, 'light', { kelurahanLabelMinZoom: 13 });
          attachBasemap(m, 'light');
          new maplibregl.Marker({ color: '#e7383c' }).setLngLat([lon, lat]).addTo(m);
          if (alive) setReady(true);
        });
      },
      () => alive && setFailed(true),
    );
    return () => {
      alive = false;
      map?.remove();
    };
  }, [lon, lat]);

  return (
    <div
      ref={el}
      className="incident-location-map"
      role="img"
      aria-label={label}
      data-testid="incident-location-map"
      data-ready={ready ? 'true' : failed ? 'failed' : 'false'}
    />
  );
}
