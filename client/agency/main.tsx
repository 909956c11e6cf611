import '@fontsource/noto-sans/latin-400.css';
import '@fontsource/noto-sans/latin-700.css';
import '../lib/styles/base.css';
import './agency.css';
import { createRoot } from 'react-dom/client';
import { initI18n } from '../lib/i18n';
import { agencyStrings } from './strings';
import { incidentStrings } from '../features/incidents/strings';
import { scorecardStrings } from '../features/scorecard/strings';
import { noticeStrings } from '../features/notices/strings';
import { sharingStrings } from '../features/sharing/strings';
import { AgencyApp } from './AgencyApp';

const i18n = initI18n({
  id: { ...agencyStrings.id, ...incidentStrings.id, ...scorecardStrings.id, ...noticeStrings.id, ...sharingStrings.id },
  en: { ...agencyStrings.en, ...incidentStrings.en, ...scorecardStrings.en, ...noticeStrings.en, ...sharingStrings.en },
});
document.title = i18n.t('agency.docTitle');
i18n.on('languageChanged', () => {
  document.title = i18n.t('agency.docTitle');
});

createRoot(document.getElementById('root')!).render(<AgencyApp />);
