/** `GET /api/v1/sharing/agreements`: the sharing agreements in force that concern the caller. */
import { agreementsResponse, type RestResponse } from '@shared/rest';
import { checked, getJson } from '../lib/api/http';

/** An agreement with its validity as epoch ms (the wire carries ISO 8601). */
export type AgreementInfo = Omit<RestResponse<'SharingAgreements'>['agreements'][number], 'validFrom' | 'validUntil'> & {
  validFrom: number;
  validUntil: number;
};

/** The agreements of an answer, with epoch dates; an answer that breaks the contract throws, naming the field. */
export function agreementsOf(body: unknown): AgreementInfo[] {
  const { agreements } = checked('/api/v1/sharing/agreements', agreementsResponse, body);
  return agreements.map((a) => ({ ...a, validFrom: Date.parse(a.validFrom), validUntil: Date.parse(a.validUntil) }));
}

export async function fetchAgreements(token: string, signal?: AbortSignal): Promise<AgreementInfo[]> {
  return agreementsOf(await getJson('/api/v1/sharing/agreements', agreementsResponse, { Authorization: `Bearer ${token}` }, signal));
}
