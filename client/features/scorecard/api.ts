/** REST of the OPD scorecard for the surfaces: answers parsed with the contract's schemas (shared/scorecard.ts). */
import { briefingListResponse, publicScorecardResponse, scorecardRankingResponse, scorecardResponse } from '@shared/scorecard';
import { ApiError, getJson } from '../../lib/api/http';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The caller's own OPD (an agency), or the one named (the command center). */
export const fetchScorecard = (token: string, opd: string | null, signal?: AbortSignal) =>
  getJson(`/api/v1/scorecard${opd ? `?opd=${encodeURIComponent(opd)}` : ''}`, scorecardResponse, auth(token), signal);
export const fetchRanking = (token: string, signal?: AbortSignal) =>
  getJson('/api/v1/scorecard/ranking', scorecardRankingResponse, auth(token), signal);
export const fetchPublicScorecard = (signal?: AbortSignal) => getJson('/api/public/v1/scorecard', publicScorecardResponse, {}, signal);

/** A share as a percentage with one decimal ('–' without a figure). */
export const pct = (share: number | null, locale: string) =>
  share === null ? '–' : `${(share * 100).toLocaleString(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1 })}%`;
export const hours = (h: number | null, locale: string) => (h === null ? '–' : h.toLocaleString(locale, { maximumFractionDigits: 1 }));

export const fetchBriefings = (token: string, signal?: AbortSignal) => getJson('/api/v1/briefings', briefingListResponse, auth(token), signal);

/** A briefing file fetched with the session (the archive is not public) and handed to the browser as a blob URL. */
export async function openBriefing(token: string, week: string, file: 'briefing.pdf' | 'briefing.html'): Promise<string> {
  const res = await fetch(`/api/v1/briefings/${encodeURIComponent(week)}/${file}`, { headers: auth(token) });
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`);
  return URL.createObjectURL(await res.blob());
}
