/**
 * GET /api/v1/sharing/agreements: the data-sharing agreements in force that concern the caller.
 *
 * An agency sees the agreements under which another OPD shares with it (`direction: 'received'`, only for
 * items the access rule lets it read for that agreement's purpose) and those under which it shares its own
 * data (`direction: 'granted'`). Operators and admins, who have no OPD, see every agreement in force
 * (`direction: 'other'`). The public gets 401: agreements name OPD and purposes.
 */
import { Router } from 'express';
import type pg from 'pg';
import { loadAgreements } from '../../db/queries/sharing';
import { canRead, type Agreement } from '../access/policy';
import type { CatalogService } from '../catalog/service';
import type { PrincipalOf } from '../http/principal';
import { reply } from '../http/reply';

export type AgreementDirection = 'received' | 'granted' | 'other';

export interface AgreementView {
  id: number;
  direction: AgreementDirection;
  ownerOpd: string;
  granteeOpd: string;
  itemType: 'metric' | 'event_kind';
  itemCode: string;
  purpose: string;
  /** ISO 8601 */
  validFrom: string;
  validUntil: string;
}

export function createSharingRoutes(deps: { pool: pg.Pool; catalog: CatalogService; principalOf: PrincipalOf; clock: () => number }): Router {
  const router = Router();
  router.get('/api/v1/sharing/agreements', async (req, res) => {
    const who = await deps.principalOf(req);
    if (!who) return void res.status(401).json({ error: 'invalid or revoked token', details: [] });
    if (who.role === 'public') return void res.status(401).json({ error: 'sign in to see sharing agreements', details: [] });
    const now = deps.clock();
    const inForce = (await loadAgreements(deps.pool)).filter((a) => a.validFrom <= now && now < a.validUntil);
    const item = (a: Agreement) => (a.itemType === 'metric' ? deps.catalog.metric(a.itemCode) : deps.catalog.eventKind(a.itemCode));
    const out: AgreementView[] = [];
    for (const a of inForce) {
      let direction: AgreementDirection;
      if (who.role === 'agency') {
        if (a.granteeOpd === who.opd) {
          // listed only when the one access rule lets the caller read the item for this purpose
          const what = item(a);
          // (with the agreements just read, not the catalog's copy that lags up to 5 s behind)
          if (!what || !canRead(who, what, { purpose: a.purpose, agreements: inForce, now, itemType: a.itemType }).allow) continue;
          direction = 'received';
        } else if (a.ownerOpd === who.opd) direction = 'granted';
        else continue;
      } else direction = 'other';
      out.push({
        id: a.id,
        direction,
        ownerOpd: a.ownerOpd,
        granteeOpd: a.granteeOpd,
        itemType: a.itemType,
        itemCode: a.itemCode,
        purpose: a.purpose,
        validFrom: new Date(a.validFrom).toISOString(),
        validUntil: new Date(a.validUntil).toISOString(),
      });
    }
    reply(res, 'SharingAgreements', { agreements: out });
  });
  return router;
}
