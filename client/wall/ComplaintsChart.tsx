import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { EventKindState } from '../lib/events-store';
import { BarsChart, type Bar } from './BarsChart';

/** Bar chart of complaint counts by status, in the kind's lifecycle order. */
export function ComplaintsChart({ state }: { state: EventKindState | undefined }) {
  const { t } = useTranslation();
  const counts = state?.countsByStatus;
  const kindStatuses = state?.kind?.statuses;
  const bars = useMemo<Bar[]>(
    () => (kindStatuses ?? Object.keys(counts ?? {})).map((s) => ({ label: t(`status.${s}`, { defaultValue: s }), value: counts?.[s] ?? 0 })),
    [kindStatuses, counts, t],
  );
  return <BarsChart bars={bars} testId="complaints-chart" />;
}
