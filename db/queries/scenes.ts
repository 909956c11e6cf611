/**
 * The wall's scenes as data (migration 087, issue 17): one validated scenes document, or none (then the
 * operator's file or the built-in scenes are served). The server validates before it writes; a read is
 * validated again by the caller (a document stored by an older release may not fit a newer schema).
 */
import type pg from 'pg';

type Db = pg.Pool | pg.PoolClient;

export interface StoredScenes {
  /** The document as stored (unvalidated JSON). */
  document: unknown;
  version: number;
  updatedAt: number;
  updatedBy: string;
}

/** The stored scenes, or null when none are stored. */
export async function readScenes(db: Db): Promise<StoredScenes | null> {
  const r = await db.query<{ document: unknown; version: string; updated_at: Date; updated_by: string }>(
    `SELECT document, version, updated_at, updated_by FROM wall_scene WHERE id = 1`,
  );
  const row = r.rows[0];
  return row ? { document: row.document, version: Number(row.version), updatedAt: row.updated_at.getTime(), updatedBy: row.updated_by } : null;
}

/** The stored version alone (0: none stored): what each server polls to notice another one's save. */
export async function scenesVersion(db: Db): Promise<number> {
  const r = await db.query<{ version: string }>(`SELECT version FROM wall_scene WHERE id = 1`);
  return r.rows[0] ? Number(r.rows[0].version) : 0;
}

/** Stores `document` (already validated), replacing any; returns the new version. */
export async function saveScenes(db: Db, document: unknown, actor: string, now: number): Promise<number> {
  const r = await db.query<{ version: string }>(
    `INSERT INTO wall_scene (id, document, updated_at, updated_by) VALUES (1, $1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document, version = nextval('wall_scene_version'),
       updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
     RETURNING version`,
    [JSON.stringify(document), new Date(now), actor],
  );
  return Number(r.rows[0]!.version);
}

/** Removes the stored scenes (back to the file or the built-in ones); whether there were any. */
export async function deleteScenes(db: Db): Promise<boolean> {
  const r = await db.query(`DELETE FROM wall_scene WHERE id = 1`);
  return (r.rowCount ?? 0) > 0;
}

/** The catalog's metric and event-kind codes, read now (a metric created a second ago counts). */
export async function catalogCodes(db: Db): Promise<{ metrics: Set<string>; eventKinds: Set<string> }> {
  const [m, k] = await Promise.all([
    db.query<{ code: string }>(`SELECT code FROM metric`),
    db.query<{ code: string }>(`SELECT code FROM event_kind`),
  ]);
  return { metrics: new Set(m.rows.map((r) => r.code)), eventKinds: new Set(k.rows.map((r) => r.code)) };
}
