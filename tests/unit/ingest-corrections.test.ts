/**
 * Which reading of one (series, time) a batch writes (server/ingest/service.ts keepsInBatch), as a table, with
 * the property that the order of arrival does not change the outcome between different revisions.
 */
import { describe, expect, it } from 'vitest';
import { keepsInBatch } from '../../server/ingest/service';

/** The reading a batch keeps, folding keepsInBatch over its readings in order. */
const kept = (readings: { revision: number; v: number }[]) =>
  readings.reduce<{ revision: number; v: number } | undefined>((had, next) => (keepsInBatch(had, next) ? next : had), undefined);

describe('keepsInBatch', () => {
  it.each([
    ['the first reading', [{ revision: 0, v: 1 }], 1],
    [
      'a plain duplicate keeps the first value',
      [
        { revision: 0, v: 1 },
        { revision: 0, v: 2 },
      ],
      1,
    ],
    [
      'a higher revision replaces',
      [
        { revision: 0, v: 1 },
        { revision: 1, v: 2 },
      ],
      2,
    ],
    [
      'a lower revision after a higher one changes nothing',
      [
        { revision: 2, v: 2 },
        { revision: 1, v: 3 },
      ],
      2,
    ],
    [
      'equal revisions keep the first',
      [
        { revision: 3, v: 4 },
        { revision: 3, v: 5 },
      ],
      4,
    ],
    [
      'the highest of several, wherever it is',
      [
        { revision: 1, v: 1 },
        { revision: 5, v: 5 },
        { revision: 2, v: 2 },
        { revision: 0, v: 0 },
      ],
      5,
    ],
  ])('%s', (_what, readings, value) => {
    expect(kept(readings)?.v).toBe(value);
  });

  it('distinct revisions: every order of arrival keeps the same reading', () => {
    const readings = [0, 1, 2, 3].map((revision) => ({ revision, v: revision * 10 }));
    const orders = (xs: typeof readings): (typeof readings)[] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
    for (const order of orders(readings)) expect(kept(order)?.v).toBe(30);
  });
});
