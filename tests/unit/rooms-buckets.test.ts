import { describe, expect, it } from 'vitest';
import { chooseBucket } from '../../shared/buckets';
import { alertLevel } from '../../shared/catalog';
import { isRoomId, parseRoomId, toRoomId, type Room } from '../../shared/rooms';

describe('rooms', () => {
  it.each<Room>([
    { type: 'metric', metric: 'water_level' },
    { type: 'events', kind: 'complaint' },
    { type: 'feeds' },
    { type: 'alerts' },
    { type: 'alerts', opd: 'BPBD' },
    { type: 'incidents' },
    { type: 'incidents', opd: 'BPBD' },
    { type: 'incidents', opd: 'BPBD', purpose: 'flood-response' },
  ])('round-trips %o', (room) => {
    expect(parseRoomId(toRoomId(room))).toEqual(room);
  });
  it.each([
    'water_level',
    'metric:',
    'metric:Water',
    'metric:water level',
    'series:water_level',
    'metric:a',
    '',
    ':x',
    'metric:x:y',
    'alerts:bpbd',
    'alerts:',
    'incidents:bpbd',
    'incidents:BPBD/',
    'incidents:BPBD/Flood',
    'incidents:BPBD/flood/x',
    'incidents:/flood-response',
    'incidents:BPBD/flood response',
  ])('rejects %j', (id) => {
    expect(parseRoomId(id)).toBeNull();
    expect(isRoomId(id)).toBe(false);
  });
});

describe('chooseBucket', () => {
  const H = 3_600_000;
  it.each([
    [30 * 60_000, 'raw'],
    [H, 'raw'],
    [H + 1, '1m'],
    [24 * H, '1m'],
    [3 * 24 * H, '1h'],
    [30 * 24 * H, '1h'],
    [365 * 24 * H, '1d'],
  ])('a span of %d ms uses %s', (span, bucket) => {
    expect(chooseBucket(0, span)).toBe(bucket);
  });
});

describe('alertLevel', () => {
  const t = { waspada: 150, siaga: 200, awas: 250 };
  it.each([
    [0, 'normal'],
    [149.9, 'normal'],
    [150, 'waspada'],
    [200, 'siaga'],
    [249, 'siaga'],
    [250, 'awas'],
    [999, 'awas'],
  ])('%d cm is %s', (v, level) => expect(alertLevel(v, t)).toBe(level));
  it('is normal without thresholds', () => expect(alertLevel(1e9, null)).toBe('normal'));
});
