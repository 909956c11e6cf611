import { describe, expect, it } from 'vitest';
import {
  catalogDocumentSchema,
  catalogProblems,
  pathText,
  type CatalogDocument,
  type CatalogDocumentInput,
  type EventKindDocInput,
  type MetricDocInput,
} from '../../shared/catalog-document';
import { diffImport, importProblems, isRelaxation, mergeForValidation, relaxingChanges, stableJson } from '../../server/catalog/changes';
import { parseCatalogFile } from '../../server/catalog/file';
import { defaultAggregation } from '../../shared/catalog';
import { aggregationOf } from '../../client/features/kpi/kpi';

const metric = (over: Partial<MetricDocInput> = {}): MetricDocInput => ({
  code: 'bed_occupancy',
  domain: 'health',
  ownerOpd: 'DINKES',
  class: 'terbatas',
  unit: '%',
  nameId: 'Keterisian tempat tidur',
  nameEn: 'Bed occupancy',
  cadenceS: 300,
  thresholds: { waspada: 80, siaga: 90, awas: 95 },
  ...over,
});
const kind = (over: Partial<EventKindDocInput> = {}): EventKindDocInput => ({
  code: 'outbreak_report',
  domain: 'health',
  ownerOpd: 'DINKES',
  class: 'terbatas',
  nameId: 'Laporan KLB',
  nameEn: 'Outbreak report',
  statuses: ['reported', 'investigated', 'closed'],
  closedStatuses: ['closed'],
  categories: [{ code: 'dbd', nameId: 'Demam berdarah', nameEn: 'Dengue' }],
  sla: [
    { category: '', targetHours: 24 },
    { category: 'dbd', targetHours: 12, handlerOpd: 'DINKES' },
  ],
  ...over,
});
const doc = (over: Partial<CatalogDocumentInput> = {}): CatalogDocument =>
  catalogDocumentSchema.parse({
    opd: [{ code: 'DINKES', name: 'Dinas Kesehatan', shortName: 'Dinkes' }],
    domains: [{ code: 'health', nameId: 'Kesehatan', nameEn: 'Health', sort: 60 }],
    metrics: [metric()],
    eventKinds: [kind()],
    ...over,
  });
const problems = (d: CatalogDocument) => catalogProblems(d).map((p) => `${pathText(p.path)}: ${p.message}`);

describe('catalogProblems (the whole-document rule)', () => {
  it('accepts a good document', () => {
    expect(problems(doc())).toEqual([]);
  });

  it.each<[string, Partial<CatalogDocumentInput>, RegExp]>([
    [
      'duplicate OPD code',
      {
        opd: [
          { code: 'DINKES', name: 'A' },
          { code: 'DINKES', name: 'B' },
        ],
      },
      /^opd\.1\.code: duplicate code 'DINKES'/,
    ],
    ['duplicate metric code', { metrics: [metric(), metric()] }, /^metrics\.1\.code: duplicate/],
    ['unknown owner OPD', { metrics: [metric({ ownerOpd: 'DINSOS' })] }, /^metrics\.0\.ownerOpd: unknown OPD 'DINSOS'/],
    ['unknown domain', { metrics: [metric({ domain: 'kesehatan' })] }, /^metrics\.0\.domain: unknown domain 'kesehatan'/],
    [
      'thresholds out of order',
      { metrics: [metric({ thresholds: { waspada: 90, siaga: 80, awas: 95 } })] },
      /^metrics\.0\.thresholds\.siaga: siaga \(80\) must not be below waspada/,
    ],
    ['awas below siaga', { metrics: [metric({ thresholds: { waspada: 80, siaga: 90, awas: 85 } })] }, /^metrics\.0\.thresholds\.awas:/],
    [
      'hysteresis not smaller than the smallest gap',
      { metrics: [metric({ hysteresis: 5 })] },
      /^metrics\.0\.hysteresis: hysteresis \(5\) must be smaller than the smallest gap between thresholds \(5\)/,
    ],
    [
      'hysteresis without thresholds',
      { metrics: [metric({ thresholds: null, hysteresis: 1 })] },
      /^metrics\.0\.hysteresis: hysteresis without thresholds/,
    ],
    [
      'valueMin not below valueMax',
      { metrics: [metric({ valueMin: 100, valueMax: 100 })] },
      /^metrics\.0\.valueMax: valueMax \(100\) must be greater than valueMin/,
    ],
    [
      'threshold outside the value bounds',
      { metrics: [metric({ valueMin: 0, valueMax: 92 })] },
      /^metrics\.0\.thresholds\.awas: awas \(95\) lies outside/,
    ],
    ['SOP without thresholds', { metrics: [metric({ thresholds: null, sop: { awas: { id: 'x', en: 'y' } } })] }, /^metrics\.0\.sop:/],
    [
      'closed status not a status',
      { eventKinds: [kind({ closedStatuses: ['done'] })] },
      /^eventKinds\.0\.closedStatuses\.0: closed status 'done' is not one of the statuses/,
    ],
    ['duplicate status', { eventKinds: [kind({ statuses: ['a_b', 'a_b'], closedStatuses: [] })] }, /^eventKinds\.0\.statuses\.1: duplicate status/],
    [
      'SLA for an unknown category',
      { eventKinds: [kind({ sla: [{ category: 'campak', targetHours: 5 }] })] },
      /^eventKinds\.0\.sla\.0\.category: unknown category 'campak'/,
    ],
    [
      'two targets for one category',
      { eventKinds: [kind({ sla: [{ targetHours: 5 }, { targetHours: 6 }] })] },
      /^eventKinds\.0\.sla\.1\.category: a second target for the default/,
    ],
    [
      'unknown handling OPD',
      { eventKinds: [kind({ sla: [{ targetHours: 5, handlerOpd: 'DINSOS' }] })] },
      /^eventKinds\.0\.sla\.0\.handlerOpd: unknown OPD 'DINSOS'/,
    ],
    [
      'duplicate category',
      {
        eventKinds: [
          kind({
            categories: [
              { code: 'dbd', nameId: 'a', nameEn: 'a' },
              { code: 'dbd', nameId: 'b', nameEn: 'b' },
            ],
            sla: [],
          }),
        ],
      },
      /^eventKinds\.0\.categories\.1\.code: duplicate category/,
    ],
  ])('%s', (_name, over, expected) => {
    const found = problems(doc(over));
    expect(
      found.some((p) => expected.test(p)),
      found.join('\n'),
    ).toBe(true);
  });

  it('allows equal thresholds (a level skipped) and hysteresis below the smallest non-zero gap', () => {
    expect(problems(doc({ metrics: [metric({ thresholds: { waspada: 1, siaga: 1, awas: 2 }, hysteresis: 0.5 })] }))).toEqual([]);
  });
});

describe('the document schema (each item alone)', () => {
  it.each<[string, unknown, RegExp]>([
    ['OPD code in lower case', { opd: [{ code: 'dinkes', name: 'x' }] }, /^opd\.0\.code/],
    ['metric code with a dash', { metrics: [metric({ code: 'bed-occupancy' })] }, /^metrics\.0\.code/],
    ['cadence 0', { metrics: [metric({ cadenceS: 0 })] }, /^metrics\.0\.cadenceS/],
    ['negative hysteresis', { metrics: [metric({ hysteresis: -1 })] }, /^metrics\.0\.hysteresis/],
    ['unknown aggregation', { metrics: [metric({ aggregation: 'median' as never })] }, /^metrics\.0\.aggregation/],
    ['unknown class', { metrics: [metric({ class: 'rahasia_negara' as never })] }, /^metrics\.0\.class/],
    ['unknown key', { metrics: [{ ...metric(), colour: 'red' }] }, /^metrics\.0/],
    ['a number where text is wanted', { domains: [{ code: 'health', nameId: 5, nameEn: 'x' }] }, /^domains\.0\.nameId/],
  ])('%s', (_name, input, expected) => {
    const r = catalogDocumentSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).some((p) => expected.test(p))).toBe(true);
  });
});

describe('an import over the present catalog', () => {
  const present = doc();
  it('lists created and updated items and leaves unchanged ones out', () => {
    const incoming = doc({
      opd: [
        { code: 'DINKES', name: 'Dinas Kesehatan', shortName: 'Dinkes' },
        { code: 'DINSOS', name: 'Dinas Sosial' },
      ],
      metrics: [metric({ cadenceS: 600 })],
      eventKinds: [kind()],
      domains: [],
    });
    expect(diffImport(present, incoming).map((c) => `${c.action} ${c.section} ${c.code}`)).toEqual([
      'created opd DINSOS',
      'updated metrics bed_occupancy',
    ]);
  });

  it('property: importing the present catalog changes nothing, and importing twice is importing once', () => {
    expect(diffImport(present, present)).toEqual([]);
    const incoming = doc({ metrics: [metric({ cadenceS: 60 })] });
    const after = mergeForValidation(present, incoming);
    expect(diffImport(after, incoming)).toEqual([]);
  });

  it('judges imported items against present ones: a metric may name an OPD the import does not carry', () => {
    const only = catalogDocumentSchema.parse({ metrics: [metric({ code: 'icu_occupancy' })] });
    expect(importProblems(present, only)).toEqual([]);
    const orphan = catalogDocumentSchema.parse({ metrics: [metric({ ownerOpd: 'DINSOS' })] });
    expect(importProblems(present, orphan).map((p) => pathText(p.path))).toEqual(['metrics.0.ownerOpd']);
  });

  it('null and absent are the same', () => {
    expect(stableJson({ a: 1, b: null })).toBe(stableJson({ a: 1 }));
    expect(stableJson({ b: 2, a: 1 })).toBe(stableJson({ a: 1, b: 2 }));
  });
});

describe('relaxations', () => {
  it.each([
    ['rahasia', 'terbatas', true],
    ['rahasia', 'publik', true],
    ['terbatas', 'publik', true],
    ['publik', 'terbatas', false],
    ['terbatas', 'rahasia', false],
    ['terbatas', 'terbatas', false],
  ] as const)('%s → %s: %s', (from, to, relaxed) => {
    expect(isRelaxation(from, to)).toBe(relaxed);
  });

  it('picks the relaxing changes of metrics and kinds only', () => {
    const present = doc();
    const incoming = doc({ metrics: [metric({ class: 'publik' })], eventKinds: [kind({ class: 'rahasia' })] });
    expect(relaxingChanges(diffImport(present, incoming))).toEqual([{ section: 'metrics', code: 'bed_occupancy', from: 'terbatas', to: 'publik' }]);
  });
});

describe('parseCatalogFile', () => {
  it('names the line of every problem', () => {
    const r = parseCatalogFile(
      ['opd:', '  - code: DINKES', '    name: Dinas Kesehatan', 'metrics:', '  - code: Bad-Code', '    domain: health'].join('\n'),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('metrics.0.code (line 5): lower case letters, digits and _, 2 to 63 characters, starting with a letter');
  });

  it('reports a syntax error with its line', () => {
    const r = parseCatalogFile('opd:\n  - code: X\n  bad: [\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^line \d+:/);
  });

  it('reads JSON with the same parser', () => {
    const r = parseCatalogFile(JSON.stringify({ domains: [{ code: 'health', nameId: 'Kesehatan', nameEn: 'Health' }] }));
    expect(r.ok && r.doc.domains[0]!.sort).toBe(100);
  });
});

describe('aggregation', () => {
  it.each([
    ['count', null, 'sum'],
    ['IDR', null, 'sum'],
    ['cm', { waspada: 1, siaga: 2, awas: 3 }, 'max'],
    ['km/h', null, 'avg'],
  ] as const)('a %s metric (thresholds %j) defaults to %s, as the tiles did before', (unit, thresholds, expected) => {
    expect(defaultAggregation({ unit, thresholds })).toBe(expected);
  });

  it.each([
    ['avg', 'mean'],
    ['sum', 'sum'],
    ['max', 'max'],
  ] as const)('the tiles follow the catalog: %s → %s, whatever the unit says', (aggregation, expected) => {
    expect(aggregationOf({ unit: 'count', thresholds: { waspada: 1, siaga: 2, awas: 3 }, aggregation })).toBe(expected);
  });
});
