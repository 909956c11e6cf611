import { useTranslation } from 'react-i18next';
import type { AlertLevel } from '@shared/catalog';

/** BPBD alert level as a coloured, always-labelled badge (colour is never the only cue). */
export function AlertBadge({ level }: { level: AlertLevel }) {
  const { t } = useTranslation();
  return (
    <span className={`alert-badge alert-${level}`} data-level={level}>
      {t(`alert.${level}`)}
    </span>
  );
}
