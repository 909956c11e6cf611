import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  REGION_LEVELS,
  type RegionLevel,
  type requestableItemSchema,
  type SharingAgreementView,
  type SharingRequestView,
  type sharingUsageResponse,
} from '@shared/sharing';
import type { z } from 'zod';
import type { CatalogResponse } from '../lib/api/catalog';
import { formatLongDate } from '../lib/format';
import { useLang, usePolled } from '../lib/react/hooks';
import {
  dateValue,
  daysLeft,
  decideSharing,
  disputeSharing,
  endOfDay,
  fetchSharingOverview,
  fetchSharingUsage,
  renewSharing,
  requestSharing,
  resolveSharing,
  withdrawSharing,
} from '../features/sharing/api';
import type { Me } from './auth-api';

/** The overview is read again this often (a decision on the other tablet shows within it). */
const REFRESH_MS = 3_000;
const DAY = 86_400_000;

type Names = { opd: (code: string) => string; item: (type: 'metric' | 'event_kind', code: string) => string };

/**
 * Sharing on request (issue 19) on the tablet: ask another OPD for one of its terbatas items; decide (approve,
 * narrow, refuse) on requests for your own; renew, dispute or lift a dispute; see who reads your data.
 * Every action is a REST call the server audits; the page re-reads the overview every 3 s.
 */
export function SharingPage({ token, me, catalog, onBack }: { token: string; me: Me; catalog: CatalogResponse; onBack: () => void }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const [version, setVersion] = useState(0);
  const { data, failed } = usePolled((signal) => fetchSharingOverview(token, signal), REFRESH_MS, `${token}:${version}`);
  const reload = () => setVersion((v) => v + 1);
  const names: Names = {
    opd: (code) => catalog.opd.find((o) => o.code === code)?.name ?? code,
    item: (type, code) => {
      const x =
        data?.requestable.find((i) => i.itemType === type && i.code === code) ??
        (type === 'metric' ? catalog.metrics.find((m) => m.code === code) : catalog.eventKinds.find((k) => k.code === code));
      return x ? (lang === 'en' ? x.nameEn : x.nameId) : code;
    },
  };
  const incoming = (data?.requests ?? []).filter((r) => r.direction === 'incoming' && r.status === 'open');
  const outgoing = (data?.requests ?? []).filter((r) => r.direction !== 'incoming');

  return (
    <section className="incidents-card sharing-page" data-testid="sharing-page" data-state={data ? 'ready' : 'loading'}>
      <div className="catalog-head">
        <button type="button" onClick={onBack} data-testid="sharing-back">
          ← {t('sharing.back')}
        </button>
        <h2>{t('sharing.title')}</h2>
      </div>
      <p className="muted">{t('sharing.lead')}</p>
      {failed && !data && <p className="error">{t('sharing.error')}</p>}
      {!data && !failed && <p>{t('sharing.loading')}</p>}
      {data && (
        <>
          <h3>{t('sharing.incoming')}</h3>
          {incoming.length === 0 && <p className="muted">{t('sharing.incomingNone')}</p>}
          <ul className="plain-list">
            {incoming.map((r) => (
              <IncomingRequest key={r.id} token={token} r={r} names={names} onDone={reload} />
            ))}
          </ul>
          <h3>{t('sharing.outgoing')}</h3>
          {outgoing.length === 0 && <p className="muted">{t('sharing.outgoingNone')}</p>}
          <ul className="plain-list">
            {outgoing.map((r) => (
              <li key={r.id} data-testid="outgoing-request" data-id={r.id} data-status={r.status}>
                <strong>{names.item(r.itemType, r.itemCode)}</strong> · {t('sharing.to', { opd: names.opd(r.ownerOpd) })} ·{' '}
                {t('sharing.purpose', { purpose: r.purpose })} ·{' '}
                <span className={`status status-${r.status}`}>{t(`sharing.status.${r.status}`)}</span>
                {r.decisionNote && <em> · {r.decisionNote}</em>}
                {r.status === 'open' && r.direction === 'outgoing' && (
                  <button type="button" onClick={() => void withdrawSharing(token, r.id).then(reload, reload)} data-testid="withdraw">
                    {t('sharing.withdraw')}
                  </button>
                )}
              </li>
            ))}
          </ul>
          <h3>{t('sharing.agreements')}</h3>
          {data.agreements.length === 0 && <p className="muted">{t('sharing.agreementsNone')}</p>}
          <ul className="plain-list">
            {data.agreements.map((a) => (
              <AgreementRow key={a.id} token={token} me={me} a={a} names={names} onDone={reload} />
            ))}
          </ul>
          {me.role === 'agency' && <AskForm token={token} requestable={data.requestable} names={names} onDone={reload} />}
        </>
      )}
    </section>
  );
}

function AskForm({
  token,
  requestable,
  names,
  onDone,
}: {
  token: string;
  requestable: z.infer<typeof requestableItemSchema>[];
  names: Names;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const [item, setItem] = useState('');
  const [purpose, setPurpose] = useState('');
  const [justification, setJustification] = useState('');
  const [until, setUntil] = useState(() => dateValue(Date.now() + 90 * DAY));
  const [region, setRegion] = useState<RegionLevel>('kelurahan');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  if (requestable.length === 0) return <p className="muted">{t('sharing.ask.none')}</p>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const chosen = requestable.find((i) => `${i.itemType}:${i.code}` === item);
    const validUntil = endOfDay(until);
    if (!chosen || validUntil === null) return;
    setBusy(true);
    try {
      await requestSharing(token, {
        itemType: chosen.itemType,
        itemCode: chosen.code,
        purpose: purpose.trim(),
        justification,
        validUntil,
        regionLevel: region,
      });
      setMessage({ ok: true, text: t('sharing.ask.sent', { opd: names.opd(chosen.ownerOpd) }) });
      setJustification('');
      onDone();
    } catch (err) {
      setMessage({ ok: false, text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="sharing-ask" onSubmit={(e) => void submit(e)} data-testid="request-form">
      <h3>{t('sharing.ask.title')}</h3>
      <label>
        {t('sharing.ask.item')}
        <select value={item} onChange={(e) => setItem(e.target.value)} required data-testid="request-item">
          <option value="">{t('sharing.ask.choose')}</option>
          {requestable.map((i) => (
            <option key={`${i.itemType}:${i.code}`} value={`${i.itemType}:${i.code}`}>
              {lang === 'en' ? i.nameEn : i.nameId} · {names.opd(i.ownerOpd)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('sharing.ask.purpose')}
        <input value={purpose} onChange={(e) => setPurpose(e.target.value)} required pattern="[a-z][a-z0-9_\-]{1,62}" data-testid="request-purpose" />
      </label>
      <label>
        {t('sharing.ask.justification')}
        <textarea
          value={justification}
          onChange={(e) => setJustification(e.target.value)}
          required
          maxLength={2000}
          data-testid="request-justification"
        />
      </label>
      <label>
        {t('sharing.ask.until')}
        <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} required data-testid="request-until" />
      </label>
      <label>
        {t('sharing.ask.region')}
        <select value={region} onChange={(e) => setRegion(e.target.value as RegionLevel)} data-testid="request-region">
          {REGION_LEVELS.map((l) => (
            <option key={l} value={l}>
              {t(`sharing.region.${l}`)}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy} data-testid="request-submit">
        {t('sharing.ask.submit')}
      </button>
      {message && (
        <p className={message.ok ? 'ok' : 'error'} role="status" data-testid="request-message">
          {message.text}
        </p>
      )}
    </form>
  );
}

function IncomingRequest({ token, r, names, onDone }: { token: string; r: SharingRequestView; names: Names; onDone: () => void }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const [until, setUntil] = useState(() => dateValue(r.validUntil));
  const [region, setRegion] = useState<RegionLevel>(r.regionLevel);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const act = (p: Promise<unknown>) =>
    p.then(onDone, (err: unknown) => {
      setError(err instanceof Error ? err.message : String(err));
    });
  const approve = () => {
    const chosen = endOfDay(until);
    // the day asked for keeps its exact time; an earlier day narrows to its end
    const validUntil = chosen === null || dateValue(r.validUntil) === until ? undefined : Math.min(chosen, r.validUntil);
    void act(
      decideSharing(token, r.id, {
        decision: 'approve',
        ...(validUntil !== undefined ? { validUntil } : {}),
        ...(region !== r.regionLevel ? { regionLevel: region } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    );
  };
  return (
    <li data-testid="incoming-request" data-id={r.id} className="sharing-request">
      <div>
        <strong>{names.item(r.itemType, r.itemCode)}</strong> · {t('sharing.from', { opd: names.opd(r.requesterOpd) })} ·{' '}
        {t('sharing.purpose', { purpose: r.purpose })} · {t('sharing.until', { date: formatLongDate(r.validUntil, locale) })} ·{' '}
        {t(`sharing.region.${r.regionLevel}`)}
        {r.renews !== null && <> · {t('sharing.renewalOf', { id: r.renews })}</>}
      </div>
      <blockquote>{r.justification}</blockquote>
      <small className="muted">{t('sharing.narrowHint')}</small>
      <div className="sharing-decide">
        <input type="date" value={until} max={dateValue(r.validUntil)} onChange={(e) => setUntil(e.target.value)} data-testid="decision-until" />
        <select value={region} onChange={(e) => setRegion(e.target.value as RegionLevel)} data-testid="decision-region">
          {REGION_LEVELS.slice(REGION_LEVELS.indexOf(r.regionLevel)).map((l) => (
            <option key={l} value={l}>
              {t(`sharing.region.${l}`)}
            </option>
          ))}
        </select>
        <input
          value={note}
          onChange={(e) => setNote(e.target.value)}
          placeholder={t('sharing.note')}
          aria-label={t('sharing.note')}
          data-testid="decision-note"
        />
        <button type="button" onClick={approve} data-testid="approve">
          {t('sharing.approve')}
        </button>
        <button type="button" onClick={() => void act(decideSharing(token, r.id, { decision: 'refuse', note: note.trim() }))} data-testid="refuse">
          {t('sharing.refuse')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

function AgreementRow({ token, me, a, names, onDone }: { token: string; me: Me; a: SharingAgreementView; names: Names; onDone: () => void }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const [until, setUntil] = useState(() => dateValue(Math.max(a.validUntil, Date.now()) + 90 * DAY));
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [usage, setUsage] = useState<z.infer<typeof sharingUsageResponse> | null>(null);
  const act = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(null);
        setNote('');
        onDone();
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  const owner = a.direction === 'granted';
  const ownOpd = me.role === 'agency' ? me.opd : null;
  const left = daysLeft(a.validUntil, Date.now());
  const mayAct = a.direction !== 'other' && a.status !== 'revoked';
  return (
    <li data-testid="agreement" data-id={a.id} data-status={a.status} data-direction={a.direction} className={`sharing-agreement status-${a.status}`}>
      <div>
        <strong>
          {owner
            ? t('sharing.granted', { item: names.item(a.itemType, a.itemCode), opd: names.opd(a.granteeOpd) })
            : t('sharing.received', { item: names.item(a.itemType, a.itemCode), opd: names.opd(a.ownerOpd) })}
        </strong>{' '}
        · {t('sharing.purpose', { purpose: a.purpose })} · {t('sharing.until', { date: formatLongDate(a.validUntil, locale) })} ·{' '}
        {t(`sharing.region.${a.regionLevel}`)} · <span className="status">{t(`sharing.agreementStatus.${a.status}`)}</span>
        {owner && <> · {t('sharing.reads', { n: a.reads30d })}</>}
      </div>
      {a.status === 'expiring' && (
        <p className="warning" role="status" data-testid="expiry-reminder">
          {t('sharing.expiresIn', { n: left })}
        </p>
      )}
      {a.dispute && (
        <p className="warning">
          {t('sharing.disputed', { opd: a.dispute.byOpd ? names.opd(a.dispute.byOpd) : 'admin', note: a.dispute.note ?? '' })}
        </p>
      )}
      {mayAct && (
        <div className="sharing-decide">
          <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} aria-label={t('sharing.ask.until')} data-testid="renew-until" />
          <button
            type="button"
            onClick={() => {
              const v = endOfDay(until);
              if (v !== null) void act(renewSharing(token, a.id, v));
            }}
            data-testid="renew"
          >
            {owner ? t('sharing.renew') : t('sharing.askRenew')}
          </button>
          {(a.status === 'active' || a.status === 'expiring' || a.status === 'suspended') && (
            <>
              <input
                value={note}
                onChange={(e) => setNote(e.target.value)}
                placeholder={a.status === 'suspended' ? t('sharing.resolveNote') : t('sharing.disputeNote')}
                aria-label={a.status === 'suspended' ? t('sharing.resolveNote') : t('sharing.disputeNote')}
                data-testid="dispute-note"
              />
              {a.status !== 'suspended' && (
                <button type="button" onClick={() => void act(disputeSharing(token, a.id, note.trim()))} data-testid="dispute">
                  {t('sharing.dispute')}
                </button>
              )}
              {a.status === 'suspended' && a.dispute?.byOpd === ownOpd && (
                <button type="button" onClick={() => void act(resolveSharing(token, a.id, note.trim()))} data-testid="resolve">
                  {t('sharing.resolve')}
                </button>
              )}
            </>
          )}
          {owner && (
            <button
              type="button"
              onClick={() => void fetchSharingUsage(token, a.id).then(setUsage, (err: unknown) => setError(String(err)))}
              data-testid="usage-open"
            >
              {t('sharing.usage')}
            </button>
          )}
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {usage && (
        <div data-testid="usage-table">
          <h4>{t('sharing.usageTitle', { id: a.id })}</h4>
          <table>
            <thead>
              <tr>
                <th>{t('sharing.usageDay')}</th>
                <th>{t('sharing.usageWho')}</th>
                <th>{t('sharing.usageVia')}</th>
                <th>{t('sharing.usageReads')}</th>
              </tr>
            </thead>
            <tbody>
              {usage.days.map((d) => (
                <tr key={`${d.day}:${d.actor}:${d.via}`}>
                  <td>{d.day}</td>
                  <td>{d.actor}</td>
                  <td>{t(`sharing.via.${d.via}`)}</td>
                  <td>{d.reads}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p data-testid="usage-total">{t('sharing.usageTotal', { n: usage.total })}</p>
        </div>
      )}
    </li>
  );
}
