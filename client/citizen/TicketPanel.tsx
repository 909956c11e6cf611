import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { publicTicketResponse, ratingResultResponse, TICKET_PATTERN, type PublicTicket } from '@shared/tickets';
import { checked } from '../lib/api/http';
import { useLang } from '../lib/react/hooks';
import { wibLabel } from '../features/notices/strings';

type Lookup =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'found'; ticket: PublicTicket }
  | { kind: 'unknown'; ticket: string }
  | { kind: 'invalid' }
  | { kind: 'limited'; retryS: number }
  | { kind: 'failed' };

type Rating = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; reopened: boolean } | { kind: 'failed'; message: string };

const retryOf = async (res: Response) => {
  const body = (await res.json().catch(() => null)) as { retryAfterS?: unknown } | null;
  return typeof body?.retryAfterS === 'number' ? body.retryAfterS : 60;
};

/** GET /api/public/v1/tickets/{ticket}: the answer as the page shows it. */
export async function lookupTicket(ticket: string): Promise<Lookup> {
  if (!TICKET_PATTERN.test(ticket)) return { kind: 'invalid' };
  const res = await fetch(`/api/public/v1/tickets/${encodeURIComponent(ticket)}`, { headers: { Accept: 'application/json' } });
  if (res.status === 429) return { kind: 'limited', retryS: await retryOf(res) };
  if (res.status === 400) return { kind: 'invalid' };
  if (!res.ok) return { kind: 'failed' };
  const t = checked('tickets', publicTicketResponse, await res.json());
  return t.found ? { kind: 'found', ticket: t } : { kind: 'unknown', ticket };
}

/**
 * "Lacak aduan Anda": a citizen follows their complaint by the ticket number their channel gave, sees its status
 * history in WIB, the handling OPD and the SLA, and rates it once after resolution. Nothing is stored in the
 * browser: the number is a capability, so it is not kept in the URL or local storage either.
 */
export function TicketPanel() {
  const { t } = useTranslation();
  const { locale } = useLang();
  const [input, setInput] = useState('');
  const [lookup, setLookup] = useState<Lookup>({ kind: 'idle' });
  const [score, setScore] = useState(0);
  const [notFixed, setNotFixed] = useState(false);
  const [rating, setRating] = useState<Rating>({ kind: 'idle' });

  const onLookup = async (e: FormEvent) => {
    e.preventDefault();
    const ticket = input.trim();
    setLookup({ kind: 'busy' });
    setRating({ kind: 'idle' });
    setScore(0);
    setNotFixed(false);
    try {
      setLookup(await lookupTicket(ticket));
    } catch {
      setLookup({ kind: 'failed' });
    }
  };

  const onRate = async (e: FormEvent) => {
    e.preventDefault();
    if (lookup.kind !== 'found' || score < 1) return;
    setRating({ kind: 'busy' });
    try {
      const res = await fetch(`/api/public/v1/tickets/${encodeURIComponent(lookup.ticket.ticket)}/rating`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ rating: score, notFixed }),
      });
      if (res.status === 429) return setRating({ kind: 'failed', message: t('tickets.limited', { s: await retryOf(res) }) });
      if (res.status === 409) {
        const body = (await res.json().catch(() => null)) as { error?: string } | null;
        return setRating({ kind: 'failed', message: /rated already/.test(body?.error ?? '') ? t('tickets.alreadyRated') : (body?.error ?? '409') });
      }
      if (!res.ok) return setRating({ kind: 'failed', message: `HTTP ${res.status}` });
      const r = checked('rating', ratingResultResponse, await res.json());
      setRating({ kind: 'done', reopened: r.reopened });
      setLookup({ kind: 'found', ticket: { ...lookup.ticket, rated: true, canRate: false } });
    } catch {
      setRating({ kind: 'failed', message: t('tickets.failed') });
    }
  };

  const statusName = (s: string) => t(`tickets.statusName.${s}`, { defaultValue: s });

  return (
    <section className="pub-card" id="lacak" data-testid="section-ticket" aria-labelledby="h-lacak">
      <div className="card-head">
        <h2 id="h-lacak">{t('tickets.title')}</h2>
      </div>
      <p className="card-note">{t('tickets.intro')}</p>
      <form className="ticket-form" onSubmit={onLookup}>
        <label htmlFor="ticket-input">{t('tickets.label')}</label>
        <div className="ticket-row">
          <input
            id="ticket-input"
            data-testid="ticket-input"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder={t('tickets.placeholder')}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={64}
            required
          />
          <button type="submit" data-testid="ticket-submit" disabled={lookup.kind === 'busy'}>
            {lookup.kind === 'busy' ? t('tickets.searching') : t('tickets.submit')}
          </button>
        </div>
      </form>
      <div aria-live="polite" data-testid="ticket-result" data-state={lookup.kind}>
        {lookup.kind === 'unknown' && <p className="ticket-msg">{t('tickets.notFound', { ticket: lookup.ticket })}</p>}
        {lookup.kind === 'invalid' && <p className="ticket-msg">{t('tickets.invalid')}</p>}
        {lookup.kind === 'limited' && <p className="ticket-msg warn">{t('tickets.limited', { s: lookup.retryS })}</p>}
        {lookup.kind === 'failed' && <p className="ticket-msg warn">{t('tickets.failed')}</p>}
        {lookup.kind === 'found' && (
          <div className="ticket-card">
            <dl className="ticket-facts">
              <dt>{t('tickets.status')}</dt>
              <dd data-testid="ticket-status">{statusName(lookup.ticket.status ?? '')}</dd>
              <dt>{t('tickets.handler')}</dt>
              <dd data-testid="ticket-handler">{lookup.ticket.handlingOpdName ?? lookup.ticket.handlingOpd}</dd>
              {lookup.ticket.category && (
                <>
                  <dt>{t('tickets.category')}</dt>
                  <dd>{t(`pub.cx.category.${lookup.ticket.category}`, { defaultValue: lookup.ticket.category.replace(/_/g, ' ') })}</dd>
                </>
              )}
              {lookup.ticket.slaTargetHours !== null && lookup.ticket.slaDueAt && (
                <>
                  <dt>{t('tickets.sla')}</dt>
                  <dd data-testid="ticket-sla">
                    {t('tickets.slaHours', { n: lookup.ticket.slaTargetHours, t: wibLabel(lookup.ticket.slaDueAt, locale) })} ·{' '}
                    <strong className={lookup.ticket.slaMet === false ? 'sla-missed' : lookup.ticket.slaMet ? 'sla-met' : ''}>
                      {lookup.ticket.slaMet === null ? t('tickets.slaPending') : lookup.ticket.slaMet ? t('tickets.slaMet') : t('tickets.slaMissed')}
                    </strong>
                  </dd>
                </>
              )}
            </dl>
            <h3 className="ticket-sub">{t('tickets.history')}</h3>
            <ol className="ticket-history" data-testid="ticket-history">
              {lookup.ticket.history.map((h, i) => (
                <li key={`${h.at}-${i}`}>
                  <time dateTime={h.at}>{wibLabel(h.at, locale)}</time> {statusName(h.status)}
                </li>
              ))}
            </ol>
            {lookup.ticket.canRate && rating.kind !== 'done' && (
              <form className="ticket-rate" onSubmit={onRate} data-testid="ticket-rate">
                <fieldset>
                  <legend>{t('tickets.rateTitle')}</legend>
                  <div className="rate-stars" role="radiogroup" aria-label={t('tickets.rateLabel')}>
                    {[1, 2, 3, 4, 5].map((n) => (
                      <label key={n} className={score >= n ? 'on' : ''}>
                        <input type="radio" name="rating" value={n} checked={score === n} onChange={() => setScore(n)} data-testid={`rate-${n}`} />
                        <span aria-hidden="true">★</span>
                        <span className="visually-hidden">{n}</span>
                      </label>
                    ))}
                  </div>
                  <label className="rate-notfixed">
                    <input type="checkbox" checked={notFixed} onChange={(e) => setNotFixed(e.target.checked)} data-testid="rate-not-fixed" />{' '}
                    {t('tickets.notFixed')}
                  </label>
                  <button type="submit" disabled={score < 1 || rating.kind === 'busy'} data-testid="rate-submit">
                    {t('tickets.rateSubmit')}
                  </button>
                </fieldset>
              </form>
            )}
            {rating.kind === 'done' && (
              <p className="ticket-msg ok" data-testid="rate-done">
                {t('tickets.rated')} {rating.reopened && t('tickets.reopened', { opd: lookup.ticket.handlingOpdName ?? lookup.ticket.handlingOpd })}
              </p>
            )}
            {rating.kind === 'failed' && <p className="ticket-msg warn">{t('tickets.rateFailed', { error: rating.message })}</p>}
            {lookup.ticket.rated && rating.kind === 'idle' && <p className="ticket-msg">{t('tickets.alreadyRated')}</p>}
          </div>
        )}
      </div>
    </section>
  );
}
