import '@fontsource/noto-sans/latin-400.css';
import '@fontsource/noto-sans/latin-700.css';
import '../lib/styles/base.css';
import './landing.css';
import { createRoot } from 'react-dom/client';
import { initI18n } from '../lib/i18n';
import { landingStrings } from './strings';
import { Landing } from './Landing';

const i18n = initI18n(landingStrings);
document.title = i18n.t('landing.docTitle');

createRoot(document.getElementById('root')!).render(<Landing />);
