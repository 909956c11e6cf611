/**
 * Dig-once conflicts (migration 050): the projects a check compares against, the conflict records (one row per
 * pair, project_a < project_b) and their coordination by either OPD.
 */
import type pg from 'pg';
import type { DataClass } from '../../shared/catalog';
import type { ConflictRule, ConflictStatus, ProjectGeometry } from '../../shared/works';

type Db = Pick<pg.Pool, 'query'>;

/** A project as the overlap check and the conflict views need it. */
export interface OverlapProjectRow {
  id: string;
  name: string;
  opd: string;
  opdName: string;
  region: string | null;
  geometry: ProjectGeometry | null;
  lon: number | null;
  lat: number | null;
  workType: string | null;
  contractStart: string;
  contractEnd: string;
  class: DataClass;
}

/** A project registered with lon/lat but no geometry counts as that point. */
const geometryOf = (p: string) =>
  `COALESCE(${p}.geometry, CASE WHEN ${p}.lon IS NOT NULL THEN jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(${p}.lon, ${p}.lat)) END)`;

const PROJECT_COLUMNS = `p.id, p.name, p.opd_code AS opd, o.name AS "opdName", p.region_code AS region, ${geometryOf('p')} AS geometry, p.lon, p.lat,
  p.work_type AS "workType", to_char(p.contract_start, 'YYYY-MM-DD') AS "contractStart",
  to_char(p.contract_end, 'YYYY-MM-DD') AS "contractEnd", p.class::text AS class`;

/**
 * Every project whose period reaches into [from − window, to + window]: the only ones a batch spanning
 * from..to can conflict with in time (the spatial pre-filter is the in-memory grid of server/projects/overlap.ts).
 */
export async function projectsNearPeriod(db: Db, from: string, to: string, windowMonths: number): Promise<OverlapProjectRow[]> {
  const { rows } = await db.query<OverlapProjectRow>(
    `SELECT ${PROJECT_COLUMNS} FROM project p JOIN opd o ON o.code = p.opd_code
      WHERE p.contract_end >= $1::date - make_interval(months => $3) AND p.contract_start <= $2::date + make_interval(months => $3)`,
    [from, to, windowMonths],
  );
  return rows;
}

const CHECK_LOCK_ID = 0x5e1c0f11;

/**
 * Serializes dig-once checks until the transaction ends: two OPDs registering at once would otherwise each
 * compare against a snapshot without the other's new project, and the pair would never be found. (READ
 * COMMITTED: the check's next statement sees what the previous holder committed.)
 */
export async function lockConflictCheck(db: Db): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [CHECK_LOCK_ID]);
}

export interface ConflictFact {
  a: string;
  b: string;
  rule: ConflictRule;
  distanceM: number | null;
  overlapDays: number;
  gapDays: number;
}

/**
 * Records the conflicts found for `projectIds` (new pairs inserted, known pairs' figures updated, their status
 * and note kept) and drops open conflicts of those projects that no longer hold (a project moved or was
 * rescheduled). Coordinated ones stay as the record of the agreement. Returns the id of each pair.
 */
export async function recordConflicts(
  db: Db,
  projectIds: readonly string[],
  facts: readonly ConflictFact[],
  now: number,
): Promise<Map<string, number>> {
  const pairs = facts.map((f) => (f.a < f.b ? f : { ...f, a: f.b, b: f.a }));
  const ids = new Map<string, number>();
  if (pairs.length) {
    const { rows } = await db.query<{ id: string; a: string; b: string }>(
      `INSERT INTO project_conflict AS c (project_a, project_b, rule, distance_m, overlap_days, gap_days, detected_at, updated_at)
       SELECT DISTINCT ON (a, b) a, b, rule, distance_m, overlap_days, gap_days, to_timestamp($2 / 1000.0), to_timestamp($2 / 1000.0)
         FROM jsonb_to_recordset($1::jsonb) AS r(a text, b text, rule text, distance_m float8, overlap_days int, gap_days int)
       ON CONFLICT (project_a, project_b) DO UPDATE SET rule = EXCLUDED.rule, distance_m = EXCLUDED.distance_m,
         overlap_days = EXCLUDED.overlap_days, gap_days = EXCLUDED.gap_days, updated_at = EXCLUDED.updated_at
       RETURNING id::text, project_a AS a, project_b AS b`,
      [
        JSON.stringify(
          pairs.map((f) => ({ a: f.a, b: f.b, rule: f.rule, distance_m: f.distanceM, overlap_days: f.overlapDays, gap_days: f.gapDays })),
        ),
        now,
      ],
    );
    for (const r of rows) ids.set(`${r.a}\u0000${r.b}`, Number(r.id));
  }
  await db.query(
    `DELETE FROM project_conflict c
      WHERE c.status = 'terbuka' AND (c.project_a = ANY($1::text[]) OR c.project_b = ANY($1::text[]))
        AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS k(a text, b text) WHERE k.a = c.project_a AND k.b = c.project_b)`,
    [projectIds, JSON.stringify(pairs.map((f) => ({ a: f.a, b: f.b })))],
  );
  return ids;
}

export const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

export interface ConflictRow {
  id: number;
  status: ConflictStatus;
  rule: ConflictRule;
  distanceM: number | null;
  overlapDays: number;
  gapDays: number;
  note: string | null;
  coordinatedBy: string | null;
  coordinatedAt: number | null;
  detectedAt: number;
  a: OverlapProjectRow;
  b: OverlapProjectRow;
}

const side = (alias: string) => `json_build_object('id', ${alias}.id, 'name', ${alias}.name, 'opd', ${alias}.opd_code, 'opdName', o${alias}.name,
  'region', ${alias}.region_code, 'geometry', ${geometryOf(alias)}, 'lon', ${alias}.lon, 'lat', ${alias}.lat, 'workType', ${alias}.work_type,
  'contractStart', to_char(${alias}.contract_start, 'YYYY-MM-DD'), 'contractEnd', to_char(${alias}.contract_end, 'YYYY-MM-DD'),
  'class', ${alias}.class::text)`;

/** At most this many conflicts per list (newest first); a city has tens, not thousands. */
export const MAX_CONFLICTS_LISTED = 2_000;

/**
 * Conflicts involving a project of `opd` (every conflict when `opd` is null), newest first (`oldestFirst`: oldest
 * first, so a cap keeps the oldest); or the one with `id`; with `openBefore`, only open (terbuka) ones detected
 * before that moment (epoch ms). At most `limit` (default MAX_CONFLICTS_LISTED) rows.
 */
export async function conflictRows(
  db: Db,
  filter: { opd: string | null; id?: number; openBefore?: number; oldestFirst?: boolean; limit?: number },
): Promise<ConflictRow[]> {
  const order = filter.oldestFirst ? 'ASC' : 'DESC';
  const { rows } = await db.query<ConflictRow>(
    `SELECT c.id::int AS id, c.status, c.rule, c.distance_m AS "distanceM", c.overlap_days AS "overlapDays", c.gap_days AS "gapDays",
            c.note, c.coordinated_by AS "coordinatedBy",
            (extract(epoch FROM c.coordinated_at) * 1000)::float8 AS "coordinatedAt",
            (extract(epoch FROM c.detected_at) * 1000)::float8 AS "detectedAt",
            ${side('pa')} AS a, ${side('pb')} AS b
       FROM project_conflict c
       JOIN project pa ON pa.id = c.project_a JOIN opd opa ON opa.code = pa.opd_code
       JOIN project pb ON pb.id = c.project_b JOIN opd opb ON opb.code = pb.opd_code
      WHERE ($1::text IS NULL OR pa.opd_code = $1 OR pb.opd_code = $1) AND ($2::bigint IS NULL OR c.id = $2)
        AND ($3::float8 IS NULL OR (c.status = 'terbuka' AND c.detected_at < to_timestamp($3::float8 / 1000.0)))
      ORDER BY c.detected_at ${order}, c.id ${order}
      LIMIT $4`,
    [filter.opd, filter.id ?? null, filter.openBefore ?? null, filter.limit ?? MAX_CONFLICTS_LISTED],
  );
  return rows.map((r) => ({
    ...r,
    coordinatedAt: r.coordinatedAt === null ? null : Math.round(r.coordinatedAt),
    detectedAt: Math.round(r.detectedAt),
  }));
}

/** Marks a conflict coordinated with a note; false when it is already coordinated (or gone). */
export async function markCoordinated(db: Db, id: number, note: string, by: string, now: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE project_conflict SET status = 'dikoordinasikan', note = $2, coordinated_by = $3,
            coordinated_at = to_timestamp($4 / 1000.0), updated_at = to_timestamp($4 / 1000.0)
      WHERE id = $1 AND status = 'terbuka'`,
    [id, note, by, now],
  );
  return (rowCount ?? 0) > 0;
}
