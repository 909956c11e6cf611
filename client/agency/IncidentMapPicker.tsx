import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Map as MapLibreMap, Marker } from 'maplibre-gl';
import { INCIDENT_SEVERITIES } from '@shared/incidents';
import { maplibregl } from '../lib/map/maplibre';
import { addRegionLayers, buildOfflineStyle } from '../lib/map/offline-style';
import { attachBasemap } from '../lib/map/basemap-style';
import { fetchRegions, type RegionsResponse } from '../lib/api/regions';
import type { CatalogResponse } from '../lib/api/catalog';
import { createIncident } from '../features/incidents/api';
import { manualBody, manualDefaults, type ManualDefaults, type MapSpot } from '../features/incidents/manual';
import type { IncidentsStore } from '../features/incidents/store';

/**
 * An incident from a map position in three taps (issue 16): tap the map (a pin drops; the kelurahan under it is
 * read from the region polygons) → "Buat insiden di sini" → "Kirim disposisi" with the defaults (title "Laporan
 * lapangan · Kel. …", Waspada, the caller's own OPD), all editable before sending. Loaded lazily: maplibre only
 * comes with this section.
 */
export default function IncidentMapPicker({
  token,
  ownOpd,
  catalog,
  store,
}: {
  token: string;
  ownOpd: string | null;
  catalog: CatalogResponse | null;
  store: IncidentsStore;
}) {
  const { t } = useTranslation();
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<MapLibreMap | null>(null);
  const pin = useRef<Marker | null>(null);
  const [regions, setRegions] = useState<RegionsResponse | null>(null);
  const [ready, setReady] = useState(false);
  const [spot, setSpot] = useState<MapSpot | null>(null);
  const [form, setForm] = useState<ManualDefaults | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<number | null>(null);

  useEffect(() => {
    let alive = true;
    fetchRegions().then(
      (r) => alive && setRegions(r),
      (e: Error) => alive && setError(e.message),
    );
    return () => {
      alive = false;
    };
  }, []);

  useEffect(() => {
    if (!el.current || !regions) return;
    const b = regions.city.bbox;
    const m = new maplibregl.Map({
      container: el.current,
      style: buildOfflineStyle('light'),
      bounds: [
        [b[0], b[1]],
        [b[2], b[3]],
      ],
      fitBoundsOptions: { padding: 8 },
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
    });
    map.current = m;
    m.on('load', () => {
      addRegionLayers(m, regions, 'light', { kelurahanLabelMinZoom: 13 });
      attachBasemap(m, 'light');
      setReady(true);
    });
    m.on('click', (e) => {
      const f = m.queryRenderedFeatures(e.point, { layers: ['regions-fill'] })[0];
      const p = f?.properties as { code?: string; name?: string } | undefined;
      const region = p?.code && p.name ? { code: p.code, name: p.name } : null;
      pin.current?.remove();
      pin.current = new maplibregl.Marker({ color: '#e7383c' }).setLngLat(e.lngLat).addTo(m);
      setSpot({ lon: e.lngLat.lng, lat: e.lngLat.lat, region });
      setForm(null);
      setMade(null);
      setError(null);
    });
    return () => {
      m.remove();
      map.current = null;
      pin.current = null;
      setReady(false);
    };
  }, [regions]);

  const opds = catalog?.opd ?? [];
  const open = () =>
    spot &&
    setForm(
      manualDefaults(
        spot,
        t('incidents.here.label'),
        ownOpd,
        opds.map((o) => o.code),
      ),
    );
  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!spot || !form) return;
    const body = manualBody(spot, form);
    if (!body) return setError(t('incidents.here.titleNeeded'));
    setBusy(true);
    setError(null);
    try {
      const d = await createIncident(token, body);
      store.upsert(d.incident);
      setMade(d.incident.id);
      setForm(null);
      setSpot(null);
      pin.current?.remove();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="incidents-card incident-here" data-testid="incident-map" data-ready={ready ? 'true' : 'false'}>
      <div className="catalog-head">
        <h2>{t('incidents.here.title')}</h2>
      </div>
      <div ref={el} className="incident-here-map" data-testid="incident-map-canvas" />
      {!spot && !made && <p className="muted">{t('incidents.here.hint')}</p>}
      {made !== null && (
        <p className="incident-exists" data-testid="incident-here-made" data-incident={made}>
          {t('incidents.exists', { id: made })}
        </p>
      )}
      {spot && !form && (
        <div className="ack-actions">
          <button type="button" className="primary" onClick={open} data-testid="incident-here">
            {t('incidents.here.make')}
          </button>
          <span className="muted" data-testid="incident-here-where">
            {spot.region ? spot.region.name : `${spot.lat.toFixed(5)}, ${spot.lon.toFixed(5)}`}
          </span>
        </div>
      )}
      {spot && form && (
        <form className="incident-form" onSubmit={(e) => void send(e)} data-testid="incident-here-form">
          <label>
            <span>{t('incidents.here.titleField')}</span>
            <input
              value={form.title}
              maxLength={200}
              required
              onChange={(e) => setForm({ ...form, title: e.target.value })}
              data-testid="incident-here-title"
            />
          </label>
          <label>
            <span>{t('incidents.here.severity')}</span>
            <select
              value={form.severity}
              onChange={(e) => setForm({ ...form, severity: e.target.value as ManualDefaults['severity'] })}
              data-testid="incident-here-severity"
            >
              {INCIDENT_SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {t(`incidents.severity.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t('incidents.makeFor')}</span>
            <select value={form.handlingOpd} onChange={(e) => setForm({ ...form, handlingOpd: e.target.value })} data-testid="incident-here-opd">
              {opds.map((o) => (
                <option key={o.code} value={o.code}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
          <div className="ack-actions">
            <button type="submit" className="primary" disabled={busy} data-testid="incident-here-send">
              {busy ? t('incidents.sending') : t('incidents.send')}
            </button>
            <button type="button" onClick={() => setForm(null)} disabled={busy}>
              {t('incidents.cancel')}
            </button>
          </div>
        </form>
      )}
      {error && (
        <p className="ack-error" role="alert">
          {t('incidents.error', { message: error })}
        </p>
      )}
    </section>
  );
}
