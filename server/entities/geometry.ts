/**
 * Registered entity geometry held in memory, so a snapshot or a live delta adds a series' line without a
 * query. Reloaded when POST /api/v1/entities writes in this process, and re-checked every few seconds (one
 * count/max query) so a registration made through another server process is picked up too.
 */
import type pg from 'pg';
import type { SeriesMeta } from '../../shared/catalog';
import { entityGeometryVersion, loadEntityGeometry, loadProjectNames } from '../../db/queries/entities';

export const GEOMETRY_REFRESH_MS = 30_000;

export interface GeometryCache {
  /** The line the OPD registered for the entity, if any. */
  pathOf(opd: string, entity: string): [number, number][] | undefined;
  /**
   * The series meta with `path` and `name` when its metric's owner OPD registered them (a project's name comes
   * from the project registry); else the meta itself.
   */
  withPath<T extends SeriesMeta>(meta: T, ownerOpd: string | undefined): T;
  /** Re-reads every geometry (after a write). */
  reload(): Promise<void>;
  close(): void;
}

const keyOf = (opd: string, entity: string) => `${opd}\u0000${entity}`;

export async function createGeometryCache(pool: pg.Pool, refreshMs = GEOMETRY_REFRESH_MS): Promise<GeometryCache> {
  let paths = new Map<string, [number, number][]>();
  let names = new Map<string, string>();
  let projectNames = new Map<string, string>();
  let version = '';
  const reload = async () => {
    // the fingerprint first: a write landing between the reads is then picked up by the next check
    const v = await entityGeometryVersion(pool);
    const rows = await loadEntityGeometry(pool);
    const projects = await loadProjectNames(pool);
    paths = new Map(rows.flatMap((r) => (r.path ? [[keyOf(r.opd, r.entity), r.path] as const] : [])));
    names = new Map(rows.flatMap((r) => (r.name ? [[keyOf(r.opd, r.entity), r.name] as const] : [])));
    projectNames = new Map(projects.map((p) => [p.id, p.name]));
    version = v;
  };
  await reload();
  const timer = setInterval(() => {
    entityGeometryVersion(pool)
      .then(
        (v) => (v === version ? undefined : reload()),
        () => {}, // the database is away; keep the last known geometry
      )
      .catch(() => {});
  }, refreshMs);
  timer.unref();

  const pathOf = (opd: string, entity: string) => paths.get(keyOf(opd, entity));
  return {
    pathOf,
    withPath(meta, ownerOpd) {
      const path = ownerOpd === undefined ? undefined : pathOf(ownerOpd, meta.entity);
      const name = (ownerOpd === undefined ? undefined : names.get(keyOf(ownerOpd, meta.entity))) ?? projectNames.get(meta.entity);
      return path || name ? { ...meta, ...(path ? { path } : {}), ...(name ? { name } : {}) } : meta;
    },
    reload,
    close: () => clearInterval(timer),
  };
}
