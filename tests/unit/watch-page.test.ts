/** The watcher's bounded, wrapping page (server/incidents/watch.ts `wrappedPage`): every row within ceil(n / limit) rounds. */
import { describe, expect, it } from 'vitest';
import { wrappedPage } from '../../server/incidents/watch';

const table = (ids: number[]) => async (after: number, upTo: number | null, limit: number) =>
  ids
    .filter((id) => id > after && (upTo === null || id <= upTo))
    .slice(0, limit)
    .map((id) => ({ id }));

describe('wrappedPage', () => {
  it.each([
    ['fewer rows than the limit: all of them, start over next time', [1, 2, 3], 0, 5, [1, 2, 3], 0],
    ['exactly the limit: all, go on after the last', [1, 2, 3], 0, 3, [1, 2, 3], 3],
    ['a page from the cursor', [1, 2, 3, 4, 5], 2, 2, [3, 4], 4],
    ['the end comes first: wrap to the first ids', [1, 2, 3, 4, 5], 4, 3, [5, 1, 2], 2],
    ['wrapping never passes the cursor', [1, 2, 3], 2, 10, [3, 1, 2], 0],
    ['nothing at all', [], 7, 3, [], 0],
    ['the cursor row was closed meanwhile', [1, 3, 5], 4, 2, [5, 1], 1],
  ] as const)('%s', async (_n, ids, cursor, limit, rows, next) => {
    const page = await wrappedPage(table([...ids]), cursor, limit);
    expect(page.rows.map((r) => r.id)).toEqual(rows);
    expect(page.next).toBe(next);
  });

  it('visits every row within ceil(n / limit) rounds, and no round holds more than the limit', async () => {
    const ids = Array.from({ length: 23 }, (_, i) => i * 3 + 1);
    for (const limit of [1, 2, 5, 7, 23, 50]) {
      let cursor = 0;
      const seen = new Set<number>();
      for (let round = 0; round < Math.ceil(ids.length / limit); round++) {
        const page = await wrappedPage(table(ids), cursor, limit);
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        for (const r of page.rows) seen.add(r.id);
        cursor = page.next;
      }
      expect(seen.size).toBe(ids.length);
    }
  });
});
