/**
 * The wall's scenes, loaded from the operator's YAML file and re-read when it changes. A file that does not
 * parse or validate is logged with every problem (field and line) and the last good scenes stay served — or
 * the built-in defaults if there never was a good version. Nothing here throws into the server.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { DEFAULT_SCENES, sceneIssues, scenesFileSchema, type ScenesFile, type ScenesResponse } from '../../shared/scenes';
import { parseYamlWithLines } from '../../shared/yaml-lines';

export type SceneLoad = { ok: true; scenes: ScenesFile } | { ok: false; message: string };

/** Pure: YAML text → validated scenes, or one message listing every problem with its line. */
export function parseScenes(text: string, file = 'scenes file'): SceneLoad {
  const doc = parseYamlWithLines(text);
  if (!doc.ok) return { ok: false, message: `invalid wall scenes ${file}:\n${doc.errors.map((e) => `  ${e}`).join('\n')}` };
  const parsed = scenesFileSchema.safeParse(doc.value);
  if (!parsed.success)
    return {
      ok: false,
      message: `invalid wall scenes ${file}:\n${sceneIssues(parsed.error, doc.where)
        .map((e) => `  ${e}`)
        .join('\n')}`,
    };
  return { ok: true, scenes: parsed.data };
}

export interface SceneSource {
  current(): ScenesResponse;
  /** Re-reads the file now if it changed (also runs on a timer). */
  refresh(): Promise<void>;
  close(): void;
}

export interface SceneSourceOptions {
  /** Absent: the built-in defaults, nothing to watch. */
  file?: string;
  log: Logger;
  clock?: () => number;
  /** How often the file's modification time is checked. */
  pollMs?: number;
}

export async function createSceneSource(opts: SceneSourceOptions): Promise<SceneSource> {
  const clock = opts.clock ?? Date.now;
  let state: ScenesResponse = { scenes: DEFAULT_SCENES, source: 'defaults', loadedAt: clock(), error: null };
  let seen: string | null = null;
  let running: Promise<void> | null = null;

  const load = async (): Promise<void> => {
    const file = opts.file;
    if (!file) return;
    let version: string;
    try {
      const s = await stat(file);
      version = `${s.mtimeMs}:${s.size}`;
    } catch (e) {
      const message = `cannot read wall scenes ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      if (seen !== 'missing')
        opts.log.warn({ file }, `${message}; serving ${state.source === 'file' ? 'the last good scenes' : 'the built-in scenes'}`);
      seen = 'missing';
      state = { ...state, error: message };
      return;
    }
    if (version === seen) return;
    seen = version;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const message = `cannot read wall scenes ${file}: ${(e as Error).message}`;
      state = { ...state, error: message };
      opts.log.error({ file }, message);
      return;
    }
    const r = parseScenes(text, file);
    if (r.ok) {
      state = { scenes: r.scenes, source: 'file', loadedAt: clock(), error: null };
      opts.log.info({ file, scenes: r.scenes.scenes.length }, 'wall scenes loaded');
    } else {
      state = { ...state, error: r.message };
      opts.log.error({ file }, `${r.message}\n  (still serving ${state.source === 'file' ? 'the last good scenes' : 'the built-in scenes'})`);
    }
  };

  const refresh = () => (running ??= load().finally(() => (running = null)));
  await refresh();
  const timer = opts.file ? setInterval(() => void refresh().catch(() => {}), opts.pollMs ?? 2_000) : null;
  timer?.unref();
  return {
    current: () => state,
    refresh,
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}
