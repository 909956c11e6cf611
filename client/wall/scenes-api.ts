/**
 * The wall's scenes from GET /api/v1/wall/scenes, validated with the shared schema; the built-in scenes
 * until the first answer, and kept when a later fetch fails (the wall never goes blank over a scenes file).
 */
import { wallScenesResponse } from '@shared/rest';
import { DEFAULT_SCENES, type ScenesResponse } from '@shared/scenes';
import { getJson } from '../lib/api/http';

export const BUILT_IN: ScenesResponse = { scenes: DEFAULT_SCENES, source: 'defaults', loadedAt: 0, error: null };

export async function fetchScenes(token: string, signal?: AbortSignal): Promise<ScenesResponse> {
  return getJson('/api/v1/wall/scenes', wallScenesResponse, { authorization: `Bearer ${token}` }, signal);
}

const KIOSK_KEY = 'sinergi.wall.kiosk';

/**
 * Kiosk mode: `?kiosk=1` turns it on (and `?kiosk=0` off) and is remembered for the tab, so a reload that
 * loses the query (or a scene rotation) keeps it.
 */
export function resolveKiosk(): boolean {
  const q = new URLSearchParams(window.location.search).get('kiosk');
  try {
    if (q !== null) window.sessionStorage.setItem(KIOSK_KEY, q === '1' || q === 'true' ? '1' : '0');
    return window.sessionStorage.getItem(KIOSK_KEY) === '1';
  } catch {
    return q === '1' || q === 'true';
  }
}

const SCENE_KEY = 'sinergi.wall.scene';

/** The scene on screen, remembered for the tab so a reload resumes the rotation where it was. */
export function rememberScene(id: string): void {
  try {
    window.sessionStorage.setItem(SCENE_KEY, id);
  } catch {
    /* private mode: nothing to remember */
  }
}

export function rememberedScene(): string | null {
  try {
    return window.sessionStorage.getItem(SCENE_KEY);
  } catch {
    return null;
  }
}
