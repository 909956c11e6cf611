import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { IncidentSeverity } from '@shared/incidents';
import type { IncidentsStore } from '../features/incidents/store';
import { useThrottledVersion } from '../lib/react/hooks';

const SEVERITIES: readonly IncidentSeverity[] = ['awas', 'siaga', 'waspada'];
/** Rows the board shows (most severe, then nearest target first); the rest are counted. */
const MAX_ROWS = 8;

const span = (ms: number) => {
  const m = Math.round(Math.abs(ms) / 60_000);
  return m < 60 ? `${m}m` : `${Math.floor(m / 60)}j${String(m % 60).padStart(2, '0')}`;
};

/**
 * The wall's incident board (panel type `incidents` in the scenes file): open incidents by severity, each with
 * its handling OPD, status and its age against its target (late in red), the escalation level reached, and the
 * latest escalation steps. Live from the incidents channel.
 */
export const IncidentsPanel = memo(function IncidentsPanel({
  store,
  now,
  title,
}: {
  store: IncidentsStore;
  now: number;
  title?: string | undefined;
}) {
  const { t } = useTranslation();
  useThrottledVersion(store, 500);
  const open = store.open();
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, open.filter((i) => i.severity === s).length])) as Record<IncidentSeverity, number>;
  return (
    <section className="panel panel-incidents" data-testid="incidents-panel" aria-label={title ?? t('incidents.title')}>
      <div className="panel-head">
        <h2>{title ?? t('incidents.title')}</h2>
        <div className="feed-counts">
          {SEVERITIES.map((s) =>
            counts[s] > 0 ? (
              <span key={s} className={`incident-count sev-${s}`} data-testid={`incidents-${s}`}>
                {t(`incidents.severity.${s}`)} {counts[s]}
              </span>
            ) : null,
          )}
        </div>
      </div>
      {open.length === 0 ? (
        <p className="empty">{t('incidents.none')}</p>
      ) : (
        <ul className="incident-board">
          {open.slice(0, MAX_ROWS).map((i) => {
            const left = i.targetAt - now;
            return (
              <li key={i.id} className={`board-row sev-${i.severity}${left < 0 ? ' is-late' : ''}`} data-testid={`board-incident-${i.id}`}>
                <span className="board-sev">{t(`incidents.severity.${i.severity}`)}</span>
                <span className="board-title">
                  #{i.id} {i.title}
                </span>
                <span className="board-opd">{i.handlingOpd}</span>
                <span className="board-status">{t(`incidents.status.${i.status}`)}</span>
                <span className="board-age">{left < 0 ? `+${span(left)}` : `−${span(left)}`}</span>
                {i.escalationLevel > 1 && <span className="board-level">L{i.escalationLevel}</span>}
              </li>
            );
          })}
          {open.length > MAX_ROWS && <li className="board-more">+{open.length - MAX_ROWS}</li>}
        </ul>
      )}
      {store.steps.length > 0 && (
        <p className="board-steps" data-testid="board-steps">
          {t('incidents.steps')}:{' '}
          {store.steps
            .slice(0, 3)
            .map((s) => `${s.subject} ${s.kind === 'escalated' ? `L${s.level}` : '↻'}`)
            .join(' · ')}
        </p>
      )}
    </section>
  );
});
