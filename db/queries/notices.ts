/**
 * Public notices in PostgreSQL (migration 070): times are epoch milliseconds in and out; writes take a client
 * inside the caller's transaction (the change and its audit entry commit together).
 */
import type pg from 'pg';
import type { NoticeGeometry, NoticeKind, NoticeSeverity, WireNotice } from '../../shared/notices';

type Db = pg.Pool | pg.PoolClient;

const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
const COLUMNS = `id::int AS id, kind, severity, headline, description, instruction, regions, geometry, opd,
  ${ms('valid_from')} AS "validFrom", ${ms('valid_until')} AS "validUntil", ${ms('created_at')} AS "createdAt",
  ${ms('updated_at')} AS "updatedAt", ${ms('withdrawn_at')} AS "withdrawnAt", version`;

export interface NoticeRow extends WireNotice {
  createdBy: string;
}

interface Raw extends Omit<NoticeRow, 'createdBy'> {
  created_by?: string;
}

const toRow = (r: Raw & { createdBy: string }): NoticeRow => ({
  id: Number(r.id),
  kind: r.kind,
  severity: r.severity,
  headline: r.headline,
  description: r.description,
  instruction: r.instruction ?? null,
  regions: r.regions ?? [],
  geometry: (r.geometry as NoticeGeometry | null) ?? null,
  opd: r.opd ?? null,
  validFrom: Math.round(r.validFrom),
  validUntil: Math.round(r.validUntil),
  createdAt: Math.round(r.createdAt),
  updatedAt: Math.round(r.updatedAt),
  withdrawnAt: r.withdrawnAt === null ? null : Math.round(r.withdrawnAt),
  version: r.version,
  createdBy: r.createdBy,
});

const SELECT = `SELECT ${COLUMNS}, created_by AS "createdBy" FROM public_notice`;

export interface NoticeContent {
  kind: NoticeKind;
  severity: NoticeSeverity;
  headline: string;
  description: string;
  instruction: string | null;
  regions: readonly string[];
  geometry: NoticeGeometry | null;
  validFrom: number;
  validUntil: number;
}

export async function insertNotice(db: Db, n: NoticeContent & { opd: string | null; createdBy: string; now: number }): Promise<NoticeRow> {
  const { rows } = await db.query(
    `INSERT INTO public_notice (kind, severity, headline, description, instruction, regions, geometry, opd, valid_from, valid_until, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9 / 1000.0), to_timestamp($10 / 1000.0), $11, to_timestamp($12 / 1000.0), to_timestamp($12 / 1000.0))
     RETURNING ${COLUMNS}, created_by AS "createdBy"`,
    [
      n.kind,
      n.severity,
      n.headline,
      n.description,
      n.instruction,
      [...n.regions],
      n.geometry ? JSON.stringify(n.geometry) : null,
      n.opd,
      n.validFrom,
      n.validUntil,
      n.createdBy,
      n.now,
    ],
  );
  return toRow(rows[0]);
}

export async function getNotice(db: Db, id: number, opts: { forUpdate?: boolean } = {}): Promise<NoticeRow | null> {
  const { rows } = await db.query(`${SELECT} WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function updateNotice(db: Db, id: number, n: NoticeContent, now: number): Promise<NoticeRow> {
  const { rows } = await db.query(
    `UPDATE public_notice SET kind = $2, severity = $3, headline = $4, description = $5, instruction = $6, regions = $7, geometry = $8,
       valid_from = to_timestamp($9 / 1000.0), valid_until = to_timestamp($10 / 1000.0), updated_at = to_timestamp($11 / 1000.0), version = version + 1
     WHERE id = $1 RETURNING ${COLUMNS}, created_by AS "createdBy"`,
    [
      id,
      n.kind,
      n.severity,
      n.headline,
      n.description,
      n.instruction,
      [...n.regions],
      n.geometry ? JSON.stringify(n.geometry) : null,
      n.validFrom,
      n.validUntil,
      now,
    ],
  );
  return toRow(rows[0]);
}

export async function withdrawNotice(db: Db, id: number, now: number): Promise<NoticeRow> {
  const { rows } = await db.query(
    `UPDATE public_notice SET withdrawn_at = to_timestamp($2 / 1000.0), updated_at = to_timestamp($2 / 1000.0), version = version + 1
     WHERE id = $1 RETURNING ${COLUMNS}, created_by AS "createdBy"`,
    [id, now],
  );
  return toRow(rows[0]);
}

/** Notices not withdrawn whose window has not ended at `now` (in force, or announced for later), soonest ending first. */
export async function currentNotices(db: Db, now: number, limit = 200): Promise<NoticeRow[]> {
  const { rows } = await db.query(
    `${SELECT} WHERE withdrawn_at IS NULL AND valid_until > to_timestamp($1 / 1000.0) ORDER BY valid_from DESC, id DESC LIMIT $2`,
    [now, limit],
  );
  return rows.map(toRow);
}

/** Every notice whose window ended less than `days` ago or has not ended (withdrawn ones too), newest first. */
export async function noticeHistory(db: Db, now: number, days: number, limit = 1000): Promise<NoticeRow[]> {
  const { rows } = await db.query(
    `${SELECT} WHERE COALESCE(LEAST(withdrawn_at, valid_until), valid_until) > to_timestamp($1 / 1000.0) - make_interval(days => $2)
       ORDER BY created_at DESC, id DESC LIMIT $3`,
    [now, days, limit],
  );
  return rows.map(toRow);
}

/**
 * How many notices of `opd` (null: city-wide) are current at `now`; takes a transaction-scoped advisory lock on
 * that OPD first, so two publications racing for the last free place cannot both take it.
 */
export async function lockAndCountCurrent(db: Db, opd: string | null, now: number): Promise<number> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('public_notice:' || COALESCE($1::text, '')))`, [opd]);
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM public_notice
      WHERE opd IS NOT DISTINCT FROM $1 AND withdrawn_at IS NULL AND valid_until > to_timestamp($2 / 1000.0)`,
    [opd, now],
  );
  return rows[0]!.n;
}

/** Removes notices that ended more than `days` ago; returns how many. */
export async function purgeNotices(db: Db, now: number, days: number): Promise<number> {
  const r = await db.query(
    `DELETE FROM public_notice WHERE COALESCE(LEAST(withdrawn_at, valid_until), valid_until) <= to_timestamp($1 / 1000.0) - make_interval(days => $2)`,
    [now, days],
  );
  return r.rowCount ?? 0;
}

/** Names and outer boundary rings of kelurahan (for a CAP area); codes without a boundary give a name only. */
export async function regionOutlines(db: Db, codes: readonly string[]): Promise<{ code: string; name: string; ring: [number, number][] | null }[]> {
  if (codes.length === 0) return [];
  const { rows } = await db.query(`SELECT code, name, boundary FROM region WHERE code = ANY($1::text[]) ORDER BY code`, [[...codes]]);
  return rows.map((r) => {
    const b = r.boundary as { type?: string; coordinates?: unknown } | null;
    const ring =
      b?.type === 'Polygon'
        ? ((b.coordinates as [number, number][][])[0] ?? null)
        : b?.type === 'MultiPolygon'
          ? ((b.coordinates as [number, number][][][])[0]?.[0] ?? null)
          : null;
    return { code: r.code, name: r.name, ring };
  });
}
