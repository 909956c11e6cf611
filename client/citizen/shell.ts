/**
 * The server-rendered shell (server/public/shell.ts) shows the headline numbers while the app loads; the app
 * mounts in the hidden #root and replaces the shell once its live data is in (or after SHELL_MAX_MS, so a
 * slow or failing socket never leaves a citizen on a frozen shell).
 */
import { ALERT_LEVELS, type AlertLevel } from '@shared/catalog';

export const SHELL_MAX_MS = 10_000;

/** Removes the shell and shows the app (idempotent; a page served without a shell is unaffected). */
export function revealApp(): void {
  document.getElementById('shell')?.remove();
  const root = document.getElementById('root');
  if (root?.hidden) root.hidden = false;
}

/** The headline numbers the server wrote into the page (server/public/shell.ts), for the tiles until live data. */
export interface ShellInitial {
  updatedAt: number;
  floodLevel: AlertLevel | null;
  complaintsOpen: number | null;
  speedKmh: number | null;
  landfillT: number | null;
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Reads and checks the page's data block once; null when there is none or it is not what is expected. */
export function readInitial(doc: Pick<Document, 'getElementById'> = document): ShellInitial | null {
  const el = doc.getElementById('public-initial');
  if (!el?.textContent) return null;
  try {
    const x = JSON.parse(el.textContent) as Record<string, unknown>;
    const updatedAt = num(x.updatedAt);
    if (updatedAt === null) return null;
    const level = (ALERT_LEVELS as readonly unknown[]).includes(x.floodLevel) ? (x.floodLevel as AlertLevel) : null;
    return { updatedAt, floodLevel: level, complaintsOpen: num(x.complaintsOpen), speedKmh: num(x.speedKmh), landfillT: num(x.landfillT) };
  } catch {
    return null;
  }
}
