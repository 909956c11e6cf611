/**
 * Dig-once conflicts as a service: the check run when projects are registered (records + warnings), the list
 * the two OPDs, Bappeda and the command center see, and the coordination either OPD records (audited).
 * Returns domain results; server/projects/routes.ts maps them to HTTP.
 *
 * Who sees what: an agency sees the conflicts of its own projects (Bappeda, the planning agency, sees every
 * conflict), operators and admins every conflict. Each side passes the access rule on its own: a project the
 * caller may not read (rahasia of another OPD, terbatas not shared with it) shows only its OPD.
 */
import type pg from 'pg';
import { appendAudit } from '../../db/queries/audit';
import {
  conflictRows,
  lockConflictCheck,
  MAX_CONFLICTS_LISTED,
  markCoordinated,
  pairKey,
  projectsNearPeriod,
  recordConflicts,
  type ConflictRow,
  type OverlapProjectRow,
} from '../../db/queries/project-conflicts';
import { inTransaction } from '../../db/transaction';
import type { Principal } from '../../shared/contract';
import type { RestResponse } from '../../shared/rest';
import type { ProjectRecord } from '../../shared/schemas';
// the OPD whose agency users see every conflict (planning oversight) and the sharing matrix
import { PLANNING_OPD } from '../../shared/sharing';
import type { CatalogService } from '../catalog/service';
import { createOverlapIndex, type OverlapFinding, type OverlapRules } from './overlap';

/** Warnings an answer carries at most; the records hold them all. */
export const MAX_WARNINGS = 1_000;

type Side = RestResponse<'ProjectConflicts'>['conflicts'][number]['a'];
export type ConflictView = RestResponse<'ProjectConflict'>;
export type ProjectWarning = RestResponse<'ProjectsAccepted'>['warnings'][number];

export interface ConflictDeps {
  pool: pg.Pool;
  catalog: Pick<CatalogService, 'decide'>;
  clock: () => number;
  rules: OverlapRules;
}

export type CoordinateResult =
  | { kind: 'coordinated'; conflict: ConflictView }
  | { kind: 'not_signed_in' }
  | { kind: 'not_found' }
  | { kind: 'not_party'; opds: [string, string] }
  | { kind: 'already_coordinated' };

function sideFor(deps: Pick<ConflictDeps, 'catalog'>, who: Principal, p: OverlapProjectRow): Side {
  const visible = deps.catalog.decide(who, { code: p.id, ownerOpd: p.opd, class: p.class }, 'metric').allow;
  if (!visible)
    return {
      hidden: true,
      id: null,
      name: null,
      opd: p.opd,
      opdName: p.opdName,
      workType: null,
      contractStart: null,
      contractEnd: null,
      geometry: null,
    };
  return {
    hidden: false,
    id: p.id,
    name: p.name,
    opd: p.opd,
    opdName: p.opdName,
    workType: p.workType,
    contractStart: p.contractStart,
    contractEnd: p.contractEnd,
    geometry: p.geometry,
  };
}

/** A point of a geometry or the registered position, for the map. */
function anchorOf(p: OverlapProjectRow): [number, number] | null {
  const g = p.geometry;
  if (g?.type === 'Point') return g.coordinates as [number, number];
  if (g?.type === 'LineString') return g.coordinates[Math.floor(g.coordinates.length / 2)] as [number, number];
  if (g?.type === 'Polygon') return g.coordinates[0]![0] as [number, number];
  return p.lon !== null && p.lat !== null ? [p.lon, p.lat] : null;
}

/**
 * The figures of a pair as the caller may see them: the distance and the days between a visible project and a
 * hidden one would locate and time the hidden work (a circle of `distanceM` around the visible one, its contract
 * dates shifted by the days), so they are null as soon as either side is hidden. Pure.
 */
export function figuresFor(
  hidden: boolean,
  f: { distanceM: number | null; overlapDays: number; gapDays: number },
): { distanceM: number | null; overlapDays: number | null; gapDays: number | null } {
  return hidden ? { distanceM: null, overlapDays: null, gapDays: null } : { distanceM: f.distanceM, overlapDays: f.overlapDays, gapDays: f.gapDays };
}

function toView(deps: Pick<ConflictDeps, 'catalog'>, who: Principal, r: ConflictRow): ConflictView {
  const a = sideFor(deps, who, r.a);
  const b = sideFor(deps, who, r.b);
  const at = (!a.hidden && anchorOf(r.a)) || (!b.hidden && anchorOf(r.b)) || null;
  return {
    id: r.id,
    status: r.status,
    rule: r.rule,
    ...figuresFor(a.hidden || b.hidden, r),
    note: r.note,
    coordinatedBy: r.coordinatedBy,
    coordinatedAt: r.coordinatedAt,
    detectedAt: r.detectedAt,
    lon: at ? at[0] : null,
    lat: at ? at[1] : null,
    a,
    b,
  };
}

/** Which conflicts a caller lists: null = every one; a code = those of that OPD's projects; undefined = none. */
function scopeOf(who: Principal): string | null | undefined {
  switch (who.role) {
    case 'admin':
    case 'operator':
      return null;
    case 'agency':
      return who.opd === PLANNING_OPD ? null : who.opd;
    case 'public':
      return undefined;
  }
}

export function createConflictService(deps: ConflictDeps) {
  return {
    /**
     * Runs the dig-once check for projects just written (inside the registration's transaction, so the records
     * commit with the projects), records the conflicts and answers the warnings the registering OPD may see.
     */
    async checkBatch(client: pg.PoolClient, opd: string, projects: readonly ProjectRecord[], now: number) {
      if (projects.length === 0) return { warnings: [], omitted: 0 };
      const from = projects.reduce((m, p) => (p.contractStart < m ? p.contractStart : m), projects[0]!.contractStart);
      const to = projects.reduce((m, p) => (p.contractEnd > m ? p.contractEnd : m), projects[0]!.contractEnd);
      await lockConflictCheck(client);
      const candidates = await projectsNearPeriod(client, from, to, deps.rules.windowMonths);
      const byId = new Map(candidates.map((p) => [p.id, p]));
      const index = createOverlapIndex(candidates, deps.rules);
      const found: { project: string; finding: OverlapFinding<OverlapProjectRow> }[] = [];
      for (const id of new Set(projects.map((p) => p.id))) {
        const self = byId.get(id);
        if (self) for (const finding of index.find(self)) found.push({ project: id, finding });
      }
      const ids = await recordConflicts(
        client,
        projects.map((p) => p.id),
        found.map(({ project, finding: f }) => ({
          a: project,
          b: f.other.id,
          rule: f.rule,
          distanceM: f.distanceM,
          overlapDays: f.overlapDays,
          gapDays: f.gapDays,
        })),
        now,
      );
      const who: Principal = { role: 'agency', opd, tokenId: 0 };
      const warnings: ProjectWarning[] = found.slice(0, MAX_WARNINGS).map(({ project, finding: f }) => {
        const other = sideFor(deps, who, f.other);
        return { project, conflictId: ids.get(pairKey(project, f.other.id))!, other, rule: f.rule, ...figuresFor(other.hidden, f) };
      });
      return { warnings, omitted: found.length - warnings.length };
    },

    /** The conflicts `who` may list (null: not signed in), newest first. */
    async list(who: Principal): Promise<ConflictView[] | null> {
      const scope = scopeOf(who);
      if (scope === undefined) return null;
      return (await conflictRows(deps.pool, { opd: scope })).map((r) => toView(deps, who, r));
    },

    /**
     * Open conflicts `who` may list that were detected more than `days` days ago, oldest first (what the scorecard
     * lists as unresolved); null when not signed in. Past the list's cap the OLDEST are kept (they are the ones
     * the scorecard is about) and `truncated` says so.
     */
    async unresolved(who: Principal, days: number): Promise<{ detectedBefore: number; conflicts: ConflictView[]; truncated: boolean } | null> {
      const scope = scopeOf(who);
      if (scope === undefined) return null;
      const detectedBefore = deps.clock() - days * 86_400_000;
      const rows = await conflictRows(deps.pool, { opd: scope, openBefore: detectedBefore, oldestFirst: true, limit: MAX_CONFLICTS_LISTED + 1 });
      const truncated = rows.length > MAX_CONFLICTS_LISTED;
      return { detectedBefore, conflicts: rows.slice(0, MAX_CONFLICTS_LISTED).map((r) => toView(deps, who, r)), truncated };
    },

    /** Either OPD of the pair marks the conflict coordinated (dikoordinasikan) with a note; audited. */
    async coordinate(who: Principal, id: number, note: string, source: string | null): Promise<CoordinateResult> {
      if (who.role === 'public') return { kind: 'not_signed_in' };
      const scope = scopeOf(who);
      const [row] = await conflictRows(deps.pool, { opd: scope ?? null, id });
      if (!row) return { kind: 'not_found' };
      if (who.role !== 'agency' || (who.opd !== row.a.opd && who.opd !== row.b.opd)) return { kind: 'not_party', opds: [row.a.opd, row.b.opd] };
      const actor = `${who.user ?? `token:${who.tokenId}`}@${who.opd}`;
      const now = deps.clock();
      const done = await inTransaction(deps.pool, async (client) => {
        if (!(await markCoordinated(client, id, note, actor, now))) return false;
        await appendAudit(
          client,
          [
            {
              actor,
              action: 'project.conflict_coordinated',
              target: `project_conflict:${id}`,
              detail: { note, projects: [row.a.id, row.b.id] },
              source,
            },
          ],
          now,
        );
        return true;
      });
      if (!done) return { kind: 'already_coordinated' };
      const [after] = await conflictRows(deps.pool, { opd: null, id });
      return { kind: 'coordinated', conflict: toView(deps, who, after!) };
    },
  };
}

export type ConflictService = ReturnType<typeof createConflictService>;
