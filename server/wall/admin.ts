/**
 * Editing the wall's scenes as data (issue 17): an admin replaces the whole scenes document or resets it (back
 * to WALL_SCENES_FILE or the built-in scenes). The document is validated against the schema and the catalog
 * before anything is stored; every change is audited in the same transaction; the scene source is refreshed at
 * once, so this server answers the new scenes immediately; the change also moves the catalog's version, so every
 * process re-reads its scenes and the walls are told live (`catalog:changed`) to fetch them again.
 * Returns domain results; server/wall/routes.ts maps them to HTTP.
 */
import type pg from 'pg';
import type { Principal } from '../../shared/contract';
import type { ScenesFile, ScenesResponse } from '../../shared/scenes';
import { appendAudit } from '../../db/queries/audit';
import { bumpCatalogVersion } from '../../db/queries/catalog-admin';
import { catalogCodes, deleteScenes, saveScenes } from '../../db/queries/scenes';
import { inTransaction } from '../../db/transaction';
import { checkScenes, type SceneProblem, type SceneSource } from './scenes';

export type ScenesChange =
  | { kind: 'not_signed_in' }
  | { kind: 'not_admin' }
  | { kind: 'invalid'; problems: SceneProblem[] }
  | { kind: 'saved'; current: ScenesResponse; version: number }
  | { kind: 'reset'; current: ScenesResponse; existed: boolean };

export interface ScenesAdmin {
  /** Replaces the stored scenes with `document` (any JSON: validated here). */
  replace(who: Principal, document: unknown, source: string | null): Promise<ScenesChange>;
  /** Removes the stored scenes: the file's, or the built-in ones, are served again. */
  reset(who: Principal, source: string | null): Promise<ScenesChange>;
}

const actorOf = (who: Exclude<Principal, { role: 'public' }>) => who.user ?? `token:${who.tokenId}`;

/** Stores validated scenes and audits it in one transaction (the admin route and `admin scenes import`); the new version. */
export async function storeScenesAudited(pool: pg.Pool, scenes: ScenesFile, actor: string, source: string | null, now: number): Promise<number> {
  return inTransaction(pool, async (client) => {
    const v = await saveScenes(client, scenes, actor, now);
    // scenes are catalog data (issue 17): the catalog's version moves, every process re-reads, walls are told
    await bumpCatalogVersion(client);
    await appendAudit(
      client,
      [
        {
          actor,
          action: 'wall.scenes_replaced',
          target: 'wall_scene',
          detail: { version: v, scenes: scenes.scenes.map((s) => s.id), playlist: scenes.playlist ?? null },
          source,
        },
      ],
      now,
    );
    return v;
  });
}

/** Removes the stored scenes and audits it in one transaction; whether there were any. */
export async function resetScenesAudited(pool: pg.Pool, actor: string, source: string | null, now: number): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const had = await deleteScenes(client);
    await bumpCatalogVersion(client);
    await appendAudit(client, [{ actor, action: 'wall.scenes_reset', target: 'wall_scene', detail: { existed: had }, source }], now);
    return had;
  });
}

export function createScenesAdmin(deps: { pool: pg.Pool; scenes: SceneSource; clock: () => number }): ScenesAdmin {
  const gate = (who: Principal): ScenesChange | null =>
    who.role === 'public' ? { kind: 'not_signed_in' } : who.role !== 'admin' ? { kind: 'not_admin' } : null;
  return {
    async replace(who, document, source) {
      const refused = gate(who);
      if (refused || who.role === 'public') return refused ?? { kind: 'not_signed_in' };
      const checked = checkScenes(document, await catalogCodes(deps.pool));
      if (!checked.ok) return { kind: 'invalid', problems: checked.problems };
      const version = await storeScenesAudited(deps.pool, checked.scenes, actorOf(who), source, deps.clock());
      await deps.scenes.refresh();
      return { kind: 'saved', current: deps.scenes.current(), version };
    },
    async reset(who, source) {
      const refused = gate(who);
      if (refused || who.role === 'public') return refused ?? { kind: 'not_signed_in' };
      const existed = await resetScenesAudited(deps.pool, actorOf(who), source, deps.clock());
      await deps.scenes.refresh();
      return { kind: 'reset', current: deps.scenes.current(), existed };
    },
  };
}
