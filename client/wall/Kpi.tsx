import type { ReactNode } from 'react';
import { Freshness } from '../lib/components/Freshness';
import { isStale } from '../lib/data-age';

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
  /** Direction over the KPI window (client/features/kpi), its tone (worse: towards an alert) and the change as text. */
  trend?: { dir: 'up' | 'down' | 'flat'; tone?: 'worse' | 'better' | 'neutral'; text: string } | null;
  /** The figure's entity went quiet: the tile says so instead of its usual context line. */
  silent?: string | null;
}

/**
 * "38,2 mm/jam" → figure "38,2" and unit "mm/jam": the figure is what is read from across the room, the unit
 * rides at caption size so a 48-px figure fits a third of the side column.
 */
export function splitUnit(value: string): { figure: string; unit: string | null } {
  const m = /^(.*\d[^\s]*)\s+([^\d\s][^\s]*)$/u.exec(value);
  return m ? { figure: m[1]!, unit: m[2]! } : { figure: value, unit: null };
}

/** A KPI tile: label, big number, context line, data age. `data-testid="kpi-<id>"`. */
export function Kpi({ id, label, value, sub, t, now, cadenceS, tone = 'normal', forbidden, trend, silent }: KpiProps) {
  if (forbidden) return null;
  const stale = cadenceS !== undefined && t !== null && isStale(t, now, cadenceS);
  return (
    <section
      className={`kpi tone-${tone}${stale ? ' is-stale' : ''}`}
      data-testid={`kpi-${id}`}
      data-tone={tone}
      data-stale={stale ? 'true' : 'false'}
    >
      <h3 className="kpi-label">{label}</h3>
      <div className="kpi-value-row">
        <div className="kpi-value" data-kpi-value="">
          {splitUnit(value).figure}
          {splitUnit(value).unit && <span className="kpi-unit"> {splitUnit(value).unit}</span>}
        </div>
        {trend && (
          <span
            className={`kpi-trend trend-${trend.dir}`}
            data-testid="kpi-trend"
            data-trend={trend.dir}
            data-tone={trend.tone ?? 'neutral'}
            data-text={trend.text}
            title={trend.text}
          >
            {trend.dir === 'up' ? '▲' : trend.dir === 'down' ? '▼' : '▬'} <span className="kpi-trend-text">{trend.text}</span>
          </span>
        )}
      </div>
      {silent ? (
        <div className="kpi-sub kpi-silent" data-testid="kpi-silent">
          {silent}
        </div>
      ) : (
        <div className="kpi-sub">{sub}</div>
      )}
      <Freshness t={t} now={now} cadenceS={cadenceS} />
    </section>
  );
}
