import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExpressionSpecification, Map as MapLibreMap } from 'maplibre-gl';
import { maplibregl } from '../lib/map/maplibre';
import { addRegionLayers, buildOfflineStyle } from '../lib/map/offline-style';
import { attachBasemap } from '../lib/map/basemap-style';
import { fetchRegions, type BBox, type RegionsResponse } from '../lib/api/regions';
import { featuresBBox, isKecamatanCode, territoryFeatures, territoryName } from '../lib/map/territory';

/**
 * A camat's or lurah's own area on the tablet (issue 17): "Wilayah: Kecamatan <name>" and the kota's map fitted
 * to their territory, which is outlined while the rest of the kota is dimmed. The figures below it are already
 * cut to the territory by the server; this only tells the reader which area they are. maplibre is loaded
 * with this component (lazily), so an OPD tablet does not pay for it.
 */
export default function WilayahArea({ region }: { region: string }) {
  const { t } = useTranslation();
  const el = useRef<HTMLDivElement>(null);
  const [regions, setRegions] = useState<RegionsResponse | null>(null);
  const [failed, setFailed] = useState(false);
  const [view, setView] = useState<{ center: [number, number]; bounds: BBox } | null>(null);

  useEffect(() => {
    let alive = true;
    fetchRegions().then(
      (r) => alive && setRegions(r),
      () => alive && setFailed(true),
    );
    return () => {
      alive = false;
    };
  }, []);

  const features = regions ? territoryFeatures(regions, region) : [];
  const bbox = featuresBBox(features);
  const bboxKey = bbox ? bbox.join(',') : '';

  useEffect(() => {
    if (!regions || !el.current) return;
    const target = bboxKey ? (bboxKey.split(',').map(Number) as BBox) : regions.city.bbox;
    const map: MapLibreMap = new maplibregl.Map({
      container: el.current,
      style: buildOfflineStyle('light'),
      bounds: [target[0], target[1], target[2], target[3]],
      fitBoundsOptions: { padding: 24 },
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
    });
    let alive = true;
    map.on('load', () => {
      addRegionLayers(map, regions, 'light', { kelurahanLabelMinZoom: 13 });
      attachBasemap(map, 'light');
      const key = isKecamatanCode(region) ? 'kecamatanCode' : 'code';
      const outside = ['!=', ['get', key], region] as unknown as ExpressionSpecification;
      const inside = ['==', ['get', key], region] as unknown as ExpressionSpecification;
      // the rest of the kota is greyed out; the territory keeps its colours and gets a strong outline
      map.addLayer({ id: 'wilayah-dim', type: 'fill', source: 'regions', filter: outside, paint: { 'fill-color': '#64748b', 'fill-opacity': 0.55 } });
      map.addLayer({ id: 'wilayah-outline', type: 'line', source: 'regions', filter: inside, paint: { 'line-color': '#1d4ed8', 'line-width': 2.5 } });
      // what the map shows, for the reader's tests (the fitted view must hold the whole territory)
      const c = map.getCenter();
      const v = map.getBounds();
      if (alive) setView({ center: [c.lng, c.lat], bounds: [v.getWest(), v.getSouth(), v.getEast(), v.getNorth()] });
    });
    return () => {
      alive = false;
      map.remove();
    };
  }, [regions, region, bboxKey]);

  const name = regions ? territoryName(regions, region) : null;
  const kind = isKecamatanCode(region) ? 'kecamatan' : 'kelurahan';
  return (
    <section className="wilayah-area" data-testid="wilayah-area" data-region={region}>
      <h2 data-testid="wilayah-title">{t(`agency.wilayah.${kind}`, { name: name ?? region })}</h2>
      {regions && !bbox && <p className="muted">{t('agency.wilayah.noBoundary', { code: region })}</p>}
      {failed && <p className="muted">{t('agency.wilayah.mapError')}</p>}
      <div
        ref={el}
        className="wilayah-map"
        role="img"
        aria-label={t('agency.wilayah.mapLabel', { name: name ?? region })}
        data-testid="wilayah-map"
        data-ready={view ? 'true' : failed ? 'failed' : 'false'}
        data-center={view ? view.center.join(',') : ''}
        data-bounds={view ? view.bounds.join(',') : ''}
      />
    </section>
  );
}
