/**
 * The event ordering rule (shared/event-order.ts, issue 14.4) as a table: resends, late changes, equal
 * timestamps, attributes; and its properties (any arrival order gives the same state, folding again changes
 * nothing).
 */
import { describe, expect, it } from 'vitest';
import { foldEventChanges, type EventChangeIn, type EventState } from '../../shared/event-order';

const LIFECYCLE = ['received', 'verified', 'dispatched', 'resolved', 'rejected'];
const CLOSED = new Set(['resolved', 'rejected']);
const T = 1_700_000_000_000;

const ch = (
  status: string,
  dt: number,
  attrs: Partial<Pick<EventChangeIn, 'category' | 'region' | 'lon' | 'lat' | 'title'>> = {},
): EventChangeIn => ({
  status,
  t: T + dt,
  rank: LIFECYCLE.indexOf(status),
  closed: CLOSED.has(status),
  category: null,
  region: null,
  lon: null,
  lat: null,
  title: null,
  ...attrs,
});

/** Folds changes one arrival at a time, as separate batches would. */
const arrive = (changes: EventChangeIn[]): EventState => changes.reduce<EventState | null>((s, c) => foldEventChanges(s, [c]), null)!;

const rows: { name: string; arrivals: EventChangeIn[]; status: string; closed: boolean; category?: string | null; opened?: number }[] = [
  { name: 'newer status wins', arrivals: [ch('received', 0), ch('verified', 1)], status: 'verified', closed: false },
  {
    name: 'a late, older status enters the history only',
    arrivals: [ch('received', 0), ch('resolved', 2), ch('dispatched', 1)],
    status: 'resolved',
    closed: true,
  },
  {
    name: 'a resend of an older status with the same timestamp does not reopen a rejected complaint',
    arrivals: [ch('received', 0), ch('verified', 5), ch('rejected', 5), ch('verified', 5)],
    status: 'rejected',
    closed: true,
  },
  {
    name: 'equal timestamps: the later lifecycle status wins in either order',
    arrivals: [ch('rejected', 5), ch('verified', 5)],
    status: 'rejected',
    closed: true,
  },
  { name: 'a resend of the current status is a no-op', arrivals: [ch('received', 0), ch('received', 0)], status: 'received', closed: false },
  {
    name: 'a late, older change does not overwrite a newer category',
    arrivals: [ch('received', 0, { category: 'banjir' }), ch('verified', 10, { category: 'drainase' }), ch('received', 0, { category: 'banjir' })],
    status: 'verified',
    closed: false,
    category: 'drainase',
  },
  {
    name: 'an older change fills an attribute still unknown',
    arrivals: [ch('verified', 10), ch('received', 0, { category: 'sampah' })],
    status: 'verified',
    closed: false,
    category: 'sampah',
  },
  { name: 'opened is the earliest change seen', arrivals: [ch('verified', 10), ch('received', 3)], status: 'verified', closed: false, opened: T + 3 },
];

describe('event ordering (issue 14.4)', () => {
  for (const row of rows) {
    it(row.name, () => {
      const s = arrive(row.arrivals);
      expect(s.status).toBe(row.status);
      expect(s.closed).toBe(row.closed);
      if (row.category !== undefined) expect(s.category).toBe(row.category);
      if (row.opened !== undefined) expect(s.opened).toBe(row.opened);
    });
  }

  it('gives the same state for every arrival order, in one batch or one by one', () => {
    const changes = [ch('received', 0, { category: 'banjir' }), ch('verified', 5, { category: 'drainase' }), ch('rejected', 5), ch('dispatched', 3)];
    const permutations = (xs: EventChangeIn[]): EventChangeIn[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    const states = permutations(changes).flatMap((p) => [arrive(p), foldEventChanges(null, p)!]);
    for (const s of states)
      expect({ status: s.status, t: s.t, category: s.category, opened: s.opened }).toEqual(
        states[0] && { status: 'rejected', t: T + 5, category: 'drainase', opened: T },
      );
  });

  it('changes nothing when the same changes are folded again', () => {
    const changes = [ch('received', 0, { category: 'banjir' }), ch('resolved', 9, { category: 'drainase' })];
    const once = foldEventChanges(null, changes)!;
    expect(foldEventChanges(once, changes)).toEqual(once);
  });
});
