import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { CatalogResponse } from '../lib/api/catalog';
import type { LiveConnection } from '../lib/live-connection';
import { actorLabel, compareUrgency, type AlertsSync, formatAlertTime, type AckFailure, type WireAlert } from '../lib/alerts';
import { ConnStatus } from '../lib/components/ConnStatus';
import { AlertBadge } from '../lib/components/AlertBadge';
import { formatValue } from '../lib/format';
import { useExternalState, useLang, useNow, useThrottledVersion } from '../lib/react/hooks';
import type { Me } from './auth-api';
import { fetchRegions, regionNames } from '../lib/api/regions';
import { AlertCardDetails } from '../lib/components/AlertCardDetails';
import { alertCard } from '../features/alerts/card';

/** Recently cleared alerts listed under the open ones (greyed). */
const MAX_CLEARED = 5;
/** Open alerts listed at most (the store holds at most 200). */
const MAX_OPEN = 50;
const NOTE_MAX = 500;

export interface Live {
  conn: LiveConnection;
  sync: AlertsSync;
}

/** The localized text for a failed acknowledgement; the server's own message is kept where it explains more. */
export function ackErrorText(t: TFunction, e: AckFailure | { code: 'note_required'; message: string }): string {
  switch (e.code) {
    case 'note_required':
    case 'forbidden':
    case 'not_found':
    case 'offline':
    case 'timeout':
    case 'unavailable':
      return t(`agency.alerts.errors.${e.code}`);
    case 'conflict':
      return t('agency.alerts.errors.already');
    case 'invalid':
      return t('agency.alerts.errors.invalid', { message: e.message });
    default:
      return t('agency.alerts.errors.other', { message: e.message });
  }
}

/**
 * The caller's alerts on the tablet: open ones first (most urgent on top), each unacknowledged one with an
 * "Akui" button that opens a required note field and sends `alert:acknowledge` over `/live`. Updates live
 * from `alerts:changed` (in sequence); every reconnect resumes or takes a fresh snapshot. An agency sees its own OPD's alerts
 * (the server pushes only those to it); operators and admins see all. The socket is the dashboard's.
 */
export function AlertsSection({
  live,
  me,
  catalog,
  extra,
}: {
  live: Live;
  me: Me;
  catalog: CatalogResponse | null;
  extra?: (a: WireAlert) => ReactNode;
}) {
  return <AlertsList live={live} me={me} catalog={catalog} extra={extra} />;
}

/** `extra`: what another domain adds to an open alert's card (issue 16: "Jadikan insiden"). */
function AlertsList({
  live,
  me,
  catalog,
  extra,
}: {
  live: Live;
  me: Me;
  catalog: CatalogResponse | null;
  extra?: ((a: WireAlert) => ReactNode) | undefined;
}) {
  const { t } = useTranslation();
  const { lang, locale } = useLang();
  const { conn, sync } = live;
  const store = sync.store;
  useThrottledVersion(store, 100);
  const connState = useExternalState(conn);
  const now = useNow(Date.now, 30_000);
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ id: number; text: string; code: string } | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  // kelurahan/kecamatan names for the cards (without them a card says the location is unknown)
  const [names, setNames] = useState<ReadonlyMap<string, string>>(() => new Map());
  useEffect(() => {
    let cancelled = false;
    fetchRegions().then(
      (r) => !cancelled && setNames(regionNames(r)),
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, []);
  useThrottledVersion(conn.store, 5_000);

  useEffect(() => {
    if (editing !== null) noteRef.current?.focus();
  }, [editing]);

  const metricOf = (code: string) => catalog?.metrics.find((m) => m.code === code) ?? null;
  const opdName = (code: string) => catalog?.opd.find((o) => o.code === code)?.name ?? code;
  const agencyOpd = me.role === 'agency' ? me.opd : null;
  // An agency's own alerts: the ones whose metric it owns (alerts of other OPDs' publik metrics are not pushed to it).
  const mine = (a: WireAlert) => !agencyOpd || !catalog || metricOf(a.metric)?.ownerOpd === agencyOpd;
  const mayAck = (a: WireAlert) => me.role === 'operator' || me.role === 'admin' || !catalog || metricOf(a.metric)?.ownerOpd === agencyOpd;

  const all = store.list().filter(mine);
  const open = all
    .filter((a) => a.clearedAt === null)
    .sort(compareUrgency)
    .slice(0, MAX_OPEN);
  const cleared = all
    .filter((a) => a.clearedAt !== null)
    .sort((a, b) => b.clearedAt! - a.clearedAt!)
    .slice(0, MAX_CLEARED);

  const startAck = (id: number) => {
    setEditing(id);
    setDraft('');
    setProblem(null);
  };

  const cancel = () => {
    setEditing(null);
    setDraft('');
    setProblem(null);
  };

  const submit = async (e: FormEvent, a: WireAlert) => {
    e.preventDefault();
    if (busy) return;
    const note = draft.trim();
    if (!note) {
      setProblem({ id: a.id, code: 'note_required', text: ackErrorText(t, { code: 'note_required', message: '' }) });
      noteRef.current?.focus();
      return;
    }
    setBusy(true);
    setProblem(null);
    const r = await sync.acknowledge(a.id, note);
    setBusy(false);
    if (r.ok) {
      setEditing(null);
      setDraft('');
      return;
    }
    setProblem({ id: a.id, code: r.error.code, text: ackErrorText(t, r.error) });
  };

  const metricName = (a: WireAlert) => {
    const m = metricOf(a.metric);
    return m ? (lang === 'en' ? m.nameEn : m.nameId) : a.metric;
  };
  const value = (a: WireAlert) => formatValue(a.lastValue, metricOf(a.metric)?.unit ?? '', lang);
  // where, the live value and its age, links, SOP: the same card as on the wall
  const card = (a: WireAlert) => alertCard(a, conn.store.get(a.metric)?.series.get(a.seriesId), metricOf(a.metric), names, now, lang);
  const title = agencyOpd ? t('agency.alerts.titleOpd', { opd: agencyOpd }) : t('agency.alerts.titleAll');

  const row = (a: WireAlert) => {
    const acked = a.acknowledgedAt !== null;
    const isCleared = a.clearedAt !== null;
    const composing = editing === a.id && !acked;
    const owner = metricOf(a.metric)?.ownerOpd;
    const c = card(a);
    return (
      <li
        key={a.id}
        className={`alert-item level-${a.level}${isCleared ? ' is-cleared' : ''}${acked ? ' is-acked' : ''}`}
        data-testid={`alert-${a.id}`}
        data-level={a.level}
        data-acknowledged={acked ? 'true' : 'false'}
        data-cleared={isCleared ? 'true' : 'false'}
      >
        <div className="alert-line">
          <AlertBadge level={a.level} />
          <strong className="alert-entity">{a.entity}</strong>
          <span className="alert-metric">{metricName(a)}</span>
          <span className="alert-value" data-testid="alert-value">
            {formatValue(c.value, metricOf(a.metric)?.unit ?? '', lang)}
          </span>
        </div>
        <div className="meta">
          <span>
            {isCleared
              ? t('alerts.ended', { time: formatAlertTime(a.clearedAt!, now, locale) })
              : t('alerts.since', { time: formatAlertTime(a.openedAt, now, locale) })}
          </span>
          <span>{t('agency.alerts.last', { value: value(a), time: formatAlertTime(a.lastTime, now, locale) })}</span>
        </div>
        {!isCleared && <AlertCardDetails card={c} now={now} cadenceS={metricOf(a.metric)?.cadenceS} />}
        {!isCleared && mayAck(a) && extra?.(a)}
        {acked ? (
          <p className="ack-line" data-testid="alert-ack-line">
            <strong>✓ {t('alerts.ackBy', { who: actorLabel(a.acknowledgedBy), time: formatAlertTime(a.acknowledgedAt!, now, locale) })}</strong>
            {a.note ? `: ${a.note}` : ''}
          </p>
        ) : isCleared ? null : !mayAck(a) ? (
          <p className="ack-line not-owner">{t('agency.alerts.notOwner', { opd: owner ? opdName(owner) : '' })}</p>
        ) : composing ? (
          <form className="ack-form" onSubmit={(e) => void submit(e, a)} noValidate data-testid="alert-ack-form">
            <label>
              <span>{t('agency.alerts.noteLabel')}</span>
              <textarea
                ref={noteRef}
                rows={2}
                maxLength={NOTE_MAX}
                value={draft}
                onChange={(e) => setDraft(e.target.value)}
                placeholder={t('agency.alerts.notePlaceholder')}
                required
                aria-invalid={problem?.id === a.id && problem.code === 'note_required'}
                data-testid="alert-note"
              />
            </label>
            {problem?.id === a.id && (
              <p className="ack-error" role="alert" data-testid="alert-ack-error" data-code={problem.code}>
                {problem.text}
              </p>
            )}
            <div className="ack-actions">
              <button type="submit" className="primary" disabled={busy} data-testid="alert-ack-submit">
                {busy ? t('agency.alerts.sending') : t('agency.alerts.submit')}
              </button>
              <button type="button" onClick={cancel} disabled={busy} data-testid="alert-ack-cancel">
                {t('agency.alerts.cancel')}
              </button>
            </div>
          </form>
        ) : (
          <button
            type="button"
            className="ack-button"
            onClick={() => startAck(a.id)}
            aria-label={t('agency.alerts.ackLabel', { entity: a.entity })}
            data-testid="alert-ack"
          >
            {t('agency.alerts.ack')}
          </button>
        )}
      </li>
    );
  };

  return (
    <section
      className="alerts-card"
      data-testid="agency-alerts"
      data-state={store.access === 'allowed' ? 'ready' : store.access === 'forbidden' ? 'forbidden' : 'loading'}
      data-conn={connState}
    >
      <div className="catalog-head">
        <h2>{title}</h2>
        <ConnStatus conn={conn} />
      </div>
      {store.access === 'forbidden' ? (
        <p className="muted">{t('agency.alerts.forbidden')}</p>
      ) : store.access === 'unknown' && all.length === 0 ? (
        <p className="muted">{t('agency.alerts.loading')}</p>
      ) : (
        <>
          {open.length === 0 ? (
            <p className="muted" data-testid="alerts-none">
              {t('agency.alerts.none')}
            </p>
          ) : (
            <ul className="alert-items">{open.map(row)}</ul>
          )}
          {cleared.length > 0 && (
            <>
              <h3>{t('agency.alerts.recent')}</h3>
              <ul className="alert-items">{cleared.map(row)}</ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
