/** Alerts: the open one per series, their transitions, acknowledgement. */
import type pg from 'pg';
import type { AlertSeverity, WireAlert } from '../../shared/alerts';

type Db = pg.Pool | pg.PoolClient;

const ms = (c: string) => `(extract(epoch FROM ${c}) * 1000)::float8`;
const COLUMNS = `id, metric, entity, series_id AS "seriesId", level, ${ms('opened_at')} AS "openedAt", last_value AS "lastValue",
  ${ms('last_time')} AS "lastTime", ${ms('cleared_at')} AS "clearedAt", ${ms('acknowledged_at')} AS "acknowledgedAt",
  acknowledged_by AS "acknowledgedBy", ack_note AS note`;

const toWire = (r: Record<string, unknown>): WireAlert => ({
  id: Number(r.id),
  metric: r.metric as string,
  entity: r.entity as string,
  seriesId: r.seriesId as number,
  level: r.level as AlertSeverity,
  openedAt: Math.round(r.openedAt as number),
  lastValue: r.lastValue as number,
  lastTime: Math.round(r.lastTime as number),
  clearedAt: r.clearedAt === null ? null : Math.round(r.clearedAt as number),
  acknowledgedAt: r.acknowledgedAt === null ? null : Math.round(r.acknowledgedAt as number),
  acknowledgedBy: (r.acknowledgedBy as string | null) ?? null,
  note: (r.note as string | null) ?? null,
});

export async function openAlerts(db: Db): Promise<WireAlert[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM alert WHERE cleared_at IS NULL ORDER BY opened_at`);
  return rows.map(toWire);
}

/**
 * Open, unacknowledged alerts by id: after `afterId` and up to `upTo` (null: no upper bound), at most `limit`
 * (the watcher's bounded page; it walks them all across rounds).
 */
export async function openUnacknowledgedAlerts(db: Db, afterId: number, upTo: number | null, limit: number): Promise<WireAlert[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM alert WHERE cleared_at IS NULL AND acknowledged_at IS NULL AND id > $1 AND ($2::bigint IS NULL OR id <= $2)
      ORDER BY id LIMIT $3`,
    [afterId, upTo, limit],
  );
  return rows.map(toWire);
}

/** Open alerts and those cleared since `sinceMs`, newest first. */
export async function recentAlerts(db: Db, sinceMs: number, limit = 500): Promise<WireAlert[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM alert WHERE cleared_at IS NULL OR cleared_at >= to_timestamp($1 / 1000.0) ORDER BY opened_at DESC LIMIT $2`,
    [sinceMs, limit],
  );
  return rows.map(toWire);
}

export async function getAlert(db: Db, id: number): Promise<WireAlert | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM alert WHERE id = $1`, [id]);
  return rows[0] ? toWire(rows[0]) : null;
}

export async function insertAlert(
  db: Db,
  a: { seriesId: number; metric: string; entity: string; level: AlertSeverity; time: number; value: number },
): Promise<WireAlert> {
  const { rows } = await db.query(
    `INSERT INTO alert (series_id, metric, entity, level, opened_at, last_value, last_time)
     VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), $6, to_timestamp($5 / 1000.0)) RETURNING ${COLUMNS}`,
    [a.seriesId, a.metric, a.entity, a.level, a.time, a.value],
  );
  return toWire(rows[0]);
}

/** Moves an open alert: new latest reading, optionally a new level or cleared at that reading. */
export async function updateAlert(
  db: Db,
  id: number,
  u: { time: number; value: number; level?: AlertSeverity; clear?: boolean },
): Promise<WireAlert> {
  const { rows } = await db.query(
    `UPDATE alert SET last_time = to_timestamp($2 / 1000.0), last_value = $3, level = COALESCE($4, level),
            cleared_at = CASE WHEN $5 THEN to_timestamp($2 / 1000.0) ELSE cleared_at END
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, u.time, u.value, u.level ?? null, u.clear ?? false],
  );
  return toWire(rows[0]);
}

export async function acknowledgeAlert(db: Db, id: number, by: string, note: string): Promise<WireAlert | null> {
  const { rows } = await db.query(
    `UPDATE alert SET acknowledged_at = now(), acknowledged_by = $2, ack_note = $3 WHERE id = $1 AND acknowledged_at IS NULL RETURNING ${COLUMNS}`,
    [id, by, note],
  );
  return rows[0] ? toWire(rows[0]) : null;
}
