/**
 * The rules of delivery (ingest/deliver.ts) and of the ingest door (server/ingest/service.ts), lifted out of
 * their factories: what a server answer means for the worker, what a refused part becomes, the backoff, and
 * which records of a batch are invalid or forbidden. Every row a case.
 */
import { describe, expect, it } from 'vitest';
import type { EventKind, Metric } from '../../shared/catalog';
import { classifyAnswer, namedRefusals, refusalStep, retryDelayMs } from '../../ingest/deliver';
import { fullestDroppableLane, recordsFrom } from '../../ingest/spool';
import { batchTooLarge, checkRecords } from '../../server/ingest/service';

describe('classifyAnswer', () => {
  const refusal = JSON.stringify({ error: 'invalid batch; nothing was written', details: [{ index: 2, path: 'value', message: 'beyond' }] });
  it.each([
    [202, '{"accepted":1,"written":1}', { ok: true }],
    [400, refusal, { ok: false, retry: false, status: 400, error: '400 invalid batch; nothing was written', details: [{ index: 2 }] }],
    [403, '{"error":"foreign","details":[]}', { ok: false, retry: false, status: 403, details: [] }],
    [413, '<html>too large</html>', { ok: false, retry: false, status: 413, error: '413 <html>too large</html>', details: [] }],
    [401, '{"error":"a valid ingest key is required"}', { ok: false, retry: true, unavailable: false }], // a key being rotated: retried
    [429, '{"error":"slow down"}', { ok: false, retry: true, unavailable: false }],
    [500, 'oops', { ok: false, retry: true, unavailable: false }],
    [502, '<html>Bad Gateway</html>', { ok: false, retry: true, unavailable: true }], // nginx with the server away
    [503, '{"status":"unavailable"}', { ok: false, retry: true, unavailable: true }],
    [504, '', { ok: false, retry: true, unavailable: true }],
  ])('%i %s', (status, text, expected) => expect(classifyAnswer(status, text)).toMatchObject(expected));
});

describe('namedRefusals and refusalStep', () => {
  it.each([
    [
      'names two records: quarantine them, in order',
      400,
      [
        { index: 3, message: 'b' },
        { index: 1, path: 'value', message: 'a' },
      ],
      5,
      { quarantine: [1, 3] },
    ],
    ['names none: halve (a record corrupted on disk)', 400, [], 5, { halve: 2 }],
    [
      'an index outside the part counts as none',
      400,
      [
        { index: 9, message: 'x' },
        { index: null, message: 'y' },
      ],
      4,
      { halve: 2 },
    ],
    ['413: halve, even when records are named', 413, [{ index: 0, message: 'x' }], 8, { halve: 4 }],
    ['a lone record refused without a name: quarantine it', 400, [], 1, { quarantine: [0] }],
    ['a lone record too large: quarantine it', 413, [], 1, { quarantine: [0] }],
  ])('%s', (_name, status, details, length, expected) => {
    expect(refusalStep(status, namedRefusals(details, length), length)).toEqual(expected);
  });

  it('keeps the first reason per record, with its field', () => {
    const named = namedRefusals(
      [
        { index: 1, path: 'value', message: 'out of bounds' },
        { index: 1, path: 'time', message: 'in the future' },
        { index: 0, message: 'unknown metric' },
      ],
      2,
    );
    expect([...named]).toEqual([
      [1, 'value: out of bounds'],
      [0, 'unknown metric'],
    ]);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 30_000, 1, 400],
    [3, 30_000, 0.5, 800],
    [10, 30_000, 1, 30_000], // capped
    [10_000, 30_000, 1, 30_000], // no overflow for a worker retrying for days
    [5, 30_000, 0, 0], // full jitter reaches zero
  ])('attempt %i, cap %i, random %f → %i ms', (attempt, cap, random, expected) => expect(retryDelayMs(attempt, cap, random)).toBe(expected));
});

const metric = (code: string, ownerOpd: string, extra: Partial<Metric> = {}): Metric => ({
  code,
  domain: 'floods',
  ownerOpd,
  class: 'publik',
  unit: 'cm',
  nameId: code,
  nameEn: code,
  cadenceS: 60,
  thresholds: null,
  ...extra,
});
const catalog = {
  metric: (c: string) => ({ water_level: metric('water_level', 'BPBD', { valueMin: -1_000, valueMax: 5_000 }), fill: metric('fill', 'DLH') })[c],
  eventKind: (c: string): EventKind | undefined =>
    c === 'complaint'
      ? {
          code: 'complaint',
          domain: 'complaints',
          ownerOpd: 'DISKOMINFO',
          class: 'terbatas',
          nameId: 'Aduan',
          nameEn: 'Complaint',
          statuses: ['received'],
          closedStatuses: [],
        }
      : undefined,
  hasRegion: (r: string) => r === '33.74.01.1001',
};
const NOW = Date.parse('2026-12-06T06:00:00Z');
const bpbd = { id: 1, opd: 'BPBD', scopes: ['points', 'events'] as ('points' | 'events')[] };

describe('checkRecords', () => {
  const ok = { metricOrKind: 'water_level', time: NOW, value: 120 };
  it.each([
    ['a good batch', [ok], bpbd, null],
    ['an unknown metric', [ok, { ...ok, metricOrKind: 'nope' }], bpbd, { kind: 'invalid', details: [{ index: 1, path: 'metric' }] }],
    ['a value out of the metric’s bounds', [{ ...ok, value: 9_999 }], bpbd, { kind: 'invalid', details: [{ index: 0, path: 'value' }] }],
    ['a value past the global bound', [{ ...ok, value: 1e308 }], bpbd, { kind: 'invalid', details: [{ index: 0, path: 'value' }] }],
    ['an unknown region', [{ ...ok, region: '99.99' }], bpbd, { kind: 'invalid', details: [{ index: 0, path: 'region' }] }],
    ['a time an hour ahead', [{ ...ok, time: NOW + 3_600_000 }], bpbd, { kind: 'invalid', details: [{ index: 0, path: 'time' }] }],
    ['another OPD’s metric', [ok, { ...ok, metricOrKind: 'fill', value: 0.5 }], bpbd, { kind: 'forbidden', opd: 'BPBD', details: [{ index: 1 }] }],
    ['invalid wins over forbidden', [{ ...ok, metricOrKind: 'fill', region: '99' }], bpbd, { kind: 'invalid' }],
    ['a key without the points scope', [ok], { ...bpbd, scopes: ['events'] as ('points' | 'events')[] }, { kind: 'forbidden' }],
  ])('%s', (_name, records, key, expected) => {
    const r = checkRecords(records, 'metric', key, NOW, catalog);
    if (expected === null) expect(r).toBeNull();
    else expect(r).toMatchObject(expected);
  });

  it('checks event kinds the same way', () => {
    expect(checkRecords([{ metricOrKind: 'complaint', time: NOW }], 'kind', { ...bpbd, opd: 'DISKOMINFO' }, NOW, catalog)).toBeNull();
    expect(checkRecords([{ metricOrKind: 'complaint', time: NOW }], 'kind', bpbd, NOW, catalog)).toMatchObject({ kind: 'forbidden' });
  });
});

describe('batchTooLarge', () => {
  it.each([
    [{ points: [1, 2, 3] }, 'points', 3, null],
    [{ points: [1, 2, 3, 4] }, 'points', 3, { kind: 'too_large', field: 'points', items: 4, max: 3 }],
    [{ events: new Array(5) }, 'events', 3, { kind: 'too_large', items: 5 }],
    [{ points: 'not an array' }, 'points', 3, null], // left to the schema, which names the field
    [null, 'points', 3, null],
  ] as const)('%j, %s, max %i', (body, field, max, expected) => {
    const r = batchTooLarge(body, field, max);
    if (expected === null) expect(r).toBeNull();
    else expect(r).toMatchObject(expected);
  });
});

describe('spool rules', () => {
  it.each([
    ['{"a":1}\n{"a":2}\n', 0, 2],
    ['{"a":1}\n{"a":2}\n', 8, 1], // from the cursor in the middle
    ['{"a":1}\n{"a":2}\n', 16, 0], // all acknowledged
    ['{"a":1}\n{"a":', 0, 1], // a torn tail is no record
    ['', 0, 0],
  ])('recordsFrom(%j, %i) → %i', (text, offset, expected) => expect(recordsFrom(Buffer.from(text), offset)).toBe(expected));

  it('drops from the lane holding the most bytes, never from a lane with only the segment being written', () => {
    const lane = (name: string, sizes: [number, number][]) => ({ name, segments: sizes.map(([seg]) => seg), sizes: new Map(sizes) });
    const big = lane('DLH', [[7, 900]]); // one segment: being written
    const a = lane('BPBD', [
      [1, 100],
      [2, 100],
    ]);
    const b = lane('DISHUB', [
      [3, 150],
      [4, 100],
    ]);
    expect(fullestDroppableLane([big, a, b])?.name).toBe('DISHUB');
    expect(fullestDroppableLane([big])).toBeUndefined();
    expect(fullestDroppableLane([a, lane('DPUPR', [...a.sizes])])?.name).toBe('BPBD'); // a tie: the first
  });
});
