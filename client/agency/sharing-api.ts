/** `GET /api/v1/sharing/agreements`: the sharing agreements in force that concern the caller. */
import { ApiError, getJson, isNum, isObj } from '../lib/api/http';

export interface AgreementInfo {
  id: number;
  direction: 'received' | 'granted' | 'other';
  ownerOpd: string;
  granteeOpd: string;
  itemType: 'metric' | 'event_kind';
  itemCode: string;
  purpose: string;
  validFrom: number;
  validUntil: number;
}

const str = (x: unknown): x is string => typeof x === 'string';

/** Malformed entries are dropped, not fatal. */
export function agreementList(x: unknown): AgreementInfo[] {
  if (!isObj(x) || !Array.isArray(x.agreements)) throw new ApiError(0, 'sharing/agreements: unexpected response');
  const out: AgreementInfo[] = [];
  for (const a of x.agreements as unknown[]) {
    if (!isObj(a) || !isNum(a.id) || !str(a.ownerOpd) || !str(a.granteeOpd) || !str(a.itemCode) || !str(a.purpose)) continue;
    if (a.direction !== 'received' && a.direction !== 'granted' && a.direction !== 'other') continue;
    if (a.itemType !== 'metric' && a.itemType !== 'event_kind') continue;
    const validFrom = Date.parse(str(a.validFrom) ? a.validFrom : '');
    const validUntil = Date.parse(str(a.validUntil) ? a.validUntil : '');
    if (!Number.isFinite(validUntil)) continue;
    out.push({
      id: a.id,
      direction: a.direction,
      ownerOpd: a.ownerOpd,
      granteeOpd: a.granteeOpd,
      itemType: a.itemType,
      itemCode: a.itemCode,
      purpose: a.purpose,
      validFrom,
      validUntil,
    });
  }
  return out;
}

export async function fetchAgreements(token: string, signal?: AbortSignal): Promise<AgreementInfo[]> {
  return agreementList(await getJson('/api/v1/sharing/agreements', { Authorization: `Bearer ${token}` }, signal));
}
