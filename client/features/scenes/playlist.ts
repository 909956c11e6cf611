/**
 * The wall's playlist as a pure state machine: rotate scenes, each for its own duration; while an alert is
 * open and unacknowledged, hold on the scene of its domain; an operator may hold it by hand. Clock passed in.
 */
import type { Domain } from '@shared/catalog';
import type { AlertSeverity } from '@shared/alerts';

export type HoldAt = AlertSeverity | 'never';

export interface PlaylistScene {
  id: string;
  durationS: number;
  domain?: Domain;
  /** The lowest alert level that holds the rotation on this scene (absent: siaga). */
  holdAt?: HoldAt;
}

export type Hold = 'none' | 'alert' | 'manual';

export interface PlaylistState {
  index: number;
  /** When the current scene came on screen (its duration counts from here). */
  since: number;
  hold: Hold;
}

/** What holds the playlist: the most urgent open, unacknowledged alert that may hold it (null: none). */
export interface AlertFocus {
  domain: Domain | null;
  level: AlertSeverity;
}

/** An open alert as the playlist sees it. */
export interface OpenAlert {
  domain: Domain | null;
  level: AlertSeverity;
  acknowledged: boolean;
  openedAt: number;
}

const permits = (holdAt: HoldAt | undefined, level: AlertSeverity) => (holdAt === 'never' ? false : holdAt === 'awas' ? level === 'awas' : true);

export function initialPlaylist(scenes: readonly PlaylistScene[], now: number, resumeId?: string | null): PlaylistState {
  const i = resumeId ? scenes.findIndex((s) => s.id === resumeId) : -1;
  return { index: i >= 0 ? i : 0, since: now, hold: 'none' };
}

/** The scene an alert of `domain` at `level` jumps to: the first scene about that domain that it may hold. */
export function sceneForDomain(scenes: readonly PlaylistScene[], domain: Domain | null, level: AlertSeverity = 'siaga'): number {
  if (!domain) return -1;
  return scenes.findIndex((s) => s.domain === domain && permits(s.holdAt, level));
}

/**
 * Which alert holds the playlist: of the open, unacknowledged alerts, those whose domain has a scene that takes
 * their level (or no scene at all: then the wall holds where it is), the most urgent (Awas first, then the newest).
 */
export function holdingAlert(scenes: readonly PlaylistScene[], alerts: readonly OpenAlert[]): AlertFocus | null {
  let best: OpenAlert | null = null;
  for (const a of alerts) {
    if (a.acknowledged) continue;
    const about = scenes.some((s) => s.domain === a.domain);
    if (about && sceneForDomain(scenes, a.domain, a.level) < 0) continue;
    if (!best || (a.level === 'awas' && best.level !== 'awas') || (a.level === best.level && a.openedAt > best.openedAt)) best = a;
  }
  return best && { domain: best.domain, level: best.level };
}

/** Pure: the state at `now`. Re-running with the same inputs changes nothing. */
export function stepPlaylist(scenes: readonly PlaylistScene[], s: PlaylistState, now: number, alert: AlertFocus | null): PlaylistState {
  const n = scenes.length;
  if (n === 0) return s;
  const index = Math.min(Math.max(0, s.index), n - 1);
  if (alert) {
    const target = sceneForDomain(scenes, alert.domain, alert.level);
    const to = target >= 0 ? target : index;
    if (s.hold === 'alert' && to === index) return s;
    return { index: to, since: to === index && s.hold !== 'none' ? s.since : now, hold: 'alert' };
  }
  // the alert is gone (cleared or acknowledged): rotation resumes, the current scene gets its full time
  if (s.hold === 'alert') return { index, since: now, hold: 'none' };
  if (s.hold === 'manual') return index === s.index ? s : { ...s, index };
  const duration = scenes[index]!.durationS * 1000;
  if (now - s.since < duration) return index === s.index ? s : { ...s, index };
  // after a long sleep (a laptop lid), one step, not many
  return { index: (index + 1) % n, since: now, hold: 'none' };
}

/** Operator controls: next / previous scene (keeps the hold), pause / resume. */
export function skip(scenes: readonly PlaylistScene[], s: PlaylistState, by: number, now: number): PlaylistState {
  const n = scenes.length;
  if (n === 0) return s;
  return { ...s, index: (((s.index + by) % n) + n) % n, since: now };
}

export function togglePause(s: PlaylistState, now: number): PlaylistState {
  if (s.hold === 'alert') return s;
  return s.hold === 'manual' ? { ...s, hold: 'none', since: now } : { ...s, hold: 'manual' };
}
