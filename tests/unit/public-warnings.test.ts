/**
 * Public flood warnings (server/public/warnings.ts): the latest reading of each publik water-level series
 * against its thresholds, grouped by kecamatan and kelurahan; old readings raise no warning; nothing but
 * publik warning metrics gets through.
 */
import { describe, expect, it } from 'vitest';
import { publicWarnings, WARNING_MAX_AGE_MS, type WarningRow } from '../../server/public/warnings';

const NOW = Date.UTC(2026, 10, 22, 5, 0, 0);
const TH = { waspada: 150, siaga: 200, awas: 250 };

function row(entity: string, v: number | null, over: Partial<WarningRow> = {}): WarningRow {
  return {
    metric: 'water_level',
    class: 'publik',
    unit: 'cm',
    nameId: 'Tinggi muka air',
    nameEn: 'Water level',
    cadenceS: 10,
    thresholds: TH,
    entity,
    region: '33.74.01.1001',
    regionName: 'Sekayu',
    regionLevel: 'kelurahan',
    parent: '33.74.01',
    parentName: 'Semarang Tengah',
    lon: 110.41,
    lat: -6.98,
    t: v === null ? null : NOW - 5_000,
    v,
    ...over,
  };
}

const kelB = { region: '33.74.02.1003', regionName: 'Kemijen', parent: '33.74.02', parentName: 'Semarang Timur' };
const kelC = { region: '33.74.02.1004', regionName: 'Rejomulyo', parent: '33.74.02', parentName: 'Semarang Timur' };

describe('publicWarnings', () => {
  it('levels each gauge by its thresholds and takes the worst per kelurahan, kecamatan and city', () => {
    const w = publicWarnings([row('PA-1', 120), row('PA-2', 149.9), row('PA-3', 150, kelB), row('PA-4', 210, kelC), row('PA-5', 260, kelC)], NOW);
    expect(w.updatedAt).toBe(NOW);
    expect(w.level).toBe('awas');
    expect(w.t).toBe(NOW - 5_000);
    expect(w.areas.map((a) => [a.name, a.level])).toEqual([
      ['Semarang Timur', 'awas'],
      ['Semarang Tengah', 'normal'],
    ]);
    const timur = w.areas[0]!;
    expect(timur.code).toBe('33.74.02');
    expect(timur.kelurahan.map((k) => [k.name, k.level])).toEqual([
      ['Rejomulyo', 'awas'],
      ['Kemijen', 'waspada'],
    ]);
    expect(timur.kelurahan[0]!.gauges.map((g) => [g.entity, g.level])).toEqual([
      ['PA-5', 'awas'],
      ['PA-4', 'siaga'],
    ]);
    expect(w.warnings).toEqual([{ code: '33.74.02', name: 'Semarang Timur', level: 'awas', t: NOW - 5_000 }]);
    expect(w.metrics).toEqual([{ code: 'water_level', unit: 'cm', nameId: 'Tinggi muka air', nameEn: 'Water level', cadenceS: 10, thresholds: TH }]);
    // a threshold is inclusive: exactly 150 cm is Waspada, 149.9 is not
    expect(w.areas[1]!.kelurahan[0]!.gauges.map((g) => [g.entity, g.level])).toEqual([
      ['PA-2', 'normal'],
      ['PA-1', 'normal'],
    ]);
  });

  it('lists Waspada and above as warnings, worst first, and nothing when all is normal', () => {
    const w = publicWarnings([row('PA-1', 160), row('PA-3', 205, kelB)], NOW);
    expect(w.warnings.map((x) => [x.name, x.level])).toEqual([
      ['Semarang Timur', 'siaga'],
      ['Semarang Tengah', 'waspada'],
    ]);
    const calm = publicWarnings([row('PA-1', 40), row('PA-3', 90, kelB)], NOW);
    expect(calm.level).toBe('normal');
    expect(calm.warnings).toEqual([]);
    expect(calm.areas).toHaveLength(2);
  });

  it('raises no warning from a reading older than the window, but still lists the gauge', () => {
    const old = NOW - WARNING_MAX_AGE_MS - 1;
    const w = publicWarnings([row('PA-1', 300, { t: old }), row('PA-3', 100, kelB)], NOW);
    expect(w.level).toBe('normal');
    expect(w.warnings).toEqual([]);
    const g = w.areas.flatMap((a) => a.kelurahan.flatMap((k) => k.gauges)).find((x) => x.entity === 'PA-1')!;
    expect(g).toMatchObject({ value: 300, level: 'awas', current: false, late: true, ageMs: WARNING_MAX_AGE_MS + 1 });
    const tengah = w.areas.find((a) => a.code === '33.74.01')!;
    expect(tengah.level).toBeNull(); // no current reading: neither a warning nor "normal"
    // exactly at the window it still counts; a custom window is honoured
    expect(publicWarnings([row('PA-1', 300, { t: NOW - WARNING_MAX_AGE_MS })], NOW).level).toBe('awas');
    expect(publicWarnings([row('PA-1', 300, { t: NOW - 120_000 })], NOW, { maxAgeMs: 60_000 }).level).toBeNull();
    // a slow metric keeps three expected readings however short the window
    expect(publicWarnings([row('PA-1', 300, { t: NOW - 2 * 3_600_000, cadenceS: 3_600 })], NOW).level).toBe('awas');
  });

  it('marks a reading late after three missed readings (30 s at least) and a series without one as no data', () => {
    const w = publicWarnings([row('PA-1', 170, { t: NOW - 31_000 }), row('PA-2', 170, { t: NOW - 29_000 }), row('PA-3', null)], NOW);
    const g = new Map(w.areas.flatMap((a) => a.kelurahan.flatMap((k) => k.gauges)).map((x) => [x.entity, x]));
    expect(g.get('PA-1')).toMatchObject({ late: true, current: true, level: 'waspada' });
    expect(g.get('PA-2')).toMatchObject({ late: false, current: true });
    expect(g.get('PA-3')).toMatchObject({ value: null, t: null, ageMs: null, level: null, current: false, late: true });
    expect(w.level).toBe('waspada');
  });

  it('drops non-publik classes, other metrics and metrics without valid thresholds', () => {
    const w = publicWarnings(
      [
        row('SECRET', 400, { class: 'terbatas' }),
        row('CONF', 400, { class: 'rahasia' }),
        row('RAIN', 400, { metric: 'rainfall' }),
        row('NOTH', 400, { thresholds: null }),
        row('BAD', 400, { thresholds: { waspada: '1', siaga: 2, awas: 3 } }),
        row('PA-1', 100),
      ],
      NOW,
    );
    const entities = w.areas.flatMap((a) => a.kelurahan.flatMap((k) => k.gauges.map((g) => g.entity)));
    expect(entities).toEqual(['PA-1']);
    expect(w.level).toBe('normal');
    expect(JSON.stringify(w)).not.toMatch(/SECRET|CONF|RAIN|NOTH|BAD/);
    // another metric may be named explicitly
    expect(publicWarnings([row('RAIN', 400, { metric: 'rainfall' })], NOW, { metrics: ['rainfall'] }).level).toBe('awas');
  });

  it('places gauges by kelurahan, by kecamatan when that is their region, and apart when they have none', () => {
    const w = publicWarnings(
      [
        row('KEC', 155, { region: '33.74.03', regionName: 'Semarang Barat', regionLevel: 'kecamatan', parent: '33.74', parentName: 'Kota Semarang' }),
        row('NOPARENT', 100, { region: '33.74.05.1002', regionName: 'Tanjung Mas', parent: null, parentName: null }),
        row('NOWHERE', 100, { region: null, regionName: null, regionLevel: null, parent: null, parentName: null }),
        row('CITY', 100, { region: '33.74', regionName: 'Kota Semarang', regionLevel: 'kota', parent: '33', parentName: 'Jawa Tengah' }),
      ],
      NOW,
    );
    const barat = w.areas.find((a) => a.code === '33.74.03')!;
    expect(barat).toMatchObject({ name: 'Semarang Barat', level: 'waspada' });
    expect(barat.kelurahan).toEqual([expect.objectContaining({ code: null, name: null, level: 'waspada' })]);
    // a kelurahan without a parent row falls back to the kecamatan part of its code
    expect(w.areas.find((a) => a.code === '33.74.05')!.kelurahan[0]).toMatchObject({ code: '33.74.05.1002', name: 'Tanjung Mas' });
    const none = w.areas.find((a) => a.code === null)!;
    expect(none.kelurahan[0]!.gauges.map((g) => g.entity).sort()).toEqual(['CITY', 'NOWHERE']);
    expect(w.areas[0]!.code).toBe('33.74.03'); // worst first
  });

  it('gives an empty, null-level answer when there are no gauges', () => {
    expect(publicWarnings([], NOW)).toEqual({
      updatedAt: NOW,
      maxAgeMs: WARNING_MAX_AGE_MS,
      level: null,
      t: null,
      warnings: [],
      metrics: [],
      areas: [],
    });
  });
});
