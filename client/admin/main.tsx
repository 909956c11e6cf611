import '@fontsource/noto-sans/latin-400.css';
import '@fontsource/noto-sans/latin-700.css';
import '../lib/styles/base.css';
import './admin.css';
import { createRoot } from 'react-dom/client';
import { initI18n } from '../lib/i18n';
import { agencyStrings } from '../agency/strings';
import { adminStrings } from './strings';
import { AdminApp } from './AdminApp';

// the login form and role names are the agency page's (one login flow for both)
const i18n = initI18n({ id: { ...agencyStrings.id, ...adminStrings.id }, en: { ...agencyStrings.en, ...adminStrings.en } });
document.title = i18n.t('admin.docTitle');
i18n.on('languageChanged', () => {
  document.title = i18n.t('admin.docTitle');
});

createRoot(document.getElementById('root')!).render(<AdminApp />);
