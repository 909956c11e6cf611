import { useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { NOTICE_KINDS, NOTICE_SEVERITIES, noticeResponse, type NoticeKind, type NoticeSeverity } from '@shared/notices';
import { checked } from '../lib/api/http';
import { useLang } from '../lib/react/hooks';
import { wibLabel } from '../features/notices/strings';
import type { NoticesStore } from '../features/notices/store';
import type { Me } from './auth-api';

const HOUR = 3_600_000;

/** Pure: the request body of the form (regions split on commas and spaces; a point when both numbers are given). */
export function noticeBody(f: {
  kind: NoticeKind;
  severity: NoticeSeverity | '';
  headline: string;
  description: string;
  instruction: string;
  regions: string;
  hours: number;
  lon: string;
  lat: string;
  now: number;
}): Record<string, unknown> {
  const regions = f.regions
    .split(/[\s,;]+/)
    .map((r) => r.trim())
    .filter(Boolean);
  const lon = Number(f.lon);
  const lat = Number(f.lat);
  const point = f.lon.trim() !== '' && f.lat.trim() !== '' && Number.isFinite(lon) && Number.isFinite(lat);
  return {
    kind: f.kind,
    ...(f.severity ? { severity: f.severity } : {}),
    headline: f.headline,
    description: f.description,
    ...(f.instruction.trim() ? { instruction: f.instruction } : {}),
    regions,
    ...(point ? { geometry: { type: 'Point', coordinates: [lon, lat] } } : {}),
    validUntil: new Date(f.now + Math.max(1, f.hours) * HOUR).toISOString(),
  };
}

/**
 * Public notices from the agency tablet (issue 21): a compact form to publish (an OPD publishes for itself;
 * the command center for itself), and the notices in force (live on the `/live` socket) with "withdraw" for
 * those the caller may change. Every step is audited on the server.
 */
export function NoticesSection({ token, me, store }: { token: string; me: Me; store: NoticesStore }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  useSyncExternalStore(
    (l) => store.subscribe(l),
    () => store.version,
  );
  const [kind, setKind] = useState<NoticeKind>('flood_warning');
  const [severity, setSeverity] = useState<NoticeSeverity | ''>('');
  const [headline, setHeadline] = useState('');
  const [description, setDescription] = useState('');
  const [instruction, setInstruction] = useState('');
  const [regions, setRegions] = useState('');
  const [hours, setHours] = useState(6);
  const [lon, setLon] = useState('');
  const [lat, setLat] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const ownOpd = me.role === 'agency' ? me.opd : null;
  const mayChange = (opd: string | null) => me.role === 'admin' || me.role === 'operator' || (ownOpd !== null && opd === ownOpd);

  const post = async (path: string, body: unknown) => {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const e = json as { error?: string; details?: { path: string; message: string }[] } | null;
      const detail = e?.details?.[0];
      throw new Error(detail ? `${detail.path}: ${detail.message}` : (e?.error ?? `HTTP ${res.status}`));
    }
    return checked(path, noticeResponse, json).notice;
  };

  const publish = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const n = await post(
        '/api/v1/notices',
        noticeBody({ kind, severity, headline, description, instruction, regions, hours, lon, lat, now: Date.now() }),
      );
      setMessage({ ok: true, text: t('notices.form.published', { id: n.id }) });
      setHeadline('');
      setDescription('');
      setInstruction('');
    } catch (err) {
      setMessage({ ok: false, text: t('notices.form.failed', { error: (err as Error).message }) });
    } finally {
      setBusy(false);
    }
  };

  const withdraw = async (id: number, version: number) => {
    setMessage(null);
    try {
      await post(`/api/v1/notices/${id}/withdraw`, { version });
      setMessage({ ok: true, text: t('notices.form.withdrawn', { id }) });
    } catch (err) {
      setMessage({ ok: false, text: t('notices.form.failed', { error: (err as Error).message }) });
    }
  };

  const current = store.list();
  return (
    <section className="alerts-card notices-card" aria-label={t('notices.title')} data-testid="agency-notices">
      <h2>{t('notices.title')}</h2>
      <details>
        <summary>{t('notices.form.title')}</summary>
        <form className="notice-form" onSubmit={(e) => void publish(e)} data-testid="notice-form">
          <label>
            {t('notices.form.kind')}
            <select value={kind} onChange={(e) => setKind(e.target.value as NoticeKind)} data-testid="notice-kind">
              {NOTICE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`notices.kind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('notices.form.severity')}
            <select value={severity} onChange={(e) => setSeverity(e.target.value as NoticeSeverity | '')}>
              <option value="">—</option>
              {NOTICE_SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {t(`notices.severity.${s}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('notices.form.headline')}
            <input value={headline} maxLength={160} required onChange={(e) => setHeadline(e.target.value)} data-testid="notice-headline" />
          </label>
          <label>
            {t('notices.form.description')}
            <textarea
              value={description}
              maxLength={2000}
              required
              rows={3}
              onChange={(e) => setDescription(e.target.value)}
              data-testid="notice-description"
            />
          </label>
          <label>
            {t('notices.form.instruction')}
            <textarea
              value={instruction}
              maxLength={1000}
              rows={2}
              onChange={(e) => setInstruction(e.target.value)}
              data-testid="notice-instruction"
            />
          </label>
          <label>
            {t('notices.form.regions')}
            <input value={regions} onChange={(e) => setRegions(e.target.value)} placeholder="33.74.01.1001" data-testid="notice-regions" />
          </label>
          <label>
            {t('notices.form.lonlat')}
            <span className="notice-lonlat">
              <input value={lon} inputMode="decimal" onChange={(e) => setLon(e.target.value)} placeholder="110.42" aria-label="lon" />
              <input value={lat} inputMode="decimal" onChange={(e) => setLat(e.target.value)} placeholder="-6.97" aria-label="lat" />
            </span>
          </label>
          <label>
            {t('notices.form.hours')}
            <input type="number" min={1} max={744} value={hours} onChange={(e) => setHours(Number(e.target.value) || 1)} data-testid="notice-hours" />
          </label>
          <button type="submit" disabled={busy} data-testid="notice-publish">
            {busy ? t('notices.form.publishing') : t('notices.form.publish')}
          </button>
        </form>
      </details>
      {message && (
        <p role={message.ok ? 'status' : 'alert'} data-testid="notice-message" className={message.ok ? 'ok' : 'warn'}>
          {message.text}
        </p>
      )}
      <h3>{t('notices.form.mine')}</h3>
      {current.length === 0 ? (
        <p className="muted">{t('notices.none')}</p>
      ) : (
        <ul className="plain-list">
          {current.map((n) => (
            <li key={n.id} data-testid="agency-notice" data-id={n.id}>
              <strong>{n.headline}</strong> · {t(`notices.kind.${n.kind}`)} · {n.opd ?? t('notices.commandCenter')} ·{' '}
              {t('notices.validUntil', { t: wibLabel(n.validUntil, locale) })}
              {mayChange(n.opd) && (
                <button type="button" onClick={() => void withdraw(n.id, n.version)}>
                  {t('notices.form.withdraw')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
