/**
 * Follow your complaint (issue 21): look a ticket up, rate it once, publish ratings at or above k.
 *
 * A ticket is the id the complaint channel gave the citizen: the event id as stored (a LAPOR! id such as
 * `LPR-20261206-0042`, the city's own) or, for Open311 sources, the `service_request_id` the ingest mapping
 * stores as `o311-<id>` (ingest/sources/open311.ts) — both are tried, the exact id first. Only kinds of the
 * complaints domain are looked at, and never rahasia ones.
 *
 * The rating's "once" is the primary key of complaint_rating; "belum selesai" reopens the work for the
 * handling OPD as an incident in the same transaction (server/incidents/citizen.ts), published on the
 * incidents channel after the commit.
 */
import type pg from 'pg';
import { appendAudit } from '../../db/queries/audit';
import { inTransaction } from '../../db/transaction';
import type { PublicTicket } from '../../shared/tickets';
import type { IncidentChannel } from '../incidents/channel';
import { CITIZEN_ACTOR, reopenComplaintForCitizen } from '../incidents/citizen';
import type { OutboxSettings } from '../notifications/outbox';
import { publishableRatings, ticketView, MAX_HISTORY, type TicketRow } from './view';

/** Published ratings are recomputed at most this often. */
const RATINGS_CACHE_MS = 30_000;
const ms = (c: string) => `(extract(epoch FROM ${c}) * 1000)::float8`;

/** The one query of a lookup, for known and unknown tickets alike (title, reporter, position: never read). */
const LOOKUP = `
  SELECT e.kind, e.id, e.status, e.category, ${ms('e.opened_at')} AS "openedAt", ${ms('e.closed_at')} AS "closedAt",
         COALESCE(s.handler_opd, d.handler_opd, k.owner_opd) AS "handlerOpd", o.name AS "handlerOpdName",
         COALESCE(s.target_hours, d.target_hours) AS "targetHours",
         EXISTS (SELECT 1 FROM complaint_rating r WHERE r.kind = e.kind AND r.id = e.id) AS rated,
         COALESCE((SELECT json_agg(json_build_object('status', h.status, 'time', ${ms('h.time')}))
                     FROM (SELECT status, time FROM event_status WHERE kind = e.kind AND id = e.id ORDER BY time DESC LIMIT ${MAX_HISTORY}) h), '[]') AS history
    FROM event e
    JOIN event_kind k ON k.code = e.kind
    LEFT JOIN event_sla s ON s.kind = e.kind AND s.category = COALESCE(e.category, '')
    LEFT JOIN event_sla d ON d.kind = e.kind AND d.category = ''
    LEFT JOIN opd o ON o.code = COALESCE(s.handler_opd, d.handler_opd, k.owner_opd)
   WHERE e.kind IN (SELECT code FROM event_kind WHERE domain = 'complaints' AND class <> 'rahasia')
     AND e.id IN ($1, 'o311-' || $1)
   ORDER BY (e.id = $1) DESC, e.kind
   LIMIT 1`;

async function findTicket(db: pg.Pool | pg.PoolClient, ticket: string, lock = false): Promise<TicketRow | null> {
  const { rows } = await db.query(lock ? `${LOOKUP.replace('LIMIT 1', 'LIMIT 1 FOR UPDATE OF e')}` : LOOKUP, [ticket]);
  const r = rows[0];
  if (!r) return null;
  return {
    kind: r.kind,
    id: r.id,
    status: r.status,
    category: r.category,
    openedAt: Math.round(r.openedAt),
    closedAt: r.closedAt === null ? null : Math.round(r.closedAt),
    handlerOpd: r.handlerOpd,
    handlerOpdName: r.handlerOpdName,
    targetHours: r.targetHours === null ? null : Number(r.targetHours),
    history: (r.history as { status: string; time: number }[]).map((h) => ({ status: h.status, time: Math.round(h.time) })),
    rated: r.rated,
  };
}

export type RatingResult =
  | { kind: 'ok'; rating: number; notFixed: boolean; reopened: boolean }
  /** unknown, not closed yet: one answer for both (a guess learns nothing more than from a lookup) */
  | { kind: 'not_rateable' }
  | { kind: 'already_rated' };

export interface RatingCell {
  opd: string;
  opdName: string;
  category: string;
  count: number;
  average: number;
  notFixedShare: number;
}

export interface TicketService {
  lookup(ticket: string): Promise<PublicTicket>;
  rate(ticket: string, input: { rating: number; notFixed: boolean }, source: string | null): Promise<RatingResult>;
  /** Cells (handling OPD, category) with at least k ratings. */
  ratings(): Promise<{ k: number; cells: RatingCell[] }>;
  /** The stored row (Open311 mapping); null for unknown tickets. */
  find(ticket: string): Promise<TicketRow | null>;
}

export function createTicketService(deps: {
  pool: pg.Pool;
  k: number;
  incidents: IncidentChannel;
  outbox: OutboxSettings & { linkBase: string; offsetMin: number };
  clock: () => number;
}): TicketService {
  const { pool, clock } = deps;
  let ratingsCache: { at: number; value: { k: number; cells: RatingCell[] } } | null = null;
  return {
    async lookup(ticket) {
      return ticketView(ticket, await findTicket(pool, ticket), clock());
    },
    find: (ticket) => findTicket(pool, ticket),

    async rate(ticket, input, source) {
      const now = clock();
      const out = await inTransaction(pool, async (c): Promise<{ result: RatingResult; publish?: Parameters<IncidentChannel['incidents']>[0] }> => {
        const row = await findTicket(c, ticket, true);
        if (!row || row.closedAt === null) return { result: { kind: 'not_rateable' } };
        const inserted = await c.query(
          `INSERT INTO complaint_rating (kind, id, rating, not_fixed, handler_opd, category, rated_at)
           VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0)) ON CONFLICT (kind, id) DO NOTHING`,
          [row.kind, row.id, input.rating, input.notFixed, row.handlerOpd, row.category ?? '', now],
        );
        if (inserted.rowCount !== 1) return { result: { kind: 'already_rated' } };
        await appendAudit(
          c,
          [
            {
              actor: CITIZEN_ACTOR,
              action: 'complaint.rated',
              target: `complaint:${row.kind}/${row.id}`,
              detail: { rating: input.rating, notFixed: input.notFixed, handlerOpd: row.handlerOpd },
              source,
            },
          ],
          now,
        );
        if (!input.notFixed) return { result: { kind: 'ok', rating: input.rating, notFixed: false, reopened: false } };
        const reopened = await reopenComplaintForCitizen(
          c,
          { kind: row.kind, id: row.id, rating: input.rating },
          { now, source, outbox: deps.outbox },
        );
        if (reopened) await c.query(`UPDATE complaint_rating SET incident_id = $3 WHERE kind = $1 AND id = $2`, [row.kind, row.id, reopened.row.id]);
        return {
          result: { kind: 'ok', rating: input.rating, notFixed: true, reopened: reopened !== null },
          ...(reopened ? { publish: [{ row: reopened.row }] } : {}),
        };
      });
      if (out.publish) deps.incidents.incidents(out.publish);
      return out.result;
    },

    async ratings() {
      // an anonymous route: one query per RATINGS_CACHE_MS at most, however many ask
      if (ratingsCache && clock() - ratingsCache.at < RATINGS_CACHE_MS) return ratingsCache.value;
      // each cell over its oldest whole steps of k ratings (publishedCount): a new rating shows only with k - 1 others
      const { rows } = await pool.query(
        `WITH r AS (
           SELECT handler_opd, category, rating, not_fixed,
                  row_number() OVER (PARTITION BY handler_opd, category ORDER BY rated_at, kind, id) AS i,
                  count(*) OVER (PARTITION BY handler_opd, category) AS n
             FROM complaint_rating)
         SELECT r.handler_opd AS opd, COALESCE(o.name, r.handler_opd) AS "opdName", r.category, count(*)::int AS count,
                round(avg(r.rating)::numeric, 1)::float8 AS average, round(avg(r.not_fixed::int)::numeric, 2)::float8 AS "notFixedShare"
           FROM r LEFT JOIN opd o ON o.code = r.handler_opd
          WHERE r.i <= (r.n / $1::int) * $1::int
          GROUP BY r.handler_opd, o.name, r.category ORDER BY r.handler_opd, r.category`,
        [deps.k],
      );
      const value = { k: deps.k, cells: publishableRatings(rows as RatingCell[], deps.k) };
      ratingsCache = { at: clock(), value };
      return value;
    },
  };
}
