/**
 * The wall's playlist as a pure state machine: rotate scenes, each for its own duration; while an alert is
 * open and unacknowledged, hold on the scene of its domain; an operator may hold it by hand. Clock passed in.
 */
import type { Domain } from '@shared/catalog';

export interface PlaylistScene {
  id: string;
  durationS: number;
  domain?: Domain;
}

export type Hold = 'none' | 'alert' | 'manual';

export interface PlaylistState {
  index: number;
  /** When the current scene came on screen (its duration counts from here). */
  since: number;
  hold: Hold;
}

/** What holds the playlist: the most urgent open, unacknowledged alert's domain (null: none). */
export interface AlertFocus {
  domain: Domain | null;
}

export function initialPlaylist(scenes: readonly PlaylistScene[], now: number, resumeId?: string | null): PlaylistState {
  const i = resumeId ? scenes.findIndex((s) => s.id === resumeId) : -1;
  return { index: i >= 0 ? i : 0, since: now, hold: 'none' };
}

/** The scene that shows an alert of `domain`: the first scene about that domain. */
export function sceneForDomain(scenes: readonly PlaylistScene[], domain: Domain | null): number {
  if (!domain) return -1;
  return scenes.findIndex((s) => s.domain === domain);
}

/** Pure: the state at `now`. Re-running with the same inputs changes nothing. */
export function stepPlaylist(scenes: readonly PlaylistScene[], s: PlaylistState, now: number, alert: AlertFocus | null): PlaylistState {
  const n = scenes.length;
  if (n === 0) return s;
  const index = Math.min(Math.max(0, s.index), n - 1);
  if (alert) {
    const target = sceneForDomain(scenes, alert.domain);
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
