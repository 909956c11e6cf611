/**
 * Which change of an event is its current state (issue 14.4). Changes arrive late, twice, and with equal
 * timestamps; the event row must always equal the newest change of the history the audit shows, whatever
 * the order of arrival:
 *
 * - Status: the newest change by time; at equal times the status later in the kind's lifecycle (its index in
 *   the catalog's `statuses`) wins, so `rejected` at 10:00 is not undone by `verified` at 10:00 sent again.
 *   This is a total order on (time, status), so folding changes in any order gives the same state, and a
 *   resend changes nothing.
 * - Attributes (category, region, position, title): each change may carry some. A change's non-null attribute
 *   replaces the stored one only when the change is not older than the change that last set attributes
 *   (`attrsAt`); an older change only fills attributes still unknown. A late change never overwrites a newer
 *   category.
 * - `opened` is the earliest time seen; `closed` follows the current status.
 */
export interface EventChangeIn {
  status: string;
  /** epoch ms */
  t: number;
  /** the status's place in the kind's lifecycle (index in `statuses`); unknown statuses rank lowest */
  rank: number;
  closed: boolean;
  category: string | null;
  region: string | null;
  lon: number | null;
  lat: number | null;
  title: string | null;
}

export interface EventState {
  status: string;
  t: number;
  rank: number;
  closed: boolean;
  opened: number;
  category: string | null;
  region: string | null;
  lon: number | null;
  lat: number | null;
  title: string | null;
  /** time of the change that last set attributes */
  attrsAt: number;
}

/** Negative when a is older than b, by (time, rank, status). */
export function compareChanges(a: Pick<EventChangeIn, 't' | 'rank' | 'status'>, b: Pick<EventChangeIn, 't' | 'rank' | 'status'>): number {
  return a.t - b.t || a.rank - b.rank || (a.status < b.status ? -1 : a.status > b.status ? 1 : 0);
}

const ATTRS = ['category', 'region', 'lon', 'lat', 'title'] as const;

/** The state after the given changes, from `current` (null: a new event). Pure; order of `changes` does not matter. */
export function foldEventChanges(current: EventState | null, changes: readonly EventChangeIn[]): EventState | null {
  const sorted = [...changes].sort(compareChanges);
  let state = current;
  for (const c of sorted) {
    if (!state) {
      state = { status: c.status, t: c.t, rank: c.rank, closed: c.closed, opened: c.t, attrsAt: c.t, ...pick(c) };
      continue;
    }
    const next: EventState = { ...state, opened: Math.min(state.opened, c.t) };
    if (compareChanges(c, state) > 0) {
      next.status = c.status;
      next.t = c.t;
      next.rank = c.rank;
      next.closed = c.closed;
    }
    const carries = ATTRS.some((k) => c[k] !== null);
    const newer = c.t >= state.attrsAt;
    for (const k of ATTRS) {
      const v = c[k];
      if (v === null) continue;
      if (newer || next[k] === null) (next as unknown as Record<string, unknown>)[k] = v;
    }
    // a position is one fact: never half of an old one with half of a new one
    if (!newer && (state.lon !== null || state.lat !== null)) {
      next.lon = state.lon;
      next.lat = state.lat;
    }
    if (carries && newer) next.attrsAt = c.t;
    state = next;
  }
  return state;
}

/** Whether what subscribers see of an event differs between two states. */
export function visiblyChanged(a: EventState | null, b: EventState): boolean {
  return !a || a.status !== b.status || a.t !== b.t || ATTRS.some((k) => a[k] !== b[k]);
}

function pick(c: EventChangeIn) {
  return { category: c.category, region: c.region, lon: c.lon, lat: c.lat, title: c.title };
}
