import '@fontsource/noto-sans/latin-400.css';
import '@fontsource/noto-sans/latin-700.css';
import '../lib/styles/base.css';
import './public.css';
import { createRoot } from 'react-dom/client';
import { initI18n } from '../lib/i18n';
import { incidentStrings } from '../features/incidents/strings';
import { scorecardStrings } from '../features/scorecard/strings';
import { noticeStrings } from '../features/notices/strings';
import { installTestHooks } from '../lib/test-hooks';
import { publicStrings } from './strings';
import { PublicRoot } from './PublicApp';

installTestHooks();
const i18n = initI18n({
  id: {
    ...publicStrings.id,
    incidentsPublic: incidentStrings.id.incidentsPublic,
    scorecard: scorecardStrings.id.scorecard,
    ...noticeStrings.id,
  },
  en: {
    ...publicStrings.en,
    incidentsPublic: incidentStrings.en.incidentsPublic,
    scorecard: scorecardStrings.en.scorecard,
    ...noticeStrings.en,
  },
});
document.title = i18n.t('pub.docTitle');
i18n.on('languageChanged', () => {
  document.title = i18n.t('pub.docTitle');
});

createRoot(document.getElementById('root')!).render(<PublicRoot />);
