/**
 * Alerts: a reading at Siaga or above opens one per series; it escalates to Awas, and clears once a reading
 * falls below Waspada (the gap between the levels keeps a value hovering at Siaga from flapping) by the metric's
 * hysteresis (catalog `hysteresis`: a value wavering just under Waspada keeps its alert open). Pure.
 */
import { alertLevel, alertLevelWithHysteresis, type Thresholds } from './catalog';

export type AlertSeverity = 'siaga' | 'awas';

export interface WireAlert {
  id: number;
  metric: string;
  entity: string;
  seriesId: number;
  level: AlertSeverity;
  openedAt: number;
  lastValue: number;
  lastTime: number;
  clearedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  note: string | null;
}

export interface OpenAlertState {
  level: AlertSeverity;
  lastTime: number;
}

export type AlertTransition =
  | { kind: 'open'; level: AlertSeverity; time: number; value: number }
  | { kind: 'escalate'; level: 'awas'; time: number; value: number }
  | { kind: 'update'; time: number; value: number }
  | { kind: 'clear'; time: number; value: number };

/**
 * The transitions readings cause, given what is open for the series. Readings at or before the last one
 * already evaluated are ignored (a late upload does not reopen history); the rest are taken in time order.
 * An open alert clears only below (waspada − hysteresis).
 */
export function evaluateAlert(
  open: OpenAlertState | null,
  readings: readonly { t: number; v: number }[],
  thresholds: Thresholds,
  hysteresis = 0,
): AlertTransition[] {
  const out: AlertTransition[] = [];
  let state = open;
  const sorted = [...readings].filter((r) => !state || r.t > state.lastTime).sort((a, b) => a.t - b.t);
  for (const r of sorted) {
    const level = state ? alertLevelWithHysteresis(r.v, thresholds, hysteresis, state.level) : alertLevel(r.v, thresholds);
    if (!state) {
      if (level === 'siaga' || level === 'awas') {
        out.push({ kind: 'open', level, time: r.t, value: r.v });
        state = { level, lastTime: r.t };
      }
      continue;
    }
    if (level === 'normal') {
      out.push({ kind: 'clear', time: r.t, value: r.v });
      state = null;
    } else if (level === 'awas' && state.level === 'siaga') {
      out.push({ kind: 'escalate', level: 'awas', time: r.t, value: r.v });
      state = { level: 'awas', lastTime: r.t };
    } else {
      out.push({ kind: 'update', time: r.t, value: r.v });
      state = { ...state, lastTime: r.t };
    }
  }
  return out;
}
