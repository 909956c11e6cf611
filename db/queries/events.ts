/** Events (complaints, flood reports, milestones) with their status history; bulk writes. */
import type pg from 'pg';
import type { WireEvent } from '../../shared/contract';

type Db = pg.Pool | pg.PoolClient;

/** One status change of one event; time in epoch ms; closed tells whether the status ends the event. */
export interface EventChange {
  kind: string;
  id: string;
  status: string;
  t: number;
  closed: boolean;
  category: string | null;
  region: string | null;
  lon: number | null;
  lat: number | null;
  title: string | null;
}

/**
 * Records status changes idempotently. The event row keeps its newest status (a late, older change
 * only enters the history); the history keeps every distinct (status, time).
 * Returns the events whose current state changed (for the live stream) and the status changes that were new
 * to the history (for the audit log).
 */
export async function writeEventChanges(
  db: Db,
  changes: readonly EventChange[],
): Promise<{ changed: WireEvent[]; recorded: { kind: string; id: string; status: string; t: number }[] }> {
  if (changes.length === 0) return { changed: [], recorded: [] };
  // One row per event for the upsert: its newest change, opened at its oldest.
  const newest = new Map<string, EventChange & { opened: number }>();
  for (const c of changes) {
    const key = `${c.kind}\u0000${c.id}`;
    const prev = newest.get(key);
    if (!prev) newest.set(key, { ...c, opened: c.t });
    else {
      const opened = Math.min(prev.opened, c.t);
      newest.set(key, c.t >= prev.t ? { ...mergeAttrs(c, prev), opened } : { ...prev, opened });
    }
  }
  const rows = [...newest.values()];
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  const { rows: changed } = await db.query(
    `INSERT INTO event AS e (kind, id, status, time, opened_at, closed_at, category, region_code, lon, lat, title)
     SELECT kind, id, status, to_timestamp(t / 1000.0), to_timestamp(opened / 1000.0),
            CASE WHEN closed THEN to_timestamp(t / 1000.0) END, category, region, lon, lat, title
       FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::bool[], $7::text[], $8::text[],
                   $9::float8[], $10::float8[], $11::text[])
            AS u(kind, id, status, t, opened, closed, category, region, lon, lat, title)
     ON CONFLICT (kind, id) DO UPDATE SET
       status = CASE WHEN EXCLUDED.time >= e.time THEN EXCLUDED.status ELSE e.status END,
       time = GREATEST(e.time, EXCLUDED.time),
       closed_at = CASE WHEN EXCLUDED.time >= e.time THEN EXCLUDED.closed_at ELSE e.closed_at END,
       opened_at = LEAST(e.opened_at, EXCLUDED.opened_at),
       category = COALESCE(EXCLUDED.category, e.category),
       region_code = COALESCE(EXCLUDED.region_code, e.region_code),
       lon = COALESCE(EXCLUDED.lon, e.lon),
       lat = COALESCE(EXCLUDED.lat, e.lat),
       title = COALESCE(EXCLUDED.title, e.title)
     WHERE (EXCLUDED.time > e.time AND EXCLUDED.status IS DISTINCT FROM e.status)
        OR EXCLUDED.opened_at < e.opened_at
        OR (EXCLUDED.time = e.time AND EXCLUDED.status IS DISTINCT FROM e.status)
        OR (EXCLUDED.category IS NOT NULL AND EXCLUDED.category IS DISTINCT FROM e.category)
        OR (EXCLUDED.region_code IS NOT NULL AND EXCLUDED.region_code IS DISTINCT FROM e.region_code)
     RETURNING kind, id, status, (extract(epoch FROM time) * 1000)::float8 AS t, category, region_code AS region, lon, lat`,
    [
      col((r) => r.kind),
      col((r) => r.id),
      col((r) => r.status),
      col((r) => r.t),
      col((r) => r.opened),
      col((r) => r.closed),
      col((r) => r.category),
      col((r) => r.region),
      col((r) => r.lon),
      col((r) => r.lat),
      col((r) => r.title),
    ],
  );
  const { rows: recorded } = await db.query<{ kind: string; id: string; status: string; t: number }>(
    `INSERT INTO event_status (kind, id, status, time)
     SELECT kind, id, status, to_timestamp(t / 1000.0) FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS u(kind, id, status, t)
     ON CONFLICT DO NOTHING
     RETURNING kind, id, status, (extract(epoch FROM time) * 1000)::float8 AS t`,
    [changes.map((c) => c.kind), changes.map((c) => c.id), changes.map((c) => c.status), changes.map((c) => c.t)],
  );
  return { changed: changed.map(toWire), recorded: recorded.map((r) => ({ ...r, t: Math.round(r.t) })) };
}

function mergeAttrs(newer: EventChange, older: EventChange): EventChange {
  return {
    ...newer,
    category: newer.category ?? older.category,
    region: newer.region ?? older.region,
    lon: newer.lon ?? older.lon,
    lat: newer.lat ?? older.lat,
    title: newer.title ?? older.title,
  };
}

function toWire(r: Record<string, unknown>): WireEvent {
  return {
    kind: r.kind as string,
    id: r.id as string,
    status: r.status as string,
    t: Math.round(r.t as number),
    category: (r.category as string | null) ?? null,
    region: (r.region as string | null) ?? null,
    lon: (r.lon as number | null) ?? null,
    lat: (r.lat as number | null) ?? null,
  };
}

/** Open events of a kind, newest first, and counts of all events by current status. */
export async function openEvents(db: Db, kind: string, limit: number): Promise<{ open: WireEvent[]; countsByStatus: Record<string, number> }> {
  const [open, counts] = await Promise.all([
    db.query(
      `SELECT kind, id, status, (extract(epoch FROM time) * 1000)::float8 AS t, category, region_code AS region, lon, lat
         FROM event WHERE kind = $1 AND closed_at IS NULL ORDER BY time DESC LIMIT $2`,
      [kind, limit],
    ),
    db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM event WHERE kind = $1 GROUP BY status`, [kind]),
  ]);
  return { open: open.rows.map(toWire), countsByStatus: Object.fromEntries(counts.rows.map((r) => [r.status, r.n])) };
}
