import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { catalogDocumentSchema, CATALOG_SECTIONS, ADMIN_CATALOG_PATHS, type CatalogDocument, type CatalogSection } from '@shared/catalog-document';
import { clearToken, resolveToken, saveToken } from '../lib/auth-token';
import { LanguageToggle } from '../lib/components/LanguageToggle';
import { fetchMe, logout, type Me } from '../agency/auth-api';
import { LoginForm } from '../agency/LoginForm';
import { call } from './admin-api';
import { CatalogEditor } from './CatalogEditor';
import { ImportSection } from './ImportSection';
import { UsersSection } from './UsersSection';
import { KeysSection } from './KeysSection';
import { ScenesSection } from './ScenesSection';
import { MapDataSection } from './MapDataSection';

const OTHER_SECTIONS = ['import', 'users', 'keys', 'scenes', 'map'] as const;
export type AdminSection = CatalogSection | (typeof OTHER_SECTIONS)[number];
const SECTIONS: readonly AdminSection[] = [...CATALOG_SECTIONS, ...OTHER_SECTIONS];

/** The section in the URL fragment (`#metrics`), so a reload and the back button keep it. */
function sectionFromHash(): AdminSection {
  const h = window.location.hash.replace(/^#\/?/, '');
  return (SECTIONS as readonly string[]).includes(h) ? (h as AdminSection) : 'opd';
}

const isCatalogSection = (s: AdminSection): s is CatalogSection => (CATALOG_SECTIONS as readonly string[]).includes(s);

/**
 * The admin page: the agency page's login (same token storage), then one section at a time. The catalog is read
 * once and again after every change, so selects (OPD, domains) always offer what exists.
 */
export function AdminApp() {
  const { t } = useTranslation();
  const [token, setToken] = useState<string | null>(() => resolveToken());
  const [me, setMe] = useState<Me | null>(null);
  const [expired, setExpired] = useState(false);
  const [section, setSection] = useState<AdminSection>(sectionFromHash);
  const [catalog, setCatalog] = useState<CatalogDocument | null>(null);
  const [catalogError, setCatalogError] = useState<string | null>(null);

  const forget = useCallback((refused: boolean) => {
    clearToken();
    setToken(null);
    setMe(null);
    setExpired(refused);
  }, []);

  useEffect(() => {
    const sync = () => setSection(sectionFromHash());
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }, []);

  useEffect(() => {
    if (!token || me) return;
    let cancelled = false;
    fetchMe(token).then(
      (m) => {
        if (cancelled) return;
        if (m) setMe(m);
        else forget(true);
      },
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [token, me, forget]);

  const reloadCatalog = useCallback(async () => {
    if (!token) return;
    const r = await call(token, 'GET', ADMIN_CATALOG_PATHS.document, catalogDocumentSchema);
    if (r.ok) {
      setCatalog(r.data);
      setCatalogError(null);
    } else if (r.refusal.status === 401) forget(true);
    else setCatalogError(r.refusal.message);
  }, [token, forget]);

  useEffect(() => {
    if (me?.role === 'admin') void reloadCatalog();
  }, [me, reloadCatalog]);

  const onLoggedIn = (newToken: string, who: Me) => {
    saveToken(newToken);
    setExpired(false);
    setMe(who);
    setToken(newToken);
  };

  const onLogout = async () => {
    if (token && me?.username) await logout(token);
    forget(false);
  };

  const go = (s: AdminSection) => {
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}#${s}`);
    setSection(s);
  };

  return (
    <div className="admin">
      <header className="admin-header">
        <h1 data-testid="admin-title">{t('admin.title')}</h1>
        <LanguageToggle />
      </header>
      {!token && (
        <>
          <p className="lead">{t('admin.lead')}</p>
          <LoginForm expired={expired} onLoggedIn={onLoggedIn} />
        </>
      )}
      {token && (
        <div className="whoami" data-testid="whoami">
          <span>{me?.username ? `${me.username} · ${t(`agency.role.${me.role}`)}` : t('common.loading')}</span>
          <button type="button" onClick={onLogout} data-testid="logout">
            {t('agency.session.logout')}
          </button>
        </div>
      )}
      {token && me && me.role !== 'admin' && (
        <p className="form-error" role="alert" data-testid="not-admin">
          {t('admin.notAdmin')}
        </p>
      )}
      {token && me?.role === 'admin' && (
        <div className="admin-body">
          <nav aria-label={t('admin.nav')} className="admin-nav">
            <ul>
              {SECTIONS.map((s) => (
                <li key={s}>
                  <a
                    href={`#${s}`}
                    aria-current={s === section ? 'page' : undefined}
                    data-testid={`nav-${s}`}
                    onClick={(e) => {
                      e.preventDefault();
                      go(s);
                    }}
                  >
                    {t(`admin.sections.${s}`)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <main className="admin-main" data-testid={`section-${section}`}>
            <h2>{t(`admin.sections.${section}`)}</h2>
            {catalogError && (
              <p className="form-error" role="alert">
                {t('admin.common.loadError', { message: catalogError })}
              </p>
            )}
            {isCatalogSection(section) &&
              (catalog ? (
                <CatalogEditor key={section} token={token} section={section} catalog={catalog} onChanged={reloadCatalog} />
              ) : (
                <p>{t('admin.common.loading')}</p>
              ))}
            {section === 'import' && <ImportSection token={token} catalog={catalog} onChanged={reloadCatalog} />}
            {section === 'users' && <UsersSection token={token} opd={catalog?.opd ?? []} self={me.username ?? null} />}
            {section === 'keys' && <KeysSection token={token} opd={catalog?.opd ?? []} />}
            {section === 'scenes' && <ScenesSection token={token} />}
            {section === 'map' && <MapDataSection token={token} />}
          </main>
        </div>
      )}
    </div>
  );
}
