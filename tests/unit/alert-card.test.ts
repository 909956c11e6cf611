/** An alert card says where, the live value and its age, links, and the catalog's SOP for the level. */
import { describe, expect, it } from 'vitest';
import { alertCard, placeText } from '../../client/features/alerts/card';
import type { WireAlert } from '../../shared/alerts';
import { sopText, type Sop } from '../../shared/catalog';

const NOW = Date.parse('2026-11-22T06:40:00+07:00');
const SOP: Sop = { siaga: { id: 'Nyalakan pompa.', en: 'Start the pumps.' }, awas: { id: 'Evakuasi.', en: '' } };
const alert: WireAlert = {
  id: 1,
  metric: 'water_level',
  entity: 'PA-UJI',
  seriesId: 7,
  level: 'awas',
  openedAt: NOW - 600_000,
  lastValue: 262,
  lastTime: NOW - 60_000,
  clearedAt: null,
  acknowledgedAt: null,
  acknowledgedBy: null,
  note: null,
};
const names = new Map([
  ['33.74.01.1001', 'Tugurejo'],
  ['33.74.01', 'Tugu'],
]);
const series = (latestV: number | null, latestT: number | null, region: string | null = '33.74.01.1001') => ({
  latestV,
  latestT,
  lon: 110.35,
  lat: -6.98,
  meta: { region, lon: 110.35, lat: -6.98 },
});

describe('alertCard', () => {
  it.each([
    ['the live value beats the alert record', series(277, NOW - 5_000), { value: 277, t: NOW - 5_000, live: true, stale: false }],
    ['an older live buffer does not undo the record', series(250, NOW - 120_000), { value: 262, t: NOW - 60_000, live: false, stale: true }],
    ['without the series: the record, its age judged', undefined, { value: 262, live: false, stale: true, place: null, mapHref: null }],
    [
      'where: kelurahan and kecamatan by name; links',
      series(277, NOW - 5_000),
      {
        place: 'Kel. Tugurejo, Kec. Tugu',
        chartHref: '/agency#/metrik/water_level?entitas=PA-UJI',
        mapHref: 'geo:-6.98000,110.35000',
        sop: 'Evakuasi.',
      },
    ],
    ['a kecamatan-level series', series(277, NOW - 5_000, '33.74.01'), { kelurahan: null, kecamatan: 'Tugu', place: 'Kec. Tugu' }],
  ] as const)('%s', (_n, s, want) => {
    expect(alertCard(alert, s, { cadenceS: 10, sop: SOP }, names, NOW, 'id')).toMatchObject(want);
  });

  it('the SOP follows the level and language, English falling back to Indonesian', () => {
    expect(alertCard({ ...alert, level: 'siaga' }, undefined, { cadenceS: 10, sop: SOP }, names, NOW, 'en').sop).toBe('Start the pumps.');
    expect(alertCard(alert, undefined, { cadenceS: 10, sop: SOP }, names, NOW, 'en').sop).toBe('Evakuasi.');
    expect(alertCard(alert, undefined, { cadenceS: 10, sop: null }, names, NOW, 'id').sop).toBeNull();
    expect(sopText(SOP, 'normal', 'id')).toBeNull();
  });

  it.each([
    ['A', 'B', 'id', 'Kel. A, Kec. B'],
    ['A', 'B', 'en', 'A, B district'],
    [null, 'B', 'id', 'Kec. B'],
    [null, null, 'en', null],
  ] as const)('placeText(%s, %s, %s) → %s', (kel, kec, lang, out) => expect(placeText(kel, kec, lang)).toBe(out));
});
