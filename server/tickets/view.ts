/**
 * What a citizen sees of their complaint (pure; tests/unit/ticket-view.test.ts): the status history in WIB,
 * the handling OPD, the SLA target and whether it was met — built from a row that carries nothing else (the
 * query reads no title, reporter, position or free text, so nothing else can leak). A known and an unknown
 * ticket give the same keys; an unknown one has `found: false` and nulls.
 */
import { toWib, type PublicTicket } from '../../shared/tickets';

/** The most status changes a lookup lists (the newest). */
export const MAX_HISTORY = 50;

export interface TicketRow {
  kind: string;
  id: string;
  status: string;
  category: string | null;
  openedAt: number;
  closedAt: number | null;
  handlerOpd: string;
  handlerOpdName: string | null;
  /** SLA target hours of the category (or the kind's default); null: none set */
  targetHours: number | null;
  history: { status: string; time: number }[];
  rated: boolean;
}

/** Pure: whether the SLA was met (closed in time), missed (closed late or open past due) or not yet known. */
export function slaMet(openedAt: number, closedAt: number | null, targetHours: number | null, now: number): boolean | null {
  if (targetHours === null) return null;
  const due = openedAt + targetHours * 3_600_000;
  if (closedAt !== null) return closedAt <= due;
  return now > due ? false : null;
}

export function ticketView(ticket: string, row: TicketRow | null, now: number): PublicTicket {
  if (!row)
    return {
      ticket,
      found: false,
      status: null,
      closed: null,
      category: null,
      handlingOpd: null,
      handlingOpdName: null,
      openedAt: null,
      closedAt: null,
      slaTargetHours: null,
      slaDueAt: null,
      slaMet: null,
      history: [],
      canRate: false,
      rated: false,
    };
  const closed = row.closedAt !== null;
  const history = [...row.history].sort((a, b) => a.time - b.time).slice(-MAX_HISTORY);
  return {
    ticket,
    found: true,
    status: row.status,
    closed,
    category: row.category,
    handlingOpd: row.handlerOpd,
    handlingOpdName: row.handlerOpdName,
    openedAt: toWib(row.openedAt),
    closedAt: row.closedAt === null ? null : toWib(row.closedAt),
    slaTargetHours: row.targetHours,
    slaDueAt: row.targetHours === null ? null : toWib(row.openedAt + row.targetHours * 3_600_000),
    slaMet: slaMet(row.openedAt, row.closedAt, row.targetHours, now),
    history: history.map((h) => ({ status: h.status, at: toWib(h.time) })),
    canRate: closed && !row.rated,
    rated: row.rated,
  };
}

/**
 * Pure: how many of a cell's n ratings are published — whole steps of k (0 below k). The figures of a cell are
 * those of its oldest `publishedCount` ratings, so a published average moves only when k more citizens have
 * rated: comparing two publications reveals the mean of a group of k, never one citizen's rating (a cell that
 * followed every rating would give the newest one away by differencing its count and average).
 */
export function publishedCount(n: number, k: number): number {
  return Math.floor(n / k) * k;
}

/** Pure: ratings cells at or above k (count ≥ k); cells below are left out, and no totals are published. */
export function publishableRatings<T extends { count: number }>(cells: readonly T[], k: number): T[] {
  return cells.filter((c) => c.count >= k);
}
