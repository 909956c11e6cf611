/** Data sharing between OPDs: the agreement the access rule (server/access/policy.ts) honours. */

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
}
