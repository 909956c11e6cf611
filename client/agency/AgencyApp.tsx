import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { clearToken, resolveToken } from '../lib/auth-token';
import { fetchCatalog, type CatalogResponse } from '../lib/api/catalog';
import { LanguageToggle } from '../lib/components/LanguageToggle';
import { useLang } from '../lib/react/hooks';
import { unitLabel } from '../lib/format';

/** Placeholder until agency login exists: explains what is coming and lists the catalog the caller can read. */
export function AgencyApp() {
  const { t } = useTranslation();
  const { lang } = useLang();
  const [token, setToken] = useState<string | null>(() => resolveToken());
  const [catalog, setCatalog] = useState<CatalogResponse | null>(null);
  const [error, setError] = useState(false);

  useEffect(() => {
    let cancelled = false;
    setError(false);
    fetchCatalog(token).then(
      (c) => !cancelled && setCatalog(c),
      () => !cancelled && setError(true),
    );
    return () => {
      cancelled = true;
    };
  }, [token]);

  const opdName = (code: string) => catalog?.opd.find((o) => o.code === code)?.name ?? code;

  return (
    <div className="agency">
      <header className="agency-header">
        <h1 data-testid="agency-title">{t('agency.title')}</h1>
        <LanguageToggle />
      </header>
      <p className="lead">{t('agency.lead')}</p>
      <p className="soon" data-testid="agency-soon">
        {t('agency.soon')}
      </p>
      <nav className="agency-links">
        <a href="/wall">{t('agency.links.wall')}</a>
        <a href="/public">{t('agency.links.public')}</a>
        <a href="/">{t('agency.links.home')}</a>
      </nav>

      <section className="catalog" data-testid="agency-catalog">
        <div className="catalog-head">
          <h2>{token ? t('agency.catalogTitle') : t('agency.catalogPublic')}</h2>
          {token && (
            <button
              type="button"
              onClick={() => {
                clearToken();
                setToken(null);
              }}
            >
              {t('agency.forget')}
            </button>
          )}
        </div>
        {error && <p className="error">{t('agency.catalogError')}</p>}
        {!catalog && !error && <p>{t('common.loading')}</p>}
        {catalog && (
          <>
            <h3>{t('agency.metrics')}</h3>
            <ul className="catalog-list">
              {catalog.metrics.map((m) => (
                <li key={m.code} data-testid="catalog-metric" data-code={m.code}>
                  <div>
                    <strong>{lang === 'en' ? m.nameEn : m.nameId}</strong> <code>{m.code}</code>
                  </div>
                  <div className="meta">
                    <span className={`class class-${m.class}`}>{t(`agency.class.${m.class}`)}</span>
                    <span>
                      {t('agency.owner')}: {opdName(m.ownerOpd)}
                    </span>
                    {unitLabel(m.unit, lang) && (
                      <span>
                        {t('agency.unit')}: {unitLabel(m.unit, lang)}
                      </span>
                    )}
                    <span>{t('agency.cadence', { n: m.cadenceS })}</span>
                  </div>
                </li>
              ))}
            </ul>
            {catalog.eventKinds.length > 0 && (
              <>
                <h3>{t('agency.eventKinds')}</h3>
                <ul className="catalog-list">
                  {catalog.eventKinds.map((k) => (
                    <li key={k.code} data-testid="catalog-event-kind">
                      <div>
                        <strong>{lang === 'en' ? k.nameEn : k.nameId}</strong> <code>{k.code}</code>
                      </div>
                      <div className="meta">
                        <span className={`class class-${k.class}`}>{t(`agency.class.${k.class}`)}</span>
                        <span>
                          {t('agency.owner')}: {opdName(k.ownerOpd)}
                        </span>
                      </div>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
      </section>
    </div>
  );
}
