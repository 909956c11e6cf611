import type { ReactNode } from 'react';
import { Freshness } from '../lib/components/Freshness';

export interface KpiProps {
  id: string;
  label: string;
  value: string;
  sub?: ReactNode;
  t: number | null;
  now: number;
  cadenceS?: number;
  tone?: 'normal' | 'waspada' | 'siaga' | 'awas' | 'muted';
  forbidden?: boolean;
}

/** A KPI tile: label, big number, context line, data age. `data-testid="kpi-<id>"`. */
export function Kpi({ id, label, value, sub, t, now, cadenceS, tone = 'normal', forbidden }: KpiProps) {
  if (forbidden) return null;
  return (
    <section className={`kpi tone-${tone}`} data-testid={`kpi-${id}`} data-tone={tone}>
      <h3 className="kpi-label">{label}</h3>
      <div className="kpi-value" data-kpi-value="">
        {value}
      </div>
      <div className="kpi-sub">{sub}</div>
      <Freshness t={t} now={now} cadenceS={cadenceS} />
    </section>
  );
}
