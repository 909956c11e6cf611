/** Defaults of a manual incident made from a map position (client/features/incidents/manual.ts), as a table. */
import { describe, expect, it } from 'vitest';
import { manualBody, manualDefaults, MAX_TITLE, type MapSpot } from '../../client/features/incidents/manual';

const inKel: MapSpot = { lon: 110.4567891, lat: -6.9876543, region: { code: '3374010001', name: 'Tlogosari Kulon' } };
const outside: MapSpot = { lon: 110.4567891, lat: -6.9876543, region: null };

describe('manualDefaults', () => {
  it.each([
    [
      'in a kelurahan, an OPD account',
      inKel,
      'Laporan lapangan',
      'DLH',
      ['BPBD', 'DLH'],
      { title: 'Laporan lapangan · Kel. Tlogosari Kulon', severity: 'waspada', handlingOpd: 'DLH' },
    ],
    [
      'outside every kelurahan',
      outside,
      'Field report',
      null,
      ['BPBD'],
      { title: 'Field report · -6.98765, 110.45679', severity: 'waspada', handlingOpd: 'BPBD' },
    ],
    ['a blank label', inKel, '  ', null, [], { title: 'Insiden · Kel. Tlogosari Kulon', severity: 'waspada', handlingOpd: '' }],
  ] as const)('%s', (_what, spot, label, own, opds, expected) => {
    expect(manualDefaults(spot, label, own, opds)).toEqual(expected);
  });

  it('keeps the title within the server limit', () => {
    const long = { ...inKel, region: { code: 'x', name: 'N'.repeat(400) } };
    expect(manualDefaults(long, 'Laporan', null, ['BPBD']).title).toHaveLength(MAX_TITLE);
  });
});

describe('manualBody', () => {
  it.each([
    [
      'the defaults as they are',
      inKel,
      { title: 'Banjir · Kel. X', severity: 'waspada', handlingOpd: 'BPBD' },
      {
        from: { type: 'manual', lon: inKel.lon, lat: inKel.lat, region: '3374010001' },
        title: 'Banjir · Kel. X',
        severity: 'waspada',
        handlingOpd: 'BPBD',
      },
    ],
    [
      'no kelurahan: no region',
      outside,
      { title: ' Pohon tumbang ', severity: 'awas', handlingOpd: 'DLH' },
      { from: { type: 'manual', lon: outside.lon, lat: outside.lat }, title: 'Pohon tumbang', severity: 'awas', handlingOpd: 'DLH' },
    ],
    ['a blank title', inKel, { title: '   ', severity: 'siaga', handlingOpd: 'BPBD' }, null],
    ['no handling OPD', inKel, { title: 'Banjir', severity: 'siaga', handlingOpd: '' }, null],
  ] as const)('%s', (_what, spot, form, expected) => {
    expect(manualBody(spot, form)).toEqual(expected);
  });
});
