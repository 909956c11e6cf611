/**
 * The dig-once conflicts the wall may see (GET /api/v1/projects/conflicts with the wall's token), for the
 * `project-conflicts` layer: fetched when a scene of the playlist draws the layer, then every POLL_MS — a conflict
 * recorded by a registration appears within one poll, well inside an agency system's ingest cycle (minutes). Conflict
 * records are not a live channel; this small poll stays out of the live connection's sync engine on purpose.
 * A failed fetch keeps the last list (the layer does not blink); the list is bounded by the server (2,000).
 */
import { useEffect, useState } from 'react';
import { projectConflictsResponse } from '@shared/rest';
import { getJson } from '../lib/api/http';
import type { ConflictRecord } from '../features/projects/conflicts';

/** How often the list is fetched again. */
export const CONFLICTS_POLL_MS = 15_000;

export function useConflicts(token: string | undefined, enabled: boolean, pollMs = CONFLICTS_POLL_MS): readonly ConflictRecord[] | null {
  const [list, setList] = useState<readonly ConflictRecord[] | null>(null);
  useEffect(() => {
    if (!token || !enabled) return;
    const ctl = new AbortController();
    const load = () =>
      getJson('/api/v1/projects/conflicts', projectConflictsResponse, { authorization: `Bearer ${token}` }, ctl.signal).then(
        (body) => setList(body.conflicts),
        () => {},
      );
    void load();
    const timer = setInterval(() => void load(), pollMs);
    return () => {
      ctl.abort();
      clearInterval(timer);
    };
  }, [token, enabled, pollMs]);
  return list;
}
