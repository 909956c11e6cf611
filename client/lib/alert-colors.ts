import type { AlertLevel } from '@shared/catalog';

export type RGBA = [number, number, number, number];

/** BPBD alert colours: Normal green, Waspada yellow, Siaga orange, Awas red. */
export const ALERT_RGB: Readonly<Record<AlertLevel, readonly [number, number, number]>> = {
  normal: [46, 204, 113],
  waspada: [241, 196, 15],
  siaga: [243, 126, 34],
  awas: [231, 56, 60],
};

export function alertRgba(level: AlertLevel, alpha = 255): RGBA {
  const [r, g, b] = ALERT_RGB[level];
  return [r, g, b, alpha];
}

export function alertCss(level: AlertLevel): string {
  const [r, g, b] = ALERT_RGB[level];
  return `rgb(${r} ${g} ${b})`;
}

/**
 * The end of every intensity ramp: a deep violet, deliberately not the Awas red (nor the Siaga orange), so on
 * the map only an alert is red — a jammed road or a full container is "a lot", not "an alert" (issue 15).
 */
export const RAMP_END_RGB: readonly [number, number, number] = [126, 58, 196];

/** Green → yellow → violet ramp for a 0..1 ratio (congestion, fill level). */
export function rampRgba(x: number, alpha = 255): RGBA {
  const v = Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
  const [a, b, f] = v < 0.5 ? [ALERT_RGB.normal, ALERT_RGB.waspada, v / 0.5] : [ALERT_RGB.waspada, RAMP_END_RGB, (v - 0.5) / 0.5];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f), alpha];
}
