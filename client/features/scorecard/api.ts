/** REST of the OPD scorecard for the surfaces: answers parsed with the contract's schemas (shared/scorecard.ts). */
import { publicScorecardResponse, scorecardRankingResponse, scorecardResponse } from '@shared/scorecard';
import { getJson } from '../../lib/api/http';

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
