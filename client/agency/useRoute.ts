/**
 * The tablet's route lives in the URL fragment (`#/metrik/<code>`), so the browser's back button and a
 * reload both work. Opening a metric pushes a history entry; switching its range replaces it.
 */
import { useCallback, useEffect, useState } from 'react';
import { formatRoute, parseRoute, type Route } from './kpi';

/** Fired on the window when this page changes the route itself. */
const ROUTE_EVENT = 'sinergi:agency-route';

export function useRoute(): { route: Route; go: (r: Route, opts?: { replace?: boolean }) => void; back: () => void } {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const sync = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', sync);
    window.addEventListener('popstate', sync);
    window.addEventListener(ROUTE_EVENT, sync);
    return () => {
      window.removeEventListener('hashchange', sync);
      window.removeEventListener('popstate', sync);
      window.removeEventListener(ROUTE_EVENT, sync);
    };
  }, []);
  const go = useCallback((r: Route, opts: { replace?: boolean } = {}) => {
    const url = window.location.pathname + window.location.search + formatRoute(r);
    // state marks entries this page pushed, so "back" knows whether history.back() stays on the page
    if (opts.replace) window.history.replaceState(window.history.state, '', url);
    else window.history.pushState({ sinergiAgency: true }, '', url);
    // pushState fires no event: tell every other user of this hook
    window.dispatchEvent(new Event(ROUTE_EVENT));
  }, []);
  const back = useCallback(() => {
    if ((window.history.state as { sinergiAgency?: boolean } | null)?.sinergiAgency) window.history.back();
    else go({ view: 'home' }, { replace: true });
  }, [go]);
  return { route, go, back };
}
