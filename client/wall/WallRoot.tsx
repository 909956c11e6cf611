import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NAMESPACES } from '@shared/contract';
import { clearToken, resolveToken, saveToken } from '../lib/auth-token';
import { createSocket } from '../lib/socket';
import { LiveConnection } from '../lib/live-connection';
import { LiveStore } from '../lib/live-store';
import { sceneCodes, type ScenesResponse } from '@shared/scenes';
import { FeedsSync, type FeedsStore } from '../lib/feed-health';
import { AlertsSync, type AlertsStore } from '../lib/alerts';
import { IncidentsSync } from '../features/incidents/sync';
import type { IncidentsStore } from '../features/incidents/store';
import { fetchRegions, type RegionsResponse } from '../lib/api/regions';
import { useExternalState } from '../lib/react/hooks';
import { TokenForm } from './TokenForm';
import { WallApp } from './WallApp';
import { WALL_EVENT_KINDS, WALL_MAX_LOCATED_EVENTS, WALL_METRICS } from './subscription';
import { BUILT_IN, fetchScenes, resolveKiosk } from './scenes-api';

/**
 * How often the wall asks for the scenes again regardless. An admin's edit (PUT /api/v1/admin/scenes, `admin scenes
 * import`) reaches it at once: it moves the catalog's version and the wall hears `catalog:changed`. The poll is for
 * what has no push: an operator editing WALL_SCENES_FILE on disk.
 */
const SCENES_REFRESH_MS = 30_000;

/** Owns the token, the regions and the /live connection; renders the wall once they exist. */
export function WallRoot() {
  const { t } = useTranslation();
  const [kiosk] = useState(resolveKiosk);
  const [token, setToken] = useState<string | null>(() => resolveToken());
  const [rejected, setRejected] = useState(false);
  const [live, setLive] = useState<{ conn: LiveConnection; feeds: FeedsStore; alerts: AlertsStore; incidents: IncidentsStore } | null>(null);

  useEffect(() => {
    if (!token) return;
    const socket = createSocket(NAMESPACES.live, { token });
    const c = new LiveConnection(
      socket,
      { metrics: WALL_METRICS, eventKinds: WALL_EVENT_KINDS },
      new LiveStore({ maxLocatedEvents: WALL_MAX_LOCATED_EVENTS }),
    );
    // Feed health rides the same socket (the sync engine: `feeds:subscribe`, then `feeds:reported` in sequence).
    const feeds = new FeedsSync(socket);
    // So do the server's alerts (`alerts:subscribe` on every connect or a resume, then `alerts:changed` in sequence).
    const alerts = new AlertsSync(socket);
    // and the incidents of the command center (the REST snapshot on every connect, then `incidents:changed`)
    const incidents = new IncidentsSync(socket, token);
    setLive({ conn: c, feeds: feeds.store, alerts: alerts.store, incidents: incidents.store });
    const off = c.subscribe(() => {
      if (c.state === 'unauthenticated') {
        clearToken();
        setRejected(true);
        setToken(null);
      }
    });
    return () => {
      off();
      feeds.close();
      alerts.close();
      incidents.close();
      c.close();
      setLive(null);
    };
  }, [token]);

  useEffect(() => {
    document.documentElement.classList.toggle('kiosk', kiosk);
  }, [kiosk]);

  if (!token) {
    // Kiosk: no form on a wall nobody can type at; the address with the token is the way in.
    if (kiosk) {
      return (
        <div className="wall-loading" data-testid="kiosk-no-token">
          {t('wall.kiosk.noToken')}
        </div>
      );
    }
    return (
      <TokenForm
        rejected={rejected}
        onSubmit={(tok) => {
          saveToken(tok);
          setRejected(false);
          setToken(tok);
        }}
      />
    );
  }
  if (!live) return null;
  return <WallWithRegions conn={live.conn} feeds={live.feeds} alerts={live.alerts} incidents={live.incidents} token={token} kiosk={kiosk} />;
}

function WallWithRegions({
  conn,
  feeds,
  alerts,
  incidents,
  token,
  kiosk,
}: {
  conn: LiveConnection;
  feeds: FeedsStore;
  alerts: AlertsStore;
  incidents: IncidentsStore;
  token: string;
  kiosk: boolean;
}) {
  const { t } = useTranslation();
  const [regions, setRegions] = useState<RegionsResponse | null>(null);
  const [scenes, setScenes] = useState<ScenesResponse>(BUILT_IN);

  // The scenes: asked for now, on every catalog change, every reconnect and every SCENES_REFRESH_MS; a failed fetch keeps what is shown.
  useEffect(() => {
    let cancelled = false;
    let last = '';
    const load = () =>
      fetchScenes(token).then(
        (r) => {
          const key = JSON.stringify(r.scenes) + (r.error ?? '');
          if (!cancelled && key !== last) {
            last = key;
            setScenes(r);
          }
        },
        () => {},
      );
    void load();
    const id = setInterval(load, SCENES_REFRESH_MS);
    const off = conn.subscribe(() => {
      if (conn.state === 'connected') void load();
    });
    const offCatalog = conn.onCatalogChanged(() => void load());
    return () => {
      cancelled = true;
      clearInterval(id);
      off();
      offCatalog();
    };
  }, [token, conn]);
  // the catalog codes the scenes' generic panels name ride the same connection (issue 17): any metric, no code
  useEffect(() => conn.watch(sceneCodes(scenes.scenes)), [conn, scenes]);
  const [failed, setFailed] = useState(false);
  const state = useExternalState(conn);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = (attempt: number) => {
      fetchRegions().then(
        (r) => {
          if (!cancelled) setRegions(r);
        },
        () => {
          if (cancelled) return;
          setFailed(true);
          timer = setTimeout(() => load(attempt + 1), Math.min(30_000, 2_000 * 2 ** attempt));
        },
      );
    };
    load(0);
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, []);

  if (!regions) {
    return (
      <div className="wall-loading" data-conn={state}>
        {failed ? t('common.mapError') : t('common.mapLoading')}
      </div>
    );
  }
  return <WallApp conn={conn} regions={regions} feeds={feeds} alerts={alerts} incidents={incidents} scenes={scenes} kiosk={kiosk} token={token} />;
}
