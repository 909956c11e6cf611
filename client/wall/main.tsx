import '@fontsource/noto-sans/latin-400.css';
import '@fontsource/noto-sans/latin-700.css';
import '../lib/styles/base.css';
import './wall.css';
import { createRoot } from 'react-dom/client';
import { initI18n } from '../lib/i18n';
import { incidentStrings } from '../features/incidents/strings';
import { scorecardStrings } from '../features/scorecard/strings';
import { installTestHooks } from '../lib/test-hooks';
import { wallStrings } from './strings';
import { WallRoot } from './WallRoot';

installTestHooks();
const i18n = initI18n({
  id: { ...wallStrings.id, ...incidentStrings.id, ...scorecardStrings.id },
  en: { ...wallStrings.en, ...incidentStrings.en, ...scorecardStrings.en },
});
document.title = i18n.t('wall.docTitle');
i18n.on('languageChanged', () => {
  document.title = i18n.t('wall.docTitle');
});

createRoot(document.getElementById('root')!).render(<WallRoot />);
