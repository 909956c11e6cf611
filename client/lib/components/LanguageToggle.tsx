import { useTranslation } from 'react-i18next';
import { LANGS, setLanguage } from '../i18n';
import { useLang } from '../react/hooks';

/** ID / EN switch; the choice persists in localStorage. */
export function LanguageToggle() {
  const { t } = useTranslation();
  const { lang } = useLang();
  return (
    <div className="lang-toggle" role="group" aria-label={t('common.language')} data-testid="lang-toggle">
      {LANGS.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          aria-pressed={lang === l}
          title={l === 'id' ? t('common.langId') : t('common.langEn')}
          data-testid={`lang-${l}`}
          onClick={() => setLanguage(l)}
        >
          {l === 'id' ? t('common.langShortId') : t('common.langShortEn')}
        </button>
      ))}
    </div>
  );
}
