/**
 * How one GeoReport v2 service request becomes a complaint event (ingest/sources/open311.ts), row by row:
 * every row is a request a real 311 server could send and the event or reason the source must produce.
 */
import { describe, expect, it } from 'vitest';
import { createRequestMapper, open311ConfigSchema, parseGeoReportTime, requestEventTime } from '../../ingest/sources/open311';

const config = open311ConfigSchema.parse({
  baseUrl: 'https://lapor.example.go.id/open311/v2',
  serviceCodeMap: { '001': 'jalan_rusak', '7': 'banjir' },
  regionMap: { Pekunden: '33.74.01.1013', 'Semarang Tengah': '33.74.01', Pekundenan: '33.74.09.9999' },
  utcOffset: '+07:00',
});
const toEvent = createRequestMapper(config);
const base = { service_request_id: 'A-1', status: 'open', service_code: '001', requested_datetime: '2026-12-06T06:10:00+07:00' };
const T = Date.parse('2026-12-06T06:10:00+07:00');

describe('createRequestMapper', () => {
  it.each([
    ['a plain request', base, { kind: 'complaint', id: 'o311-A-1', status: 'received', time: T, category: 'jalan_rusak' }],
    [
      'numeric id and code, status in other case',
      { ...base, service_request_id: 42, service_code: 7, status: ' In_Progress ' },
      { id: 'o311-42', status: 'dispatched', category: 'banjir' },
    ],
    [
      'updated_datetime wins over requested_datetime',
      { ...base, updated_datetime: '2026-12-06T07:00:00Z' },
      { time: Date.parse('2026-12-06T07:00:00Z') },
    ],
    ['a time without offset takes utcOffset', { ...base, requested_datetime: '2026-12-06 06:10:00' }, { time: T }],
    [
      'kelurahan and its kecamatan nest: the deepest code',
      { ...base, address: 'Jl. Pemuda, Pekunden, Semarang Tengah' },
      { region: '33.74.01.1013' },
    ],
    ['a name inside a longer word does not match', { ...base, address: 'Gg. Pekundenan 3' }, { region: '33.74.09.9999' }],
    ['coordinates as strings', { ...base, lat: '-6.98', long: '110.41' }, { lat: -6.98, lon: 110.41 }],
    ['0,0 is "no location"', { ...base, lat: 0, long: 0 }, { lat: undefined }],
    ['service_name becomes the title', { ...base, service_name: '  Jalan berlubang ' }, { title: 'Jalan berlubang' }],
  ])('%s', (_name, request, expected) => {
    const out = toEvent(request);
    expect(out.ok).toBe(true);
    const { lat, ...rest } = expected as { lat?: number };
    expect(out.ok && out.event).toMatchObject(rest);
    // toMatchObject cannot say "no such key": a placeholder position must be absent, not undefined or 0
    if ('lat' in expected) expect(out.ok && out.event.lat).toBe(lat);
  });

  it.each([
    ['not an object', ['x'], /array, not an object/],
    ['no id', { ...base, service_request_id: undefined }, /missing service_request_id/],
    ['an id of the wrong type', { ...base, service_request_id: { a: 1 } }, /service_request_id is object/],
    ['no status', { ...base, status: ' ' }, /missing status/],
    ['an unmapped status', { ...base, status: 'escalated' }, /unmapped status 'escalated'/],
    ['an unmapped service code', { ...base, service_code: '999' }, /unmapped service_code '999'/],
    ['no time at all', { ...base, requested_datetime: undefined }, /missing updated_datetime and requested_datetime/],
    ['a coordinate that is not a number', { ...base, lat: 'utara' }, /lat is "utara", not a number/],
    ['an address matching two unrelated regions', { ...base, address: 'Pekunden / Pekundenan' }, null],
  ])('refuses %s', (_name, request, reason) => {
    const out = toEvent(request);
    if (reason === null) {
      // conflicting matches are not an error: the event carries no region
      expect(out.ok && out.event.region).toBeUndefined();
      return;
    }
    expect(out).toMatchObject({ ok: false });
    expect(!out.ok && out.reason).toMatch(reason);
  });
});

describe('parseGeoReportTime', () => {
  it.each([
    ['2026-12-06T06:10:00+07:00', undefined, T],
    ['2026-12-05T23:10:00Z', undefined, T],
    ['2026-12-06T06:10:00+0700', undefined, T],
    ['2026-12-06T06:10:00', '+07:00', T],
    ['2026-12-06T06:10:00', undefined, /no UTC offset/],
    ['06/12/2026 06:10', '+07:00', /not ISO 8601/],
    ['2026-13-45T99:99:00Z', undefined, /not a valid date-time/],
    [1765000000, undefined, /number, not a date-time/],
  ])('%j (offset %s) → %s', (raw, offset, expected) => {
    const out = parseGeoReportTime(raw, 'requested_datetime', offset);
    if (typeof expected === 'number') expect(out).toBe(expected);
    else expect(out).toMatch(expected);
  });

  it('event time names the field that failed', () => {
    expect(requestEventTime({ updated_datetime: 'kemarin', requested_datetime: base.requested_datetime }, '+07:00')).toMatch(/^updated_datetime/);
  });
});
