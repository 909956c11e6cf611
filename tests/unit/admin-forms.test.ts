/**
 * The admin page's catalog forms (client/admin/forms.ts) and its checks of an item and of an imported file:
 * an item goes to the form and back unchanged, bad text stays for the schema to name, every error path lands on
 * its field, and a file's errors carry their line.
 */
import { describe, expect, it } from 'vitest';
import { catalogDocumentSchema, metricDocSchema, type CatalogDocument } from '../../shared/catalog-document';
import { fieldOf, fromForm, toForm } from '../../client/admin/forms';
import { itemProblems } from '../../client/admin/CatalogEditor';
import { checkCatalogText } from '../../client/admin/ImportSection';
import { checkScenesText } from '../../client/admin/ScenesSection';
import { refusalOf } from '../../client/admin/admin-api';
import { regionProblems } from '../../client/admin/MapDataSection';

const bed = metricDocSchema.parse({
  code: 'bed_occupancy',
  domain: 'health',
  ownerOpd: 'DINKES',
  class: 'terbatas',
  unit: '%',
  nameId: 'Keterisian tempat tidur RS',
  nameEn: 'Hospital bed occupancy',
  cadenceS: 300,
  thresholds: { waspada: 80, siaga: 90, awas: 95 },
  hysteresis: 2,
  sop: { siaga: { id: 'Buka ruang cadangan', en: 'Open reserve wards' } },
  valueMin: 0,
  valueMax: 100,
});

const doc: CatalogDocument = catalogDocumentSchema.parse({
  opd: [{ code: 'DINKES', name: 'Dinas Kesehatan' }],
  domains: [{ code: 'health', nameId: 'Kesehatan', nameEn: 'Health' }],
  metrics: [],
  eventKinds: [],
});

describe('catalog forms', () => {
  it('round-trips a metric and an event kind through the form', () => {
    expect(metricDocSchema.parse(fromForm('metrics', toForm('metrics', bed)))).toEqual(bed);
    const kind = {
      code: 'outbreak_report',
      domain: 'health',
      ownerOpd: 'DINKES',
      class: 'terbatas',
      nameId: 'Laporan KLB',
      nameEn: 'Outbreak report',
      statuses: ['reported', 'closed'],
      closedStatuses: ['closed'],
      categories: [{ code: 'dbd', nameId: 'Demam berdarah', nameEn: 'Dengue fever' }],
      sla: [
        { category: '', targetHours: 48, handlerOpd: null },
        { category: 'dbd', targetHours: 24, handlerOpd: 'DINKES' },
      ],
      territorial: true,
    };
    expect(fromForm('event-kinds', toForm('event-kinds', kind))).toEqual(kind);
  });

  it('leaves no thresholds as null and keeps text that is not a number for the schema to name', () => {
    const v = toForm('metrics', { ...bed, thresholds: null, sop: null, valueMin: null });
    const item = fromForm('metrics', v);
    expect(item.thresholds).toBeNull();
    expect(item.sop).toBeNull();
    expect(item.valueMin).toBeNull();
    expect(fromForm('metrics', { ...v, cadenceS: 'lima' }).cadenceS).toBe('lima');
  });

  it.each([
    [['thresholds', 'siaga'], 'thresholds.siaga'],
    [['thresholds'], 'thresholds.waspada'],
    [['sop', 'awas', 'en'], 'sop.awas.en'],
    [['cadenceS'], 'cadenceS'],
    [['nowhere'], null],
  ] as const)('puts an error at %j on field %s', (path, field) => {
    expect(fieldOf('metrics', path)).toBe(field);
  });

  it('judges an item with the schema and the whole-document rule, by field', () => {
    const wrong = fromForm('metrics', { ...toForm('metrics', bed), 'thresholds.siaga': '70' });
    expect(itemProblems('metrics', doc, wrong, null).fields).toMatchObject({ 'thresholds.siaga': expect.stringMatching(/siaga/) });
    const unknownOpd = fromForm('metrics', { ...toForm('metrics', bed), ownerOpd: 'DINSOS' });
    expect(itemProblems('metrics', doc, unknownOpd, null).fields).toEqual({ ownerOpd: "unknown OPD 'DINSOS'" });
    expect(itemProblems('metrics', doc, fromForm('metrics', toForm('metrics', bed)), null)).toEqual({ fields: {}, general: [] });
  });
});

describe('imported files', () => {
  it('names the line of each error in a YAML catalog', () => {
    const text = [
      'opd:',
      '  - code: DINKES',
      '    name: Dinas Kesehatan',
      'domains:',
      '  - { code: health, nameId: Kesehatan, nameEn: Health }',
      'metrics:',
      '  - code: bed_occupancy',
      '    domain: health',
      '    ownerOpd: DINKES',
      '    class: terbatas',
      "    unit: '%'",
      '    nameId: Keterisian',
      '    nameEn: Occupancy',
      '    cadenceS: 300',
      '    thresholds: { waspada: 90, siaga: 80, awas: 95 }',
    ].join('\n');
    const r = checkCatalogText(text);
    expect(r.doc).toBeNull();
    expect(r.errors).toEqual([expect.stringMatching(/^metrics\.0\.thresholds\.siaga \(line 15\): siaga \(80\) must not be below waspada \(90\)/)]);
    expect(checkCatalogText('opd: [').errors[0]).toMatch(/^line \d+:/);
    expect(checkCatalogText(text.replace('siaga: 80', 'siaga: 92')).doc?.metrics[0]?.code).toBe('bed_occupancy');
  });

  it('names the path and line of a scenes document error', () => {
    const text = [
      'version: 1',
      'scenes:',
      '  - id: kesehatan',
      '    title: { id: Kesehatan, en: Health }',
      '    durationS: 30',
      '    panels:',
      '      - type: metric-kpi',
      '        area: { col: 10, row: 1, w: 4, h: 2 }',
      '        metrics: [bed_occupancy]',
    ].join('\n');
    expect(checkScenesText(text).errors).toEqual([expect.stringMatching(/^scenes\.0\.panels\.0\.area\.w \(line 8\): panel ends at column 13/)]);
  });

  it('names each refused boundary feature', () => {
    const body = {
      error: '2 problem(s) in the file; nothing was imported',
      details: [
        { index: 3, code: '33.74.99', name: 'Tidak Ada', message: 'unknown Kemendagri code' },
        { index: 7, code: null, name: null, message: 'self-intersecting ring' },
      ],
    };
    expect(regionProblems(body, 422)).toEqual([
      '2 problem(s) in the file; nothing was imported',
      '#3 33.74.99 Tidak Ada: unknown Kemendagri code',
      '#7: self-intersecting ring',
    ]);
    expect(regionProblems(null, 413)).toEqual(['HTTP 413']);
  });

  it('reads the error envelope of any refusal', () => {
    expect(refusalOf(400, { error: 'bad', details: [{ index: null, path: 'opd', message: 'unknown' }] })).toMatchObject({
      message: 'bad',
      details: [{ path: 'opd', message: 'unknown' }],
    });
    expect(refusalOf(502, '<html>')).toMatchObject({ message: 'HTTP 502', details: [] });
  });
});
