import { describe, expect, it } from 'vitest';
import { eventSchema, ingestBatchSchema, pointSchema, toIssueDetails } from '../../shared/schemas';

const good = { metric: 'water_level', entity: 'PA-BANGER', time: '2026-11-22T10:00:00+07:00', value: 120.5 };

describe('pointSchema', () => {
  it.each([
    ['ISO time with offset', good, true],
    ['epoch milliseconds', { ...good, time: 1_795_000_000_000 }, true],
    ['with region and position', { ...good, region: '33.74.02.1001', lon: 110.4, lat: -6.9 }, true],
    ['time without offset', { ...good, time: '2026-11-22T10:00:00' }, false],
    ['NaN value', { ...good, value: Number.NaN }, false],
    ['Infinity value', { ...good, value: Number.POSITIVE_INFINITY }, false],
    ['string value', { ...good, value: '12' }, false],
    ['metric with capitals', { ...good, metric: 'WaterLevel' }, false],
    ['entity with spaces', { ...good, entity: 'PA BANGER' }, false],
    ['entity of 129 characters', { ...good, entity: 'A'.repeat(129) }, false],
    ['bad region code', { ...good, region: '33.7' }, false],
    ['longitude out of range', { ...good, lon: 181, lat: 0 }, false],
  ])('%s → valid %s', (_name, input, valid) => {
    expect(pointSchema.safeParse(input).success).toBe(valid);
  });

  it('turns every time into epoch milliseconds', () => {
    expect(pointSchema.parse(good).time).toBe(Date.parse('2026-11-22T03:00:00Z'));
  });

  it('drops unknown keys', () => {
    expect(pointSchema.parse({ ...good, extra: 1 })).not.toHaveProperty('extra');
  });
});

describe('toIssueDetails', () => {
  it('names the record index and the field path of every issue', () => {
    const r = ingestBatchSchema.safeParse({ points: [good, { ...good, value: 'x', time: 'no' }] });
    expect(r.success).toBe(false);
    if (r.success) return;
    const details = toIssueDetails(r.error);
    expect(details.map((d) => [d.index, d.path]).sort()).toEqual([
      [1, 'time'],
      [1, 'value'],
    ]);
  });
  it('reports a missing points array at the top level', () => {
    const r = ingestBatchSchema.safeParse({});
    expect(r.success || toIssueDetails(r.error)).toEqual([{ index: null, path: 'points', message: expect.any(String) }]);
  });
});

describe('eventSchema', () => {
  it('accepts a complaint and limits free text', () => {
    const e = { kind: 'complaint', id: 'LPR-1', status: 'received', time: 1_795_000_000_000, title: 'Jalan berlubang' };
    expect(eventSchema.safeParse(e).success).toBe(true);
    expect(eventSchema.safeParse({ ...e, title: 'x'.repeat(501) }).success).toBe(false);
  });
});
