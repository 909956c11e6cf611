/**
 * The wall's scenes. Where they come from, first that exists (issue 17; README "Wall scenes"):
 *  1. the scenes an admin stored (PUT /api/v1/admin/scenes, `admin scenes import FILE`; table wall_scene);
 *  2. the operator's YAML file (`WALL_SCENES_FILE`), re-read when it changes;
 *  3. the built-in scenes.
 * So a kota that edits its scenes on the admin page never has them overwritten by a file, and a reset
 * (DELETE /api/v1/admin/scenes) returns to the file or the defaults. A file that does not parse or validate is
 * logged with every problem (field and line) and the last good version stays served. Every document is checked
 * against the catalog too: a panel naming a metric or event kind the catalog does not hold is a problem like any
 * other. The stored scenes are re-read by `refresh()`, which the server calls when the catalog's version moves (a
 * save or reset moves it, server/wall/admin.ts): every process of a cluster hears it (LISTEN, or the catalog's
 * poll). Only the file, which changes without telling anyone, is watched on a timer.
 * Nothing here throws into the server.
 */
import { readFile, stat } from 'node:fs/promises';
import type pg from 'pg';
import type { Logger } from 'pino';
import { DEFAULT_SCENES, sceneIssues, scenesFileSchema, unknownReferences, type ScenesFile, type ScenesResponse } from '../../shared/scenes';
import { parseYamlWithLines } from '../../shared/yaml-lines';
import { catalogCodes, readScenes, scenesVersion } from '../../db/queries/scenes';

/** The catalog's codes a scenes document may name. */
export interface KnownCodes {
  metrics: ReadonlySet<string>;
  eventKinds: ReadonlySet<string>;
}

/** One problem of a scenes document: the field's path (`scenes.2.panels.0.metric`), its line in a file, the message. */
export interface SceneProblem {
  path: string;
  line?: number;
  message: string;
}

export type SceneCheck = { ok: true; scenes: ScenesFile } | { ok: false; problems: SceneProblem[] };

/**
 * Pure: a parsed document → validated scenes, or every problem: the schema's, then (with `known`) each
 * reference to a code the catalog does not hold. `lineOf` gives a path's line in the file it came from.
 */
export function checkScenes(doc: unknown, known?: KnownCodes, lineOf?: (path: readonly PropertyKey[]) => number | undefined): SceneCheck {
  const at = (path: readonly PropertyKey[], message: string): SceneProblem => {
    const line = lineOf?.(path);
    return { path: path.map(String).join('.') || '(root)', ...(line !== undefined ? { line } : {}), message };
  };
  const parsed = scenesFileSchema.safeParse(doc);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => at(i.path, i.message)) };
  const unknown = known ? unknownReferences(parsed.data, known) : [];
  if (unknown.length) return { ok: false, problems: unknown.map((u) => at(u.path, u.message)) };
  return { ok: true, scenes: parsed.data };
}

/** `scenes.2.panels.0.area.w (line 41): …` */
export const problemText = (p: SceneProblem) => `${p.path}${p.line !== undefined ? ` (line ${p.line})` : ''}: ${p.message}`;

export type SceneLoad = { ok: true; scenes: ScenesFile } | { ok: false; message: string; problems: SceneProblem[] };

/** Pure: YAML text → validated scenes, or one message listing every problem with its line. */
export function parseScenes(text: string, file = 'scenes file', known?: KnownCodes): SceneLoad {
  const doc = parseYamlWithLines(text);
  if (!doc.ok) {
    return {
      ok: false,
      message: `invalid wall scenes ${file}:\n${doc.errors.map((e) => `  ${e}`).join('\n')}`,
      problems: doc.errors.map((e) => ({ path: '(root)', message: e })),
    };
  }
  const lineOf = (path: readonly PropertyKey[]) => {
    const m = / \(line (\d+)\)$/.exec(doc.where(path));
    return m ? Number(m[1]) : undefined;
  };
  const r = checkScenes(doc.value, known, lineOf);
  if (r.ok) return r;
  return { ok: false, message: `invalid wall scenes ${file}:\n${r.problems.map((p) => `  ${problemText(p)}`).join('\n')}`, problems: r.problems };
}

// kept for callers that format zod issues of a scenes document themselves
export { sceneIssues };

export interface SceneSource {
  current(): ScenesResponse;
  /** Re-reads the file (if it changed) and the stored scenes (if their version changed) now. */
  refresh(): Promise<void>;
  close(): void;
}

export interface SceneSourceOptions {
  /** Absent: no file (the stored scenes, else the built-in defaults). */
  file?: string;
  /** Absent: no stored scenes (unit tests of the file alone). */
  pool?: pg.Pool;
  log: Logger;
  clock?: () => number;
  /** How often the file's modification time is checked. */
  pollMs?: number;
}

export async function createSceneSource(opts: SceneSourceOptions): Promise<SceneSource> {
  const clock = opts.clock ?? Date.now;
  let fileState: ScenesResponse = { scenes: DEFAULT_SCENES, source: 'defaults', loadedAt: clock(), error: null };
  let stored: { scenes: ScenesFile; version: number; loadedAt: number } | null = null;
  let storedVersion = -1;
  let seen: string | null = null;
  let running: Promise<void> | null = null;
  const known = async (): Promise<KnownCodes | undefined> => (opts.pool ? catalogCodes(opts.pool) : undefined);

  const loadFile = async (): Promise<void> => {
    const file = opts.file;
    if (!file) return;
    let version: string;
    try {
      const s = await stat(file);
      version = `${s.mtimeMs}:${s.size}`;
    } catch (e) {
      const message = `cannot read wall scenes ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      if (seen !== 'missing')
        opts.log.warn({ file }, `${message}; serving ${fileState.source === 'file' ? 'the last good scenes' : 'the built-in scenes'}`);
      seen = 'missing';
      fileState = { ...fileState, error: message };
      return;
    }
    if (version === seen) return;
    // the catalog first: with the database down, the file is read again on the next poll instead of never
    let codes: KnownCodes | undefined;
    try {
      codes = await known();
    } catch (e) {
      opts.log.warn({ file, err: e }, 'cannot read the catalog to check the wall scenes file; trying again');
      return;
    }
    seen = version;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const message = `cannot read wall scenes ${file}: ${(e as Error).message}`;
      fileState = { ...fileState, error: message };
      opts.log.error({ file }, message);
      return;
    }
    const r = parseScenes(text, file, codes);
    if (r.ok) {
      fileState = { scenes: r.scenes, source: 'file', loadedAt: clock(), error: null };
      opts.log.info({ file, scenes: r.scenes.scenes.length }, 'wall scenes loaded');
    } else {
      fileState = { ...fileState, error: r.message };
      opts.log.error({ file }, `${r.message}\n  (still serving ${fileState.source === 'file' ? 'the last good scenes' : 'the built-in scenes'})`);
    }
  };

  const loadStored = async (): Promise<void> => {
    if (!opts.pool) return;
    const v = await scenesVersion(opts.pool);
    if (v === storedVersion) return;
    const row = v === 0 ? null : await readScenes(opts.pool);
    storedVersion = row?.version ?? 0;
    if (!row) {
      if (stored) opts.log.info('stored wall scenes removed: serving the file or the built-in scenes');
      stored = null;
      return;
    }
    // validated on the way in; checked again here (without the catalog: a metric removed later shows as a
    // panel message, it does not take the whole wall back to the defaults)
    const r = checkScenes(row.document);
    if (!r.ok) {
      opts.log.error(
        { problems: r.problems.map(problemText) },
        'stored wall scenes do not fit this release; serving the file or the built-in scenes',
      );
      stored = null;
      return;
    }
    stored = { scenes: r.scenes, version: row.version, loadedAt: row.updatedAt };
    opts.log.info({ version: row.version, scenes: r.scenes.scenes.length, by: row.updatedBy }, 'stored wall scenes loaded');
  };

  // one file check at a time, whether the timer or a refresh asked
  let fileRunning: Promise<void> | null = null;
  const checkFile = () => (fileRunning ??= loadFile().finally(() => (fileRunning = null)));
  const load = async () => {
    await checkFile();
    try {
      await loadStored();
    } catch (e) {
      // the database is down: keep what is served
      opts.log.warn({ err: e }, 'cannot read the stored wall scenes');
    }
  };
  const refresh = () => (running ??= load().finally(() => (running = null)));
  await refresh();
  // the file only: the stored scenes follow the catalog's version (refresh), not a poll of their own
  const timer = opts.file ? setInterval(() => void checkFile().catch(() => {}), opts.pollMs ?? 2_000) : null;
  timer?.unref();
  return {
    current: () => (stored ? { scenes: stored.scenes, source: 'database', loadedAt: stored.loadedAt, error: null } : fileState),
    refresh,
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}
