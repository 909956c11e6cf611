/** The weekly briefing archive for the command center's tablet (never in the public bundle). */
import { briefingListResponse } from '@shared/scorecard';
import { ApiError, getJson } from '../lib/api/http';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export const fetchBriefings = (token: string, signal?: AbortSignal) => getJson('/api/v1/briefings', briefingListResponse, auth(token), signal);

/** A briefing file fetched with the session (the archive is not public) and handed to the browser as a blob URL. */
export async function openBriefing(token: string, week: string, file: 'briefing.pdf' | 'briefing.html'): Promise<string> {
  const res = await fetch(`/api/v1/briefings/${encodeURIComponent(week)}/${file}`, { headers: auth(token) });
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`);
  return URL.createObjectURL(await res.blob());
}
