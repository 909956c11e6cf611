import { useTranslation } from 'react-i18next';
import { useLang, usePolled } from '../lib/react/hooks';
import { fetchBriefings, openBriefing } from '../features/scorecard/api';

/** The week a notification's link names (`#laporan/2026-W49`), if any. */
const linkedWeek = () => /^#laporan\/(\d{4}-W\d{2})$/.exec(window.location.hash)?.[1] ?? null;

/**
 * The command center's archive of weekly briefings (issue 19): each week's PDF and page, fetched with the
 * session (the archive is not public; every read is audited on the server). The link in the Monday message
 * (`/agency#laporan/<week>`) lands here with that week marked.
 */
export function BriefingsSection({ token }: { token: string }) {
  const { t } = useTranslation();
  const { locale } = useLang();
  const { data, failed } = usePolled((signal) => fetchBriefings(token, signal), 5 * 60_000, token);
  const marked = linkedWeek();
  const open = async (week: string, file: 'briefing.pdf' | 'briefing.html') => {
    const url = await openBriefing(token, week, file);
    const a = document.createElement('a');
    a.href = url;
    if (file === 'briefing.pdf') a.download = `laporan-mingguan-${week}.pdf`;
    else a.target = '_blank';
    a.rel = 'noopener';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <section className="incidents-card" data-testid="briefings" id="laporan">
      <div className="catalog-head">
        <h2>{t('briefing.title')}</h2>
      </div>
      {failed && !data && <p className="error">{t('briefing.error')}</p>}
      {data && data.briefings.length === 0 && <p>{t('briefing.none')}</p>}
      {data && data.briefings.length > 0 && (
        <ul className="plain-list">
          {data.briefings.slice(0, 8).map((b) => (
            <li key={b.week} data-testid="briefing" data-week={b.week} className={b.week === marked ? 'marked' : undefined}>
              <strong>{t('briefing.week', { week: b.week })}</strong> ·{' '}
              {t('briefing.generated', { time: new Date(b.generatedAt).toLocaleString(locale) })}
              <br />
              <button type="button" onClick={() => void open(b.week, 'briefing.pdf')}>
                {t('briefing.pdf')}
              </button>{' '}
              <button type="button" onClick={() => void open(b.week, 'briefing.html')}>
                {t('briefing.page')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
