import { useTranslation } from 'react-i18next';
import { countLabel, countValue, type ComplaintPeriod, type PublicCount } from '../lib/api/public-complaints';
import { formatNumber, formatPercent } from '../lib/format';
import { useLang, usePolled } from '../lib/react/hooks';
import { fetchComplaintPerformance, type PerformanceBucket } from './performance-api';

const POLL_MS = 30_000;
const DAY_MS = 86_400_000;

/**
 * How complaints are handled: received and closed per bucket (bars, with the numbers in an accessible table),
 * then the median time to close and the share closed within the target per OPD and category. Figures over
 * fewer than k complaints are withheld by the server: a count shows as "< k" ("≥ k" for a larger one hidden with it).
 */
export function ComplaintHandling({ period }: { period: ComplaintPeriod }) {
  const { t, i18n } = useTranslation();
  const { locale } = useLang();
  const { data } = usePolled((signal) => fetchComplaintPerformance(period, signal), POLL_MS, period);

  const shown = data?.period === period ? data : null;
  if (!shown) return null;
  const num = (c: PublicCount) => countLabel(c, shown.k, (n) => formatNumber(n, 0, locale));
  const max = Math.max(1, ...shown.buckets.flatMap((b) => [countValue(b.received), countValue(b.resolved)]));
  const label = (b: PerformanceBucket) =>
    new Intl.DateTimeFormat(locale, {
      timeZone: 'Asia/Jakarta',
      ...(shown.bucketMs < DAY_MS ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : { day: 'numeric', month: 'short' }),
    }).format(shown.bucketMs < DAY_MS ? b.to : b.to - 1);
  const category = (c: string | null) =>
    c === null ? t('pub.cx.allCategories') : i18n.exists(`pub.cx.category.${c}`) ? t(`pub.cx.category.${c}`) : c.replace(/_/g, ' ');
  const hours = (h: number | null) => (h === null ? '–' : t('pub.cx.hours', { n: formatNumber(h, 1, locale) }));
  const share = (s: number | null) => (s === null ? '–' : formatPercent(s * 100, 0, locale));
  const city = shown.groups.find((g) => g.opd === null);
  const groups = shown.groups.filter((g) => g.opd !== null);

  return (
    <div className="cx-handling" data-testid="complaints-handling">
      <h3>{t('pub.cx.perPeriod', { bucket: t(shown.bucketMs < DAY_MS ? 'pub.cx.per4h' : 'pub.cx.perDay') })}</h3>
      <table className="cx-table cx-bars" data-testid="complaints-buckets">
        <thead>
          <tr>
            <th scope="col">{t(shown.bucketMs < DAY_MS ? 'pub.cx.until' : 'pub.cx.day')}</th>
            <th scope="col">{t('pub.cx.received')}</th>
            <th scope="col">{t('pub.cx.resolved')}</th>
          </tr>
        </thead>
        <tbody>
          {shown.buckets.map((b) => (
            <tr key={b.from}>
              <th scope="row">{label(b)}</th>
              <td>
                <span className="bar bar-in" style={{ width: `${(countValue(b.received) / max) * 100}%` }} aria-hidden="true" />
                {num(b.received)}
              </td>
              <td>
                <span className="bar bar-out" style={{ width: `${(countValue(b.resolved) / max) * 100}%` }} aria-hidden="true" />
                {num(b.resolved)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{t('pub.cx.byOpd')}</h3>
      {city && (
        <p className="cx-city" data-testid="complaints-city-performance">
          {t('pub.cx.citySummary', { median: hours(city.medianHoursToResolve), share: share(city.shareWithinSla) })}
        </p>
      )}
      {groups.length > 0 && (
        <table className="cx-table" data-testid="complaints-performance">
          <thead>
            <tr>
              <th scope="col">{t('pub.cx.opdCategory')}</th>
              <th scope="col">{t('pub.cx.median')}</th>
              <th scope="col">{t('pub.cx.withinSla')}</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={`${g.opd}|${g.category ?? ''}`} className={g.category === null ? 'cx-opd-row' : ''} data-testid="complaints-performance-row">
                <th scope="row">
                  {g.category === null ? (g.opdName ?? g.opd) : category(g.category)}
                  {g.category !== null && g.slaHours !== null && <small> · {t('pub.cx.target', { n: formatNumber(g.slaHours, 0, locale) })}</small>}
                </th>
                <td>{hours(g.medianHoursToResolve)}</td>
                <td>{share(g.shareWithinSla)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="card-note">{t('pub.cx.handlingNote', { k: shown.k })}</p>
    </div>
  );
}
