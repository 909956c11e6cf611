import { describe, expect, it } from 'vitest';
import { mapRecord, mappingSchema, parseTime } from '../../ingest/mapping';

const water = mappingSchema.parse({
  version: '2026-11-1',
  produces: 'points',
  fields: {
    metric: { const: 'water_level' },
    entity: { from: 'pos', codes: 'stations' },
    time: { from: 'waktu', format: 'dmy_hm' },
    value: { from: 'tma_m', scale: 100 },
    region: { from: 'kel', codes: 'kelurahan' },
  },
  codes: {
    stations: { 'STA-12': 'PA-BANGER', '07': 'PA-TAWANG' },
    kelurahan: { 'Bulu Lor': '33.74.02.1001', 'Kel. Bulu Lor': '33.74.02.1001' },
  },
});

const complaints = mappingSchema.parse({
  produces: 'events',
  fields: {
    kind: { const: 'complaint' },
    id: { from: 'no_tiket' },
    status: { from: 'st', codes: 'status' },
    time: { from: 'ts', format: 'epoch_s' },
    category: { from: 'jenis', codes: 'kategori' },
  },
  codes: {
    status: { '01': 'received', M: 'received', masuk: 'received', '02': 'verified', selesai: 'resolved' },
    kategori: { 'Jalan Rusak': 'jalan_rusak', Sampah: 'sampah' },
  },
});

describe('mapRecord', () => {
  it('maps their codes, units and local times to our catalog', () => {
    expect(mapRecord(water, { pos: 'STA-12', waktu: '22/11/2026 07:30', tma_m: '1,5', kel: 'Kel. Bulu Lor' })).toEqual({
      ok: true,
      point: { metric: 'water_level', entity: 'PA-BANGER', time: Date.parse('2026-11-22T00:30:00Z'), value: 150, region: '33.74.02.1001' },
    });
  });

  it.each(['01', 'M', 'masuk'])('maps their status %j to one code', (st) => {
    const r = mapRecord(complaints, { no_tiket: 'T-9', st, ts: 1_795_000_000, jenis: 'Sampah' });
    expect(r).toMatchObject({ ok: true, event: { status: 'received', category: 'sampah', time: 1_795_000_000_000 } });
  });

  it.each([
    ['an unmapped station', { pos: 'STA-99', waktu: '22/11/2026 07:30', tma_m: 1, kel: 'Bulu Lor' }, "unmapped stations code 'STA-99' in 'pos'"],
    ['an unmapped kelurahan', { pos: '07', waktu: '22/11/2026 07:30', tma_m: 1, kel: 'Atlantis' }, "unmapped kelurahan code 'Atlantis' in 'kel'"],
    ['a missing value', { pos: '07', waktu: '22/11/2026 07:30', kel: 'Bulu Lor' }, "missing 'tma_m' (for value)"],
    ['text for a number', { pos: '07', waktu: '22/11/2026 07:30', tma_m: 'tinggi', kel: 'Bulu Lor' }, '\'tma_m\' is "tinggi", not a finite number'],
    ['NaN', { pos: '07', waktu: '22/11/2026 07:30', tma_m: 'NaN', kel: 'Bulu Lor' }, '\'tma_m\' is "NaN", not a finite number'],
    ['Infinity', { pos: '07', waktu: '22/11/2026 07:30', tma_m: Infinity, kel: 'Bulu Lor' }, "'tma_m' is null, not a finite number"],
    ['an impossible date', { pos: '07', waktu: '31/02/2026 07:30', tma_m: 1, kel: 'Bulu Lor' }, "time '31/02/2026 07:30' is not a valid date"],
    [
      'a huge string',
      { pos: 'x'.repeat(10_000), waktu: '22/11/2026 07:30', tma_m: 1, kel: 'Bulu Lor' },
      "'pos' is 10000 characters long; at most 500",
    ],
    ['not an object', 'STA-12;1.5', 'record is string, not an object'],
  ])('refuses %s with the reason, never guessing', (_name, record, reason) => {
    expect(mapRecord(water, record)).toEqual({ ok: false, reason });
  });

  it('maps their revision number of a reading (a correction: issue 14.5), and refuses a fractional one', () => {
    const revised = mappingSchema.parse({ ...water, fields: { ...water.fields, revision: { from: 'rev' } } });
    const rec = { pos: 'STA-12', waktu: '22/11/2026 07:30', tma_m: '1,5', kel: 'Bulu Lor' };
    expect(mapRecord(revised, { ...rec, rev: '2' })).toMatchObject({ ok: true, point: { revision: 2, value: 150 } });
    expect(mapRecord(revised, rec)).toMatchObject({ ok: true, point: { value: 150 } });
    expect(mapRecord(revised, { ...rec, rev: 1.5 })).toMatchObject({ ok: false, reason: expect.stringContaining('revision') });
  });

  it('refuses an unmapped status', () => {
    expect(mapRecord(complaints, { no_tiket: 'T-1', st: '07', ts: 1, jenis: 'Sampah' })).toEqual({
      ok: false,
      reason: "unmapped status code '07' in 'st'",
    });
  });

  it('validates the result against the ingest schema', () => {
    const r = mapRecord(complaints, { no_tiket: 'has spaces', st: '01', ts: 1, jenis: 'Sampah' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^id: /);
  });
});

describe('parseTime', () => {
  it('needs an offset unless the mapping declares one', () => {
    expect(parseTime('2026-11-22T07:30:00', { from: 't' })).toMatch(/no UTC offset/);
    expect(parseTime('2026-11-22T07:30:00', { from: 't', utcOffset: '+07:00' })).toBe(Date.parse('2026-11-22T00:30:00Z'));
    expect(parseTime('2026-11-22T07:30:00+08:00', { from: 't', utcOffset: '+07:00' })).toBe(Date.parse('2026-11-21T23:30:00Z'));
  });
});

describe('mappingSchema', () => {
  it('says which field a mapping lacks and which code list is missing', () => {
    const r = mappingSchema.safeParse({
      produces: 'points',
      fields: { metric: { const: 'x' }, entity: { from: 'a', codes: 'nope' }, time: { from: 't' }, colour: { from: 'c' } },
    });
    expect(r.success).toBe(false);
    if (r.success) return;
    const messages = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "fields.value: a mapping that produces points must say where 'value' comes from",
        "fields.entity.codes: no code list 'nope' in codes",
        "fields.colour: 'colour' is not a field of points; known: metric, entity, region, time, value, lon, lat, revision",
      ]),
    );
  });
});
