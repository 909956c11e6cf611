/**
 * i18next setup shared by every surface: Bahasa Indonesia by default, English on request.
 * The choice is persisted in localStorage; `?lang=en` in the URL overrides it (the wall has no mouse).
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { commonStrings } from './locales/common';
import type { Lang } from './format';

export const LANGS = ['id', 'en'] as const;
export const LANG_STORAGE_KEY = 'sinergi.lang';

type Strings = Record<string, unknown>;

function isLang(x: unknown): x is Lang {
  return x === 'id' || x === 'en';
}

function storedLang(): Lang | null {
  try {
    const v = window.localStorage.getItem(LANG_STORAGE_KEY);
    return isLang(v) ? v : null;
  } catch {
    return null;
  }
}

function initialLang(): Lang {
  const q = new URLSearchParams(window.location.search).get('lang');
  if (isLang(q)) return q;
  return storedLang() ?? 'id';
}

/** Initialises i18next synchronously with the common strings plus the surface's own. */
export function initI18n(surface: { id: Strings; en: Strings }): typeof i18next {
  const lng = initialLang();
  void i18next.use(initReactI18next).init({
    resources: {
      id: { translation: { ...commonStrings.id, ...surface.id } },
      en: { translation: { ...commonStrings.en, ...surface.en } },
    },
    lng,
    fallbackLng: 'id',
    supportedLngs: [...LANGS],
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  document.documentElement.lang = lng;
  i18next.on('languageChanged', (l) => {
    document.documentElement.lang = l;
  });
  return i18next;
}

/** Switches the UI language and remembers the choice. */
export function setLanguage(lang: Lang): void {
  try {
    window.localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  void i18next.changeLanguage(lang);
}

export function currentLang(): Lang {
  return isLang(i18next.language) ? i18next.language : 'id';
}
