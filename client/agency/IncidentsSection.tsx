import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isHttpUrl, NOT_OUR_AUTHORITY, type RoutedComplaint, type WireIncident, type WireIncidentEntry } from '@shared/incidents';
import type { CatalogResponse } from '../lib/api/catalog';
import { useLang, useNow, useThrottledVersion } from '../lib/react/hooks';
import { actOnIncident, createIncident, fetchIncident, fetchRouted, type IncidentAction, type IncidentSourceInput } from '../features/incidents/api';
import type { IncidentsStore } from '../features/incidents/store';
import type { SharedIncidentsSync } from '../features/incidents/sync';
import type { Me } from './auth-api';

const fmtClock = (t: number, locale: string) => new Date(t).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
const fmtSpan = (ms: number) => {
  const m = Math.round(Math.abs(ms) / 60_000);
  return m < 60 ? `${m} mnt` : `${Math.floor(m / 60)} j ${m % 60} mnt`;
};

/**
 * "Jadikan insiden" on an alert (or a queued complaint): one tap opens the handling OPD (the owner preselected),
 * a second sends it — two taps from the alert to the handling OPD's tablets. An open incident of the same source
 * is shown instead of the button.
 */
export function MakeIncident({
  token,
  from,
  defaultOpd,
  catalog,
  store,
  sourceRef,
}: {
  token: string;
  from: IncidentSourceInput;
  defaultOpd: string;
  catalog: CatalogResponse | null;
  store: IncidentsStore;
  sourceRef: string;
}) {
  const { t } = useTranslation();
  useThrottledVersion(store, 100);
  const [open, setOpen] = useState(false);
  const [opd, setOpd] = useState(defaultOpd);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const existing = store.ofSource(sourceRef);
  if (existing)
    return (
      <p className="incident-exists" data-testid="incident-exists" data-incident={existing.id}>
        {t('incidents.exists', { id: existing.id })} · {t(`incidents.status.${existing.status}`)}
      </p>
    );
  if (!open)
    return (
      <button type="button" className="incident-make" onClick={() => setOpen(true)} data-testid="incident-make">
        {t('incidents.make')}
      </button>
    );
  const send = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const d = await createIncident(token, { from, handlingOpd: opd });
      store.upsert(d.incident);
      setOpen(false);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="incident-form" onSubmit={(e) => void send(e)} data-testid="incident-make-form">
      <label>
        <span>{t('incidents.makeFor')}</span>
        <select value={opd} onChange={(e) => setOpd(e.target.value)} data-testid="incident-opd">
          {(catalog?.opd ?? [{ code: defaultOpd, name: defaultOpd }]).map((o) => (
            <option key={o.code} value={o.code}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p className="ack-error" role="alert">
          {t('incidents.error', { message: error })}
        </p>
      )}
      <div className="ack-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="incident-send">
          {busy ? t('incidents.sending') : t('incidents.send')}
        </button>
        <button type="button" onClick={() => setOpen(false)} disabled={busy}>
          {t('incidents.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The map of an incident's location brings maplibre: loaded only when an officer opens one. */
const IncidentLocationMap = lazy(() => import('./IncidentLocationMap'));

/** An incident's position: its coordinates, and on a tap its place on the city's offline map (the phone's map). */
function IncidentPlace({
  id,
  lon,
  lat,
  title,
  shown,
  onToggle,
}: {
  id: number;
  lon: number;
  lat: number;
  title: string;
  shown: boolean;
  onToggle: () => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="incident-place">
      <button type="button" className="incident-place-toggle" onClick={onToggle} aria-expanded={shown} data-testid={`incident-place-${id}`}>
        {shown ? t('incidents.mapHide') : t('incidents.mapShow')} · {lat.toFixed(5)}, {lon.toFixed(5)}
      </button>
      {shown && (
        <Suspense fallback={<p className="muted">{t('incidents.loading')}</p>}>
          <IncidentLocationMap lon={lon} lat={lat} label={t('incidents.mapLabel', { title })} />
        </Suspense>
      )}
    </div>
  );
}

/**
 * Incidents other OPDs share with this one through agreements, one list per stated purpose, live from the
 * purpose room (SharedIncidentsSync); read-only here (the handling OPD works them). Hidden once the agreement
 * ends (the server ends the subscription).
 */
export function SharedIncidents({ sync, catalog }: { sync: SharedIncidentsSync; catalog: CatalogResponse | null }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  useThrottledVersion(sync.store, 100);
  const [mapOf, setMapOf] = useState<number | null>(null);
  if (sync.refused !== null) return null;
  const open = sync.store.open();
  const opdName = (code: string) => catalog?.opd.find((o) => o.code === code)?.name ?? code;
  return (
    <section
      className="incidents-card incidents-shared"
      data-testid="shared-incidents"
      data-purpose={sync.purpose}
      data-state={sync.store.loaded ? 'ready' : 'loading'}
    >
      <h2>{t('incidents.shared', { purpose: sync.purpose })}</h2>
      {open.length === 0 ? (
        <p className="muted">{t('incidents.none')}</p>
      ) : (
        <ul className="incident-items">
          {open.map((i) => (
            <li
              key={i.id}
              className={`incident-item sev-${i.severity} st-${i.status}`}
              data-testid={`shared-incident-${i.id}`}
              data-status={i.status}
            >
              <div className="incident-line">
                <span className={`incident-sev sev-${i.severity}`}>{t(`incidents.severity.${i.severity}`)}</span>
                <strong className="incident-title">
                  #{i.id} {i.title}
                </strong>
              </div>
              <div className="meta">
                <span>{t(`incidents.status.${i.status}`)}</span>
                <span>{t('incidents.handling', { opd: opdName(i.handlingOpd) })}</span>
                <span>{t('incidents.target', { time: fmtClock(i.targetAt, locale) })}</span>
              </div>
              {i.lat !== null && i.lon !== null && (
                <IncidentPlace
                  id={i.id}
                  lon={i.lon}
                  lat={i.lat}
                  title={i.title}
                  shown={mapOf === i.id}
                  onToggle={() => setMapOf((m) => (m === i.id ? null : i.id))}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Panel = { id: number; kind: 'resolve' | 'reassign' | 'support' | 'note' | 'merge' | 'timeline' } | null;

/**
 * The incidents of the caller's room (an OPD: those it handles or supports; the command center: all), live from
 * the store; the handling OPD (and the command center) accept, start, resolve with a required note, reassign with
 * a reason ("bukan wewenang" offered), ask support, add notes with links; operators merge duplicates. Works at
 * 360×640 (the field officer's phone) as at 1024×768 (the tablet).
 */
export function IncidentsSection({ token, me, catalog, store }: { token: string; me: Me; catalog: CatalogResponse | null; store: IncidentsStore }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  useThrottledVersion(store, 100);
  const now = useNow(Date.now, 15_000);
  const [panel, setPanel] = useState<Panel>(null);
  const [text, setText] = useState('');
  const [link, setLink] = useState('');
  const [opd, setOpd] = useState('');
  const [into, setInto] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [timeline, setTimeline] = useState<WireIncidentEntry[]>([]);
  /** The incident whose location map is open (one at a time: each map is a WebGL context). */
  const [mapOf, setMapOf] = useState<number | null>(null);
  const agencyOpd = me.role === 'agency' ? me.opd : null;
  const opds = catalog?.opd ?? [];
  const opdName = (code: string) => opds.find((o) => o.code === code)?.name ?? code;
  const open = store.open();

  useEffect(() => {
    if (panel?.kind !== 'timeline') return;
    let cancelled = false;
    fetchIncident(token, panel.id).then(
      (d) => !cancelled && setTimeline(d.timeline),
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [panel, token, store.version]);

  const openPanel = (id: number, kind: NonNullable<Panel>['kind'], preset = '') => {
    setPanel({ id, kind });
    setText(kind === 'reassign' ? NOT_OUR_AUTHORITY : '');
    setLink('');
    setOpd(preset);
    setInto('');
    setError(null);
  };

  const act = async (inc: WireIncident, action: IncidentAction) => {
    setBusy(true);
    setError(null);
    try {
      const d = await actOnIncident(token, inc.id, { ...action, version: inc.version });
      store.upsert(d.incident);
      setPanel((p) => (p?.kind === 'timeline' ? p : null));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const submitPanel = (e: FormEvent, inc: WireIncident) => {
    e.preventDefault();
    if (!panel) return;
    switch (panel.kind) {
      case 'resolve':
        return void act(inc, { action: 'resolve', note: text });
      case 'reassign':
        return void act(inc, { action: 'reassign', toOpd: opd, reason: text });
      case 'support':
        return void act(inc, { action: 'support', opd, ...(text ? { note: text } : {}) });
      case 'note':
        return void act(inc, { action: 'note', text, ...(link ? { links: [{ url: link }] } : {}) });
      case 'merge':
        return void act(inc, { action: 'merge', into: Number(into) });
      case 'timeline':
        return;
    }
  };

  const mayWork = (i: WireIncident) => !agencyOpd || agencyOpd === i.handlingOpd;
  const otherOpds = (i: WireIncident) => opds.filter((o) => o.code !== i.handlingOpd && !i.supportingOpds.includes(o.code));

  const card = (i: WireIncident) => {
    const left = i.targetAt - now;
    const p = panel?.id === i.id ? panel : null;
    return (
      <li
        key={i.id}
        className={`incident-item sev-${i.severity} st-${i.status}`}
        data-testid={`incident-${i.id}`}
        data-status={i.status}
        data-opd={i.handlingOpd}
      >
        <div className="incident-line">
          <span className={`incident-sev sev-${i.severity}`}>{t(`incidents.severity.${i.severity}`)}</span>
          <strong className="incident-title">
            #{i.id} {i.title}
          </strong>
        </div>
        <div className="meta">
          <span>{t(`incidents.status.${i.status}`)}</span>
          <span>{t('incidents.handling', { opd: opdName(i.handlingOpd) })}</span>
          {i.supportingOpds.length > 0 && <span>{t('incidents.supporting', { opds: i.supportingOpds.map(opdName).join(', ') })}</span>}
          <span className={left < 0 ? 'incident-late' : ''}>
            {left < 0 ? t('incidents.late', { time: fmtSpan(left) }) : t('incidents.target', { time: fmtClock(i.targetAt, locale) })}
          </span>
          {i.escalationLevel > 1 && <span className="incident-level">{t('incidents.level', { n: i.escalationLevel })}</span>}
        </div>
        {i.lat !== null && i.lon !== null && (
          <IncidentPlace
            id={i.id}
            lon={i.lon}
            lat={i.lat}
            title={i.title}
            shown={mapOf === i.id}
            onToggle={() => setMapOf((m) => (m === i.id ? null : i.id))}
          />
        )}
        <div className="incident-actions">
          {mayWork(i) && i.status === 'baru' && (
            <button type="button" className="primary" disabled={busy} onClick={() => void act(i, { action: 'accept' })} data-testid="incident-accept">
              {t('incidents.accept')}
            </button>
          )}
          {mayWork(i) && i.status === 'diterima' && (
            <button type="button" disabled={busy} onClick={() => void act(i, { action: 'start' })} data-testid="incident-start">
              {t('incidents.start')}
            </button>
          )}
          {mayWork(i) && (i.status === 'diterima' || i.status === 'dikerjakan') && (
            <button type="button" onClick={() => openPanel(i.id, 'resolve')} data-testid="incident-resolve">
              {t('incidents.resolve')}
            </button>
          )}
          {mayWork(i) && (
            <button type="button" onClick={() => openPanel(i.id, 'reassign', otherOpds(i)[0]?.code ?? '')} data-testid="incident-reassign">
              {t('incidents.reassign')}
            </button>
          )}
          {mayWork(i) && (
            <button type="button" onClick={() => openPanel(i.id, 'support', otherOpds(i)[0]?.code ?? '')} data-testid="incident-support">
              {t('incidents.support')}
            </button>
          )}
          <button type="button" onClick={() => openPanel(i.id, 'note')} data-testid="incident-note">
            {t('incidents.note')}
          </button>
          {!agencyOpd && open.length > 1 && (
            <button type="button" onClick={() => openPanel(i.id, 'merge')} data-testid="incident-merge">
              {t('incidents.merge')}
            </button>
          )}
          <button
            type="button"
            onClick={() => (p?.kind === 'timeline' ? setPanel(null) : openPanel(i.id, 'timeline'))}
            data-testid="incident-timeline"
          >
            {t('incidents.timeline')}
          </button>
        </div>
        {p && p.kind !== 'timeline' && (
          <form className="incident-form" onSubmit={(e) => submitPanel(e, i)} data-testid="incident-panel">
            {(p.kind === 'reassign' || p.kind === 'support') && (
              <label>
                <span>{p.kind === 'reassign' ? t('incidents.reassignTo') : t('incidents.supportFrom')}</span>
                <select value={opd} onChange={(e) => setOpd(e.target.value)} data-testid="incident-panel-opd">
                  {otherOpds(i).map((o) => (
                    <option key={o.code} value={o.code}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {p.kind === 'merge' && (
              <label>
                <span>{t('incidents.mergeInto')}</span>
                <select value={into} onChange={(e) => setInto(e.target.value)} required>
                  <option value="" />
                  {open
                    .filter((o) => o.id !== i.id)
                    .map((o) => (
                      <option key={o.id} value={o.id}>
                        #{o.id} {o.title}
                      </option>
                    ))}
                </select>
              </label>
            )}
            {p.kind !== 'merge' && (
              <label>
                <span>
                  {p.kind === 'resolve' ? t('incidents.resolveNote') : p.kind === 'reassign' ? t('incidents.reason') : t('incidents.noteText')}
                </span>
                <textarea
                  rows={2}
                  maxLength={1000}
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  required={p.kind !== 'support'}
                  data-testid="incident-panel-text"
                />
              </label>
            )}
            {p.kind === 'note' && (
              <label>
                <span>{t('incidents.link')}</span>
                <input type="url" value={link} onChange={(e) => setLink(e.target.value)} placeholder="https://" />
              </label>
            )}
            <div className="ack-actions">
              <button type="submit" className="primary" disabled={busy} data-testid="incident-panel-submit">
                {t('incidents.submit')}
              </button>
              <button type="button" onClick={() => setPanel(null)} disabled={busy}>
                {t('incidents.cancel')}
              </button>
            </div>
          </form>
        )}
        {p?.id === i.id && error && (
          <p className="ack-error" role="alert" data-testid="incident-error">
            {t('incidents.error', { message: error })}
          </p>
        )}
        {p?.kind === 'timeline' && (
          <ol className="incident-timeline" data-testid="incident-timeline-list">
            {timeline.map((e) => (
              <li key={e.id}>
                <time>{fmtClock(e.time, locale)}</time> {e.actorOpd ?? e.actor} · {t(`incidents.entry.${e.kind}`)}
                {typeof e.body.text === 'string' && `: ${e.body.text}`}
                {typeof e.body.reason === 'string' && `: ${String(e.body.fromOpd)} → ${String(e.body.toOpd)} (${e.body.reason})`}
                {typeof e.body.to === 'string' && `: ${e.body.to}${typeof e.body.note === 'string' ? ` — ${e.body.note}` : ''}`}
                {typeof e.body.url === 'string' && isHttpUrl(e.body.url) && (
                  <>
                    {' '}
                    <a href={e.body.url} target="_blank" rel="noreferrer">
                      {e.body.url}
                    </a>
                  </>
                )}
              </li>
            ))}
          </ol>
        )}
      </li>
    );
  };

  const watch = [...store.watch.values()].filter((w) => w.clearedAt === null);
  return (
    <section className="incidents-card" data-testid="agency-incidents" data-state={store.loaded ? 'ready' : 'loading'}>
      <div className="catalog-head">
        <h2>{agencyOpd ? t('incidents.titleOpd', { opd: opdName(agencyOpd) }) : t('incidents.title')}</h2>
      </div>
      {!store.loaded ? (
        <p className="muted">{t('incidents.loading')}</p>
      ) : open.length === 0 ? (
        <p className="muted" data-testid="incidents-none">
          {t('incidents.none')}
        </p>
      ) : (
        <ul className="incident-items">{open.map(card)}</ul>
      )}
      {watch.length > 0 && (
        <>
          <h3>{t('incidents.watch')}</h3>
          <ul className="plain-list" data-testid="watch-alerts">
            {watch.slice(0, 20).map((w) => (
              <li key={w.id}>
                <strong>{t(`incidents.watchKind.${w.kind}`)}</strong> · {w.subject} · {opdName(w.opd)}
              </li>
            ))}
          </ul>
        </>
      )}
      {store.steps.length > 0 && (
        <>
          <h3>{t('incidents.steps')}</h3>
          <ul className="plain-list" data-testid="escalation-steps">
            {store.steps.slice(0, 5).map((s) => (
              <li key={`${s.subject}:${s.kind}:${s.at}`}>
                {fmtClock(s.at, locale)} · {s.subject} ·{' '}
                {s.kind === 'escalated' ? t('incidents.level', { n: s.level }) : t('incidents.entry.reminder')}
              </li>
            ))}
          </ul>
        </>
      )}
      {agencyOpd && <RoutedQueue token={token} catalog={catalog} store={store} opd={agencyOpd} />}
    </section>
  );
}

/** The OPD's queue of complaints routed to it (event_sla.handler_opd), each one tap from an incident. */
function RoutedQueue({ token, catalog, store, opd }: { token: string; catalog: CatalogResponse | null; store: IncidentsStore; opd: string }) {
  const { t } = useTranslation();
  const [list, setList] = useState<RoutedComplaint[] | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    const load = () =>
      fetchRouted(token, ctl.signal).then(
        (r) => setList(r.complaints),
        () => {},
      );
    void load();
    const timer = setInterval(load, 30_000);
    return () => {
      ctl.abort();
      clearInterval(timer);
    };
  }, [token]);
  if (!list) return null;
  return (
    <>
      <h3>{t('incidents.routed')}</h3>
      {list.length === 0 ? (
        <p className="muted">{t('incidents.routedNone')}</p>
      ) : (
        <ul className="plain-list" data-testid="routed-complaints">
          {list.slice(0, 50).map((c) => (
            <li key={`${c.kind}/${c.id}`} data-testid="routed-complaint">
              <strong>{c.id}</strong> · {c.category ?? c.kind} {c.overdue && <span className="incident-late">{t('incidents.overdue')}</span>}
              <MakeIncident
                token={token}
                from={{ type: 'complaint', kind: c.kind, id: c.id }}
                defaultOpd={opd}
                catalog={catalog}
                store={store}
                sourceRef={`complaint:${c.kind}/${c.id}`}
              />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
