import { useTranslation } from 'react-i18next';
import { LanguageToggle } from '../lib/components/LanguageToggle';

const SURFACES = [
  { key: 'wall', href: '/wall' },
  { key: 'agency', href: '/agency' },
  { key: 'public', href: '/public' },
  { key: 'admin', href: '/admin' },
] as const;

export function Landing() {
  const { t } = useTranslation();
  return (
    <div className="landing">
      <header>
        <h1>{t('landing.title')}</h1>
        <LanguageToggle />
      </header>
      <p className="tagline">{t('landing.tagline')}</p>
      <nav>
        <ul>
          {SURFACES.map((s) => (
            <li key={s.key}>
              <a href={s.href} data-testid={`link-${s.key}`}>
                <strong>{t(`landing.${s.key}.name`)}</strong>
                <span>{t(`landing.${s.key}.desc`)}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </div>
  );
}
