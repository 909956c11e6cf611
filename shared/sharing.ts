/**
 * Data sharing between OPDs: the agreement the access rule (server/access/policy.ts) honours, and the wire of
 * sharing on request (issue 19): requests, decisions, renewals, disputes, usage, the needs-and-availability
 * matrix. Request bodies are validated with these schemas on the server and answers parsed with them on the
 * tablet; shared/rest.ts names the answers.
 */
import { z } from 'zod';
import { safeText } from './schemas';

/** A data-sharing agreement: owner shares one item with one grantee, for one purpose, until an end date. */
export interface Agreement {
  id: number;
  ownerOpd: string;
  granteeOpd: string;
  itemType: 'metric' | 'event_kind';
  itemCode: string;
  purpose: string;
  validFrom: number;
  validUntil: number;
  /** Set while a dispute stands: the agreement grants nothing, and reads say why. */
  suspended?: boolean;
  /** The finest region detail reads through it may show (absent: kelurahan, as recorded). */
  regionLevel?: RegionLevel;
}

/** Region detail an agreement may carry, finest first: a narrowing moves right. */
export const REGION_LEVELS = ['kelurahan', 'kecamatan', 'kota'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** Reminders of an agreement's end go out this long before it (to both sides). */
export const EXPIRY_REMINDER_MS = 14 * 86_400_000;

/**
 * Open requests one OPD may have waiting at once. A request's purpose is free text, so without a cap one account
 * could file thousands, each a message in the owner's outbox and a row on its tablet. No OPD waits on 20 answers.
 */
export const MAX_OPEN_REQUESTS_PER_OPD = 20;

/** Longest an agreement may run from its approval. */
export const MAX_AGREEMENT_MS = 2 * 366 * 86_400_000;

export const ITEM_TYPES = ['metric', 'event_kind'] as const;
export type ItemType = (typeof ITEM_TYPES)[number];

const ms = z.number().int().describe('epoch milliseconds');
const PURPOSE = z.string().regex(/^[a-z][a-z0-9_-]{1,62}$/, 'a purpose is a lower-case code (letters, digits, _ and -)');
const note = (max: number, what: string) => safeText(max).pipe(z.string().trim().min(1, what));

// ---- request bodies -------------------------------------------------------------------------------------

export const sharingRequestInputSchema = z.object({
  itemType: z.enum(ITEM_TYPES),
  itemCode: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'not an item code'),
  purpose: PURPOSE,
  justification: note(2000, 'a request needs a justification'),
  validUntil: ms.positive().describe('the end date asked for'),
  regionLevel: z.enum(REGION_LEVELS).default('kelurahan').describe('the finest region detail asked for'),
});
export type SharingRequestInput = z.output<typeof sharingRequestInputSchema>;

export const sharingDecisionSchema = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('approve'),
    validUntil: ms.positive().optional().describe('a shorter end date than asked (narrowing); absent: as asked'),
    regionLevel: z.enum(REGION_LEVELS).optional().describe('a coarser region detail than asked (narrowing); absent: as asked'),
    note: safeText(1000).optional(),
  }),
  z.object({ decision: z.literal('refuse'), note: note(1000, 'refusing needs a note') }),
]);
export type SharingDecision = z.output<typeof sharingDecisionSchema>;

export const sharingRenewSchema = z.object({
  validUntil: ms.positive().describe('the new end date'),
  justification: safeText(2000).optional().describe('the grantee asks (a renewal request); the owner extends at once'),
});

export const sharingDisputeSchema = z.object({ note: note(1000, 'a dispute needs a note') });

// ---- answers ------------------------------------------------------------------------------------------

export const REQUEST_STATUSES = ['open', 'approved', 'refused', 'withdrawn'] as const;
export const AGREEMENT_STATUSES = ['active', 'expiring', 'expired', 'suspended', 'revoked'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

export const sharingRequestSchema = z.object({
  id: z.number().int(),
  direction: z.enum(['incoming', 'outgoing', 'other']).describe('incoming: asks the caller’s OPD; outgoing: asked by it'),
  requesterOpd: z.string(),
  ownerOpd: z.string(),
  itemType: z.enum(ITEM_TYPES),
  itemCode: z.string(),
  purpose: z.string(),
  justification: z.string(),
  validUntil: ms,
  regionLevel: z.enum(REGION_LEVELS),
  renews: z.number().int().nullable().describe('the agreement a renewal extends'),
  status: z.enum(REQUEST_STATUSES),
  requestedBy: z.string(),
  createdAt: ms,
  decidedAt: ms.nullable(),
  decidedBy: z.string().nullable(),
  decisionNote: z.string().nullable(),
  agreementId: z.number().int().nullable(),
});
export type SharingRequestView = z.infer<typeof sharingRequestSchema>;

export const sharingAgreementSchema = z.object({
  id: z.number().int(),
  direction: z.enum(['received', 'granted', 'other']),
  ownerOpd: z.string(),
  granteeOpd: z.string(),
  itemType: z.enum(ITEM_TYPES),
  itemCode: z.string(),
  purpose: z.string(),
  regionLevel: z.enum(REGION_LEVELS),
  validFrom: ms,
  validUntil: ms,
  status: z.enum(AGREEMENT_STATUSES).describe('expiring: ends within 14 days (both sides were reminded)'),
  dispute: z.object({ byOpd: z.string().nullable(), note: z.string().nullable(), at: ms }).nullable(),
  reads30d: z.number().int().describe('reads through it over the last 30 days (flushed every few seconds)'),
});
export type SharingAgreementView = z.infer<typeof sharingAgreementSchema>;

export const requestableItemSchema = z.object({
  itemType: z.enum(ITEM_TYPES),
  code: z.string(),
  nameId: z.string(),
  nameEn: z.string(),
  ownerOpd: z.string(),
});

export const sharingOverviewResponse = z.object({
  requests: z.array(sharingRequestSchema),
  agreements: z.array(sharingAgreementSchema).describe('in force, suspended, and those ended in the last 90 days'),
  requestable: z.array(requestableItemSchema).describe('terbatas items of other OPDs the caller may ask for'),
});

export const sharingRequestResponse = z.object({ request: sharingRequestSchema });
export const sharingAgreementResponse = z.object({ agreement: sharingAgreementSchema });

export const sharingUsageResponse = z.object({
  agreementId: z.number().int(),
  itemType: z.enum(ITEM_TYPES),
  itemCode: z.string(),
  purpose: z.string(),
  days: z.array(
    z.object({
      day: z.string().describe('YYYY-MM-DD in the city’s zone'),
      actor: z.string(),
      via: z.enum(['rest', 'socket']),
      reads: z.number().int(),
    }),
  ),
  total: z.number().int(),
});

export const MATRIX_STATES = ['shared', 'suspended', 'requested'] as const;
export type MatrixState = (typeof MATRIX_STATES)[number];

export const sharingMatrixResponse = z.object({
  opd: z.array(z.object({ code: z.string(), name: z.string() })),
  items: z.array(
    z.object({
      itemType: z.enum(ITEM_TYPES),
      code: z.string(),
      ownerOpd: z.string(),
      class: z.enum(['publik', 'terbatas', 'rahasia']),
      openRequests: z.number().int(),
    }),
  ),
  cells: z
    .array(
      z.object({
        opd: z.string(),
        itemType: z.enum(ITEM_TYPES),
        itemCode: z.string(),
        state: z.enum(MATRIX_STATES),
        agreements: z.array(z.number().int()),
        openRequests: z.number().int(),
      }),
    )
    .describe('the OPD × item pairs an agreement or an open request concerns (own and publik follow from the item)'),
});
export type SharingMatrix = z.infer<typeof sharingMatrixResponse>;

/** The planning board (Bappeda): sees the needs-and-availability matrix beside admins (server/projects/conflicts.ts names it too). */
export const PLANNING_OPD = 'BAPPEDA';
