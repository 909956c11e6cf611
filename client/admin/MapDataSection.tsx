import { useTranslation } from 'react-i18next';

/**
 * Regions and basemap are imported from the server's command line for now (files of tens of megabytes, checked
 * against idn-area-data and simplified there); this section says how. An upload form follows their REST.
 */
export function MapDataSection() {
  const { t } = useTranslation();
  return (
    <div className="map-section">
      <section aria-labelledby="map-regions">
        <h3 id="map-regions">{t('admin.map.regions')}</h3>
        <p>{t('admin.map.regionsHelp')}</p>
        <pre className="code">npm run admin -- regions import kecamatan-kelurahan.geojson</pre>
      </section>
      <section aria-labelledby="map-basemap">
        <h3 id="map-basemap">{t('admin.map.basemap')}</h3>
        <p>{t('admin.map.basemapHelp')}</p>
        <pre className="code">npm run admin -- basemap import kota.pmtiles</pre>
      </section>
      <p>{t('admin.map.docs')}</p>
    </div>
  );
}
