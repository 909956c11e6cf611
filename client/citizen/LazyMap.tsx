import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RegionsResponse } from '../lib/api/regions';
import type { PublicMapProps } from './map-types';

export type { MapFocus, PublicMapProps } from './map-types';

// MapLibre is most of the page's weight: it is fetched only when the map scrolls into view.
const PublicMap = lazy(() => import('./PublicMap'));

/** The map, loaded when it scrolls into view; takes what PublicMap takes, with the regions possibly not loaded yet. */
export function LazyMap({ store, regions, registry, filter, focus, notices }: Omit<PublicMapProps, 'regions'> & { regions: RegionsResponse | null }) {
  const { t } = useTranslation();
  const holder = useRef<HTMLDivElement | null>(null);
  const [visible, setVisible] = useState(false);

  useEffect(() => {
    const el = holder.current;
    if (!el || visible) return;
    if (focus) {
      setVisible(true);
      return;
    }
    if (typeof IntersectionObserver === 'undefined') {
      setVisible(true);
      return;
    }
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setVisible(true);
          io.disconnect();
        }
      },
      { rootMargin: '200px' },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [visible, focus]);

  return (
    <div ref={holder} className="pub-map-holder" data-testid="public-map-holder">
      {visible && regions ? (
        <Suspense fallback={<p className="map-hint">{t('common.mapLoading')}</p>}>
          <PublicMap store={store} regions={regions} registry={registry} filter={filter} focus={focus} notices={notices} />
        </Suspense>
      ) : (
        <p className="map-hint">{visible ? t('common.mapLoading') : t('pub.mapHint')}</p>
      )}
    </div>
  );
}
