/** Pure parts of the cluster: stream entries back into hub envelopes, and what an invalidation message carries. */
import { describe, expect, it } from 'vitest';
import { envelopeOf } from '../../server/realtime/redis-hub';
import { invalidationPairs } from '../../server/cluster/redis';

describe('envelopeOf', () => {
  it.each([
    [
      'a message',
      ['r', 'metric:x', 's', '7', 'c', 'points', 'v', '0', 'd', '{"a":1}'],
      { room: 'metric:x', seq: 7, channel: 'points', volatile: false, data: { a: 1 } },
    ],
    [
      'volatile',
      ['r', 'metric:x', 's', '8', 'c', 'points', 'v', '1', 'd', '{}'],
      { room: 'metric:x', seq: 8, channel: 'points', volatile: true, data: {} },
    ],
    ['no seq', ['r', 'metric:x', 'c', 'points', 'd', '{}'], null],
    ['not JSON', ['r', 'metric:x', 's', '1', 'c', 'points', 'd', '{'], null],
    ['someone else’s entry', ['foo', 'bar'], null],
  ] as const)('%s', (_name, fields, expected) => {
    expect(envelopeOf(fields)).toEqual(expected);
  });
});

describe('invalidationPairs', () => {
  it('carries each (series, minute) once, whatever the number of points', () => {
    const points = [
      { seriesId: 1, t: 60_000 },
      { seriesId: 1, t: 61_000 },
      { seriesId: 1, t: 119_999 },
      { seriesId: 1, t: 120_000 },
      { seriesId: 2, t: 60_500 },
    ];
    expect(invalidationPairs(points)).toEqual([
      [1, 60_000],
      [1, 120_000],
      [2, 60_000],
    ]);
    expect(invalidationPairs([])).toEqual([]);
  });
});
