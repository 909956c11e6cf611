import { useEffect, useMemo, useReducer, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Domain } from '@shared/catalog';
import { playlistOf, type ScenesResponse } from '@shared/scenes';
import type { LiveConnection } from '../lib/live-connection';
import type { RegionsResponse } from '../lib/api/regions';
import { regionNames } from '../lib/api/regions';
import { ConnStatus } from '../lib/components/ConnStatus';
import { LanguageToggle } from '../lib/components/LanguageToggle';
import { useExternalState, useLang, useNow, useThrottledVersion } from '../lib/react/hooks';
import { formatLongDate, formatTime } from '../lib/format';
import { setBodyState } from '../lib/test-hooks';
import { holdingAlert, initialPlaylist, skip, stepPlaylist, togglePause, type AlertFocus, type PlaylistState } from '../features/scenes/playlist';
import type { FeedsStore } from '../lib/feed-health';
import type { AlertsStore } from '../lib/alerts';
import type { IncidentsStore } from '../features/incidents/store';
import { AlertBanner } from './AlertsPanel';
import { SceneView } from './SceneView';
import { useWallData } from './useWallData';
import { useConflicts } from './useConflicts';
import { RewindBar } from './Rewind';
import { useRewind } from './useRewind';
import { rememberScene, rememberedScene } from './scenes-api';

type PlaylistAction =
  | { type: 'tick'; now: number; alert: AlertFocus | null }
  | { type: 'skip'; by: number; now: number }
  | { type: 'pause'; now: number }
  | { type: 'relist'; index: number };

export function WallApp({
  conn,
  regions,
  feeds,
  alerts,
  incidents,
  scenes,
  kiosk = false,
  token,
}: {
  conn: LiveConnection;
  regions: RegionsResponse;
  feeds?: FeedsStore;
  alerts?: AlertsStore;
  incidents?: IncidentsStore;
  scenes: ScenesResponse;
  kiosk?: boolean;
  /** The wall's token, for the rewind's REST reads (absent: no rewind). */
  token?: string;
}) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const { store } = conn;
  const now = useNow(store.now);
  const connState = useExternalState(conn);
  const names = useMemo(() => regionNames(regions), [regions]);
  const list = useMemo(() => playlistOf(scenes.scenes), [scenes]);
  const rewind = useRewind(kiosk ? undefined : token, conn.store.options);
  // dig-once conflicts: polled while a scene of the playlist draws their layer
  const drawsConflicts = useMemo(() => list.some((s) => s.panels.some((p) => p.type === 'map' && p.layers.includes('project-conflicts'))), [list]);
  const conflicts = useConflicts(token, drawsConflicts);
  const data = useWallData(rewind.sources ?? conn, conflicts);

  // The alert that holds the playlist: the most urgent open one nobody acknowledged yet, at a level its scene takes.
  const alertsVersion = useThrottledVersion(alerts ?? null, 200);
  const focus: AlertFocus | null = holdingAlert(
    list,
    (alerts?.open() ?? []).map((a) => ({
      domain: (store.get(a.metric)?.metric?.domain ?? null) as Domain | null,
      level: a.level,
      acknowledged: a.acknowledgedAt !== null,
      openedAt: a.openedAt,
    })),
  );
  void alertsVersion;

  const listRef = useRef(list);
  listRef.current = list;
  const [pl, dispatch] = useReducer(
    (s: PlaylistState, a: PlaylistAction): PlaylistState => {
      switch (a.type) {
        case 'tick':
          return stepPlaylist(listRef.current, s, a.now, a.alert);
        case 'skip':
          return skip(listRef.current, s, a.by, a.now);
        case 'pause':
          return togglePause(s, a.now);
        case 'relist':
          return a.index === s.index ? s : { ...s, index: a.index };
      }
    },
    undefined,
    () => initialPlaylist(list, Date.now(), rememberedScene()),
  );
  // new scenes from the server: stay on the scene on screen if it still exists
  const shownId = useRef<string | null>(null);
  useEffect(() => {
    const i = shownId.current ? list.findIndex((s) => s.id === shownId.current) : -1;
    dispatch({ type: 'relist', index: i >= 0 ? i : 0 });
  }, [list]);
  const focusKey = focus ? `alert:${focus.domain}:${focus.level}` : 'none';
  useEffect(() => setBodyState('alertFocus', focusKey), [focusKey]);
  // every tick reads the focus of the latest render (not the one its effect was made in), and a new focus ticks at once
  const focusRef = useRef(focus);
  focusRef.current = focus;
  useEffect(() => {
    const tick = () => dispatch({ type: 'tick', now: Date.now(), alert: focusRef.current });
    tick();
    const id = setInterval(tick, 500);
    return () => clearInterval(id);
  }, [focusKey, list]);

  const playing = list[Math.min(pl.index, list.length - 1)]!;
  // a rewind frame shows the scene it was asked for, whatever the playlist does underneath
  const scene = (rewind.sources && list.find((s) => s.id === rewind.sources!.scene)) || playing;
  shownId.current = scene.id;
  useEffect(() => {
    rememberScene(scene.id);
    setBodyState('scene', scene.id);
  }, [scene.id]);
  useEffect(() => setBodyState('kiosk', kiosk ? 'true' : 'false'), [kiosk]);

  const disconnected = connState !== 'connected' && conn.everConnected;
  const sceneTitle = lang === 'en' ? scene.title.en : scene.title.id;

  return (
    <div
      className={`wall${disconnected ? ' is-disconnected' : ''}${kiosk ? ' is-kiosk' : ''}`}
      data-conn={connState}
      data-testid="wall"
      data-kiosk={kiosk ? 'true' : 'false'}
    >
      <header className="wall-header">
        <div className="wall-brand">
          <span className="wall-logo">{t('common.appName')}</span>
          <span className="wall-title" data-testid="scene-title">
            {regions.city.name || t('common.cityFallback')} · {sceneTitle}
          </span>
        </div>
        <div className="wall-clock" data-testid="wall-clock">
          <span className="wall-time">{formatTime(now, locale, false)}</span>
          <span className="wall-date">{formatLongDate(now, locale)}</span>
        </div>
        <div className="wall-header-right">
          <ol className="scene-dots" data-testid="playlist" data-hold={pl.hold} data-index={pl.index} aria-label={sceneTitle}>
            {list.map((s, i) => (
              <li key={s.id} className={i === pl.index ? 'is-current' : ''} data-scene={s.id} />
            ))}
          </ol>
          {pl.hold !== 'none' && (
            <span className={`playlist-hold hold-${pl.hold}`} data-testid="playlist-hold">
              {pl.hold === 'alert' ? t('wall.scene.held') : t('wall.scene.paused')}
            </span>
          )}
          {!kiosk && (
            <span className="playlist-controls" data-testid="playlist-controls">
              <button
                type="button"
                onClick={() => dispatch({ type: 'skip', by: -1, now: Date.now() })}
                aria-label={t('wall.scene.prev')}
                title={t('wall.scene.prev')}
              >
                ◀
              </button>
              <button
                type="button"
                onClick={() => dispatch({ type: 'pause', now: Date.now() })}
                aria-label={pl.hold === 'manual' ? t('wall.scene.resume') : t('wall.scene.pause')}
                title={pl.hold === 'manual' ? t('wall.scene.resume') : t('wall.scene.pause')}
              >
                {pl.hold === 'manual' ? '▶' : '❚❚'}
              </button>
              <button
                type="button"
                onClick={() => dispatch({ type: 'skip', by: 1, now: Date.now() })}
                aria-label={t('wall.scene.next')}
                title={t('wall.scene.next')}
              >
                ▶▶
              </button>
            </span>
          )}
          <ConnStatus conn={conn} />
          {!kiosk && <LanguageToggle />}
        </div>
      </header>

      {disconnected && (
        <div className="wall-banner banner-lost" role="alert" data-testid="disconnected-banner">
          {t('wall.disconnectedBanner')}
        </div>
      )}
      {/* The server's open alerts; while the connection is lost the banner above says so instead. */}
      {!disconnected && alerts && <AlertBanner store={alerts} live={store} regionNames={names} now={now} />}
      {!kiosk && scenes.error && (
        <div className="wall-notice" data-testid="scenes-error" title={scenes.error}>
          {t('wall.scene.fileError')}
        </div>
      )}

      <SceneView
        scene={scene}
        ctx={
          rewind.sources
            ? {
                conn: rewind.sources,
                regions,
                names,
                alerts: rewind.sources.alerts,
                data,
                now: rewind.sources.at,
                inspectToken: kiosk ? undefined : token,
              }
            : {
                conn,
                regions,
                names,
                feeds,
                alerts,
                incidents,
                data,
                now,
                inspectToken: kiosk ? undefined : token,
                ...(token ? { restToken: token } : {}),
              }
        }
      />
      {!kiosk && token && (
        <RewindBar now={now} at={rewind.at} state={rewind.state} onRelease={(at) => rewind.show(scene.id, at)} onLive={rewind.live} />
      )}
    </div>
  );
}
