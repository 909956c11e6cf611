import { useTranslation } from 'react-i18next';
import { dataAge, isStale } from '../data-age';
import { formatDateTime } from '../format';
import { useLang } from '../react/hooks';

/**
 * "diperbarui 5 dtk lalu" for the newest reading behind a panel; marked late once the data missed
 * a few expected readings (`cadenceS` from the catalog).
 */
export function Freshness({ t: newestT, now, cadenceS }: { t: number | null; now: number; cadenceS?: number }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const age = dataAge(newestT, now);
  const stale = cadenceS !== undefined && newestT !== null && isStale(newestT, now, cadenceS);
  let text: string;
  switch (age.kind) {
    case 'none':
      text = t('age.none');
      break;
    case 'seconds':
    case 'minutes':
    case 'hours':
      text = t(`age.${age.kind}`, { n: age.n });
      break;
    case 'date':
      text = t('age.date', { date: formatDateTime(age.t, locale) });
      break;
  }
  return (
    <span
      className={`freshness${stale ? ' stale' : ''}${age.kind === 'none' ? ' none' : ''}`}
      data-testid="freshness"
      data-age-s={newestT === null ? '' : String(Math.max(0, Math.round((now - newestT) / 1000)))}
    >
      {text}
      {stale && <strong className="stale-tag"> · {t('age.stale')}</strong>}
    </span>
  );
}
