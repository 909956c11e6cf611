import { useLang } from '../lib/react/hooks';
import { formatNumber } from '../lib/format';
import { PagedList } from './PagedList';

export interface Bar {
  label: string;
  /** A second, quieter text after the label (an entity's code when the label is its name). */
  code?: string;
  value: number;
  /** CSS colour. */
  color?: string;
}

/**
 * Horizontal bars, largest first as given; values labelled at the bar's end. Drawn in HTML rather than on a
 * canvas: a name wraps instead of being cut ("TPS-SRONDOL…"), text keeps the wall's caption size, and a long
 * list pages on a timer (PagedList) instead of shrinking its bars.
 */
export function BarsChart({
  bars,
  testId,
  digits = 0,
  max,
  suffix = '',
}: {
  bars: readonly Bar[];
  testId: string;
  digits?: number;
  max?: number;
  suffix?: string;
}) {
  const { locale } = useLang();
  const top = max ?? Math.max(0, ...bars.map((b) => b.value));
  return (
    <div className="bars" data-testid={testId} data-bars={bars.length} data-total={bars.reduce((a, b) => a + b.value, 0)}>
      <PagedList className="bar-rows" as="div">
        {bars.map((b, i) => (
          <div key={`${b.label}-${i}`} className="bar-row">
            <span className="bar-label">
              {b.label}
              {b.code && <span className="bar-code"> · {b.code}</span>}
            </span>
            <span className="bar-track">
              <span
                className="bar-fill"
                style={{ width: `${top > 0 ? Math.min(100, Math.max(0, (b.value / top) * 100)) : 0}%`, background: b.color ?? '#38bdf8' }}
              />
            </span>
            <span className="bar-value">
              {formatNumber(b.value, digits, locale)}
              {suffix}
            </span>
          </div>
        ))}
      </PagedList>
    </div>
  );
}
