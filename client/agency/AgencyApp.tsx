import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { clearToken, resolveToken, saveToken } from '../lib/auth-token';
import { fetchCatalog, type CatalogResponse } from '../lib/api/catalog';
import { ApiError } from '../lib/api/http';
import { fetchMe, logout, type Me } from './auth-api';
import { LoginForm } from './LoginForm';
import { Dashboard } from './Dashboard';
import { useRoute } from './useRoute';
import { LanguageToggle } from '../lib/components/LanguageToggle';
import { useLang } from '../lib/react/hooks';
import { unitLabel } from '../lib/format';

/** How often the catalog is read again while signed in. */
const CATALOG_REFRESH_MS = 10_000;

/**
 * The agency page: login (with a TOTP step when the account has one), who is logged in, logout, then the
 * dashboard (KPIs, shared data, alerts, drill-down) and the catalog the caller may read. The session token is
 * kept where the wall keeps its token (`sinergi.token`).
 */
export function AgencyApp() {
  const { t } = useTranslation();
  const { lang } = useLang();
  const [token, setToken] = useState<string | null>(() => resolveToken());
  const [me, setMe] = useState<Me | null>(null);
  const [expired, setExpired] = useState(false);
  const [catalog, setCatalog] = useState<CatalogResponse | null>(null);
  const [error, setError] = useState(false);
  const { route } = useRoute();

  /** The server refused the stored token (expired, revoked, logged out elsewhere): back to the login form. */
  const forget = (wasRefused: boolean) => {
    clearToken();
    setToken(null);
    setMe(null);
    setExpired(wasRefused);
  };

  useEffect(() => {
    if (!token || me) return;
    let cancelled = false;
    fetchMe(token).then(
      (m) => {
        if (cancelled) return;
        if (m) setMe(m);
        else forget(true);
      },
      () => {}, // server unreachable: keep the token, the catalog shows the error
    );
    return () => {
      cancelled = true;
    };
  }, [token, me]);

  useEffect(() => {
    let cancelled = false;
    setError(false);
    setCatalog(null);
    fetchCatalog(token).then(
      (c) => !cancelled && setCatalog(c),
      (e) => {
        if (cancelled) return;
        if (token && e instanceof ApiError && e.status === 401) forget(true);
        else setError(true);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [token]);

  // Re-read the catalog now and then (a new sharing agreement, or a revoked one, shows without a reload), and at
  // once when the server says it changed (`catalog:changed`: an admin added a metric, issue 17).
  const rereadCatalog = useCallback(() => {
    if (!token) return;
    fetchCatalog(token).then(
      (c) => setCatalog((prev) => (JSON.stringify(prev) === JSON.stringify(c) ? prev : c)),
      (e) => {
        if (e instanceof ApiError && e.status === 401) forget(true);
      },
    );
  }, [token]);
  useEffect(() => {
    if (!token) return;
    const timer = setInterval(rereadCatalog, CATALOG_REFRESH_MS);
    return () => clearInterval(timer);
  }, [token, rereadCatalog]);

  const onLoggedIn = (newToken: string, who: Me) => {
    saveToken(newToken);
    setExpired(false);
    setMe(who);
    setToken(newToken);
  };

  /** A login session is revoked on the server; a device token (the wall's, same storage key) is only forgotten here. */
  const onLogout = async () => {
    if (token && me?.username) await logout(token);
    forget(false);
  };

  const opdName = (code: string) => catalog?.opd.find((o) => o.code === code)?.name ?? code;

  return (
    <div className="agency">
      <header className="agency-header">
        <h1 data-testid="agency-title">{t('agency.title')}</h1>
        <LanguageToggle />
      </header>
      {!token && <p className="lead">{t('agency.lead')}</p>}
      {token ? (
        <div className="whoami" data-testid="whoami">
          <span>
            {me?.username
              ? t('agency.session.as', {
                  user: me.username,
                  role: me.opd ? `${t(`agency.role.${me.role}`)} ${opdName(me.opd)}` : t(`agency.role.${me.role}`),
                })
              : me
                ? t('agency.session.device', { role: t(`agency.role.${me.role}`) })
                : t('common.loading')}
          </span>
          <button type="button" onClick={() => void onLogout()} data-testid="logout">
            {me && !me.username ? t('agency.forget') : t('agency.session.logout')}
          </button>
        </div>
      ) : (
        <LoginForm expired={expired} onLoggedIn={onLoggedIn} />
      )}
      {token && me && me.role !== 'public' && catalog && (
        <Dashboard token={token} me={me} catalog={catalog} onRefused={() => forget(true)} onCatalogChanged={rereadCatalog} />
      )}
      {route.view === 'home' && (
        <>
          <nav className="agency-links">
            <a href="/wall">{t('agency.links.wall')}</a>
            <a href="/public">{t('agency.links.public')}</a>
            <a href="/">{t('agency.links.home')}</a>
          </nav>

          <section className="catalog" data-testid="agency-catalog">
            <div className="catalog-head">
              <h2>{token ? t('agency.catalogTitle') : t('agency.catalogPublic')}</h2>
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
        </>
      )}
    </div>
  );
}
