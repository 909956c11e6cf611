/** Events (complaints, flood reports, milestones) with their status history; bulk writes. */
import type pg from 'pg';
import type { WireEvent } from '../../shared/contract';
import { foldEventChanges, visiblyChanged, type EventChangeIn, type EventState } from '../../shared/event-order';

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

/** A status's place in its kind's lifecycle (the catalog's `statuses` order); the tiebreak at equal times. */
export type StatusRank = (kind: string, status: string) => number;

/**
 * Records status changes idempotently. The history keeps every distinct (status, time); the event row is the
 * newest change of that history by the rule of shared/event-order.ts (time, then lifecycle rank), however late
 * or often changes arrive. Existing rows are locked (FOR UPDATE) while they are folded, so concurrent batches
 * for one event serialise. Returns the events whose visible state changed (for the live stream) and the status
 * changes that were new to the history (for the audit log).
 */
export async function writeEventChanges(
  db: Db,
  changes: readonly EventChange[],
  rankOf: StatusRank = () => 0,
): Promise<{ changed: WireEvent[]; recorded: { kind: string; id: string; status: string; t: number }[] }> {
  if (changes.length === 0) return { changed: [], recorded: [] };
  const groups = new Map<string, { kind: string; id: string; changes: EventChangeIn[] }>();
  for (const c of changes) {
    const key = `${c.kind}\u0000${c.id}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: c.kind, id: c.id, changes: [] }));
    g.changes.push({ ...c, rank: rankOf(c.kind, c.status) });
  }
  // a fixed order of rows, so two batches touching the same events lock them in the same order (no deadlock)
  const list = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  // New events: inserted from their own changes; a concurrent insert of the same event makes this one wait, then skip.
  const fresh = list.map((g) => ({ g, state: foldEventChanges(null, g.changes)! }));
  const { rows: created } = await db.query<{ kind: string; id: string }>(
    `${UPSERT_COLUMNS} ON CONFLICT (kind, id) DO NOTHING RETURNING kind, id`,
    stateParams(fresh),
  );
  const createdKeys = new Set(created.map((r) => `${r.kind}\u0000${r.id}`));
  const written: { g: (typeof list)[number]; state: EventState }[] = fresh.filter((f) => createdKeys.has(`${f.g.kind}\u0000${f.g.id}`));
  const existing = list.filter((g) => !createdKeys.has(`${g.kind}\u0000${g.id}`));
  if (existing.length) {
    const { rows } = await db.query(
      `SELECT kind, id, status, ${ms('time')} AS t, ${ms('opened_at')} AS opened, closed_at IS NOT NULL AS closed, category,
              region_code AS region, lon, lat, title, ${ms('COALESCE(attrs_at, time)')} AS "attrsAt"
         FROM event WHERE (kind, id) IN (SELECT * FROM unnest($1::text[], $2::text[])) FOR UPDATE`,
      [existing.map((g) => g.kind), existing.map((g) => g.id)],
    );
    const current = new Map<string, EventState>();
    for (const r of rows) {
      current.set(`${r.kind}\u0000${r.id}`, {
        status: r.status,
        t: Math.round(r.t),
        rank: rankOf(r.kind, r.status),
        closed: r.closed,
        opened: Math.round(r.opened),
        category: r.category,
        region: r.region,
        lon: r.lon,
        lat: r.lat,
        title: r.title,
        attrsAt: Math.round(r.attrsAt),
      });
    }
    const updates: { g: (typeof list)[number]; state: EventState }[] = [];
    for (const g of existing) {
      const before = current.get(`${g.kind}\u0000${g.id}`) ?? null;
      const after = foldEventChanges(before, g.changes)!;
      if (!before || JSON.stringify(before) !== JSON.stringify(after)) updates.push({ g, state: after });
      if (visiblyChanged(before, after)) written.push({ g, state: after });
    }
    if (updates.length) {
      await db.query(
        `${UPSERT_COLUMNS} ON CONFLICT (kind, id) DO UPDATE SET status = EXCLUDED.status, time = EXCLUDED.time,
           opened_at = EXCLUDED.opened_at, closed_at = EXCLUDED.closed_at, category = EXCLUDED.category,
           region_code = EXCLUDED.region_code, lon = EXCLUDED.lon, lat = EXCLUDED.lat, title = EXCLUDED.title, attrs_at = EXCLUDED.attrs_at`,
        stateParams(updates),
      );
    }
  }
  const { rows: recorded } = await db.query<{ kind: string; id: string; status: string; t: number }>(
    `INSERT INTO event_status (kind, id, status, time)
     SELECT kind, id, status, to_timestamp(t / 1000.0) FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS u(kind, id, status, t)
     ON CONFLICT DO NOTHING
     RETURNING kind, id, status, (extract(epoch FROM time) * 1000)::float8 AS t`,
    [changes.map((c) => c.kind), changes.map((c) => c.id), changes.map((c) => c.status), changes.map((c) => c.t)],
  );
  const changed: WireEvent[] = written.map(({ g, state }) => ({
    kind: g.kind,
    id: g.id,
    status: state.status,
    t: state.t,
    category: state.category,
    region: state.region,
    lon: state.lon,
    lat: state.lat,
  }));
  return { changed, recorded: recorded.map((r) => ({ ...r, t: Math.round(r.t) })) };
}

const ms = (c: string) => `(extract(epoch FROM ${c}) * 1000)::float8`;

const UPSERT_COLUMNS = `INSERT INTO event AS e (kind, id, status, time, opened_at, closed_at, category, region_code, lon, lat, title, attrs_at)
     SELECT kind, id, status, to_timestamp(t / 1000.0), to_timestamp(opened / 1000.0),
            CASE WHEN closed THEN to_timestamp(t / 1000.0) END, category, region, lon, lat, title, to_timestamp(attrs_at / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::bool[], $7::text[], $8::text[],
                   $9::float8[], $10::float8[], $11::text[], $12::float8[])
            AS u(kind, id, status, t, opened, closed, category, region, lon, lat, title, attrs_at)`;

function stateParams(rows: readonly { g: { kind: string; id: string }; state: EventState }[]): unknown[] {
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  return [
    col((r) => r.g.kind),
    col((r) => r.g.id),
    col((r) => r.state.status),
    col((r) => r.state.t),
    col((r) => r.state.opened),
    col((r) => r.state.closed),
    col((r) => r.state.category),
    col((r) => r.state.region),
    col((r) => r.state.lon),
    col((r) => r.state.lat),
    col((r) => r.state.title),
    col((r) => r.state.attrsAt),
  ];
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
/** `territory`: only the events located in this region (a Kemendagri code prefix; a territorial role's reach). */
export async function openEvents(
  db: Db,
  kind: string,
  limit: number,
  territory?: string,
): Promise<{ open: WireEvent[]; countsByStatus: Record<string, number> }> {
  // with its leading space, so the statement without a territory reads as it always did
  const where = territory === undefined ? '' : ` AND (region_code = $3 OR region_code LIKE $3 || '.%')`;
  const t = territory === undefined ? [] : [territory];
  const [open, counts] = await Promise.all([
    db.query(
      `SELECT kind, id, status, (extract(epoch FROM time) * 1000)::float8 AS t, category, region_code AS region, lon, lat
         FROM event WHERE kind = $1 AND closed_at IS NULL${where} ORDER BY time DESC LIMIT $2`,
      [kind, limit, ...t],
    ),
    db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM event WHERE kind = $1${where.replaceAll('$3', '$2')} GROUP BY status`,
      [kind, ...t],
    ),
  ]);
  return { open: open.rows.map(toWire), countsByStatus: Object.fromEntries(counts.rows.map((r) => [r.status, r.n])) };
}
