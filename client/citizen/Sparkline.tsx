import type { Line } from './projects';

/**
 * Progress over time as a tiny SVG: actual (solid) against plan (dashed), 0–100 %. No chart library: the
 * citizen bundle stays small. The picture is decorative to a screen reader; `label` says what it shows.
 */
export function Sparkline({ actual, plan, label, late }: { actual: Line; plan: Line; label: string; late: boolean }) {
  const all = [...actual, ...plan];
  if (actual.length < 2 || all.length === 0) return null;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const [t] of all) {
    if (t < t0) t0 = t;
    if (t > t1) t1 = t;
  }
  const W = 120;
  const H = 30;
  const span = Math.max(1, t1 - t0);
  const x = (t: number) => ((t - t0) / span) * W;
  const y = (v: number) => H - (Math.min(100, Math.max(0, v)) / 100) * H;
  const path = (line: Line) => line.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
  return (
    <svg
      className={`spark${late ? ' late' : ''}`}
      viewBox={`0 -1 ${W} ${H + 2}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
      data-testid="project-sparkline"
    >
      <line className="spark-axis" x1="0" x2={W} y1={H} y2={H} />
      {plan.length >= 2 && <path className="spark-plan" d={path(plan)} />}
      <path className="spark-actual" d={path(actual)} />
    </svg>
  );
}
