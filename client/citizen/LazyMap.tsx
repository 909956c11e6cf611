import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveStore } from '../lib/live-store';
import type { RegionsResponse } from '../lib/api/regions';
import type { ProjectFilter } from './projects';
import type { RegisteredProject } from './projects-api';

/** A project the map should centre on; `n` changes on every request so the same project can be asked twice. */
export interface MapFocus {
  entity: string;
  /** The registry's name, when known. */
  name?: string | null;
  lon: number;
  lat: number;
  n: number;
}

// MapLibre is most of the page's weight: it is fetched only when the map scrolls into view.
const PublicMap = lazy(() => import('./PublicMap'));

/** What the map draws; LazyMap takes the same, with the regions possibly not loaded yet. */
export interface PublicMapProps {
  store: LiveStore;
  regions: RegionsResponse;
  registry: readonly RegisteredProject[];
  filter: ProjectFilter;
  focus: MapFocus | null;
}

export function LazyMap({ store, regions, registry, filter, focus }: Omit<PublicMapProps, 'regions'> & { regions: RegionsResponse | null }) {
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
          <PublicMap store={store} regions={regions} registry={registry} filter={filter} focus={focus} />
        </Suspense>
      ) : (
        <p className="map-hint">{visible ? t('common.mapLoading') : t('pub.mapHint')}</p>
      )}
    </div>
  );
}
