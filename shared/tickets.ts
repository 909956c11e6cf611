/**
 * "Follow your complaint" (issue 21): the wire of the ticket lookup, the citizen's rating and the published
 * ratings. A ticket is the id the complaint channel gave the citizen (an Open311 `service_request_id`, a
 * LAPOR! id, the city's own); it works as a capability, so the answer never carries the title, the reporter,
 * the position or any free text — only status history, the handling OPD and the SLA.
 */
import { z } from 'zod';

/** What a ticket number may look like (ids of 311 systems, LAPOR! and the simulator: letters, digits, `-_.:`). */
export const TICKET_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const ticketSchema = z.string().trim().regex(TICKET_PATTERN, 'a ticket number: letters, digits and - _ . : (at most 64)');
export const ticketParamsSchema = z.object({ ticket: ticketSchema });

/** The UTC offset of WIB (Waktu Indonesia Barat), in which the lookup states its times. */
export const WIB_OFFSET_MIN = 7 * 60;

/** `2026-12-06T17:45:00+07:00`: an instant written in WIB. */
export function toWib(ms: number): string {
  const d = new Date(ms + WIB_OFFSET_MIN * 60_000);
  return `${d.toISOString().slice(0, 19)}+07:00`;
}

const wib = z.string().describe('ISO 8601 date-time in WIB (+07:00)');

/**
 * The answer of a lookup, for a known and an unknown ticket alike: same status (200), same keys; an unknown
 * ticket has `found: false` and null or empty values. Flat on purpose, so that no nested object's presence
 * tells more than `found` does.
 */
export const publicTicketResponse = z.object({
  ticket: z.string(),
  found: z.boolean(),
  /** The current status (the complaint kind's own words: received, verified, dispatched, resolved, rejected). */
  status: z.string().nullable(),
  closed: z.boolean().nullable(),
  category: z.string().nullable(),
  handlingOpd: z.string().nullable(),
  handlingOpdName: z.string().nullable(),
  openedAt: wib.nullable(),
  closedAt: wib.nullable(),
  slaTargetHours: z.number().nullable(),
  slaDueAt: wib.nullable(),
  /** true: closed within the target; false: closed late, or open past it; null: open and not yet due. */
  slaMet: z.boolean().nullable(),
  /** Status changes, oldest first (at most 50: the newest). */
  history: z.array(z.object({ status: z.string(), at: wib })),
  /** Closed and not rated yet: the citizen may rate once. */
  canRate: z.boolean(),
  rated: z.boolean(),
});
export type PublicTicket = z.infer<typeof publicTicketResponse>;

export const ratingInputSchema = z.object({
  rating: z.number().int().min(1).max(5),
  /** "belum selesai": the problem is still there; the handling OPD gets the work back as an incident. */
  notFixed: z.boolean().default(false),
});
export type RatingInput = z.input<typeof ratingInputSchema>;

export const ratingResultResponse = z.object({
  ticket: z.string(),
  rating: z.number().int(),
  notFixed: z.boolean(),
  /** The work was reopened for the handling OPD (an incident made or noted). */
  reopened: z.boolean(),
});

/** Ratings per handling OPD and category, only where at least k citizens rated (no totals: see server/tickets). */
export const publicRatingsResponse = z.object({
  k: z.number().int(),
  generatedAt: z.string(),
  cells: z.array(
    z.object({
      opd: z.string(),
      opdName: z.string(),
      category: z.string(),
      count: z.number().int(),
      /** mean rating, 1–5, one decimal */
      average: z.number(),
      /** share of ratings that said "belum selesai", 0–1 */
      notFixedShare: z.number(),
    }),
  ),
});

/** Open311 GeoReport v2 service request (GET /open311/v2/requests/{id}.json): an array of one, no personal data. */
export const open311RequestResponse = z.array(
  z.object({
    service_request_id: z.string(),
    status: z.enum(['open', 'closed']),
    status_notes: z.string().nullable(),
    service_name: z.string().nullable(),
    service_code: z.string().nullable(),
    agency_responsible: z.string().nullable(),
    requested_datetime: z.string().nullable(),
    updated_datetime: z.string().nullable(),
    expected_datetime: z.string().nullable(),
  }),
);
export const open311ErrorResponse = z.array(z.object({ code: z.number().int(), description: z.string() }));
