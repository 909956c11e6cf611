import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/contract';
import {
  canRead,
  canWrite,
  entityOfEvent,
  inTerritory,
  seriesItem,
  withinTerritory,
  type Agreement,
  type Classified,
  type ClassifiedEntity,
} from '../../server/access/policy';
import { pointsInTerritory } from '../../server/series/channel';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const DAY = 86_400_000;

const publik: Classified = { code: 'water_level', ownerOpd: 'BPBD', class: 'publik' };
const terbatas: Classified = { code: 'truck_load', ownerOpd: 'DLH', class: 'terbatas' };
const rahasia: Classified = { code: 'informant', ownerOpd: 'DLH', class: 'rahasia' };
const pumps: Classified = { code: 'pump_running', ownerOpd: 'BPBD', class: 'terbatas' };

const who: Record<string, Principal> = {
  public: { role: 'public' },
  operator: { role: 'operator', tokenId: 1 },
  admin: { role: 'admin', tokenId: 2 },
  dlh: { role: 'agency', opd: 'DLH', tokenId: 3 },
  bpbd: { role: 'agency', opd: 'BPBD', tokenId: 4 },
  dishub: { role: 'agency', opd: 'DISHUB', tokenId: 5 },
  camat: { role: 'wilayah', region: '33.74.01', tokenId: 6 },
  lurah: { role: 'wilayah', region: '33.74.01.1001', tokenId: 7 },
};

// opened to territorial roles by the catalog (migration 090 `territorial`)
const territorialTerbatas: Classified = { code: 'complaints_open', ownerOpd: 'DISKOMINFO', class: 'terbatas', territorial: true };
const territorialRahasia: Classified = { code: 'informant_area', ownerOpd: 'DLH', class: 'rahasia', territorial: true };
const territorialPublik: Classified = { code: 'rain_rate', ownerOpd: 'BPBD', class: 'publik', territorial: true };

const agreement = (over: Partial<Agreement> = {}): Agreement => ({
  id: 7,
  ownerOpd: 'DLH',
  granteeOpd: 'BPBD',
  itemType: 'metric',
  itemCode: 'truck_load',
  purpose: 'flood-response',
  validFrom: NOW - DAY,
  validUntil: NOW + 30 * DAY,
  ...over,
});

describe('canRead (who, what, purpose)', () => {
  const none = { agreements: [], now: NOW };
  it.each([
    ['public', publik, true],
    ['public', terbatas, false],
    ['public', rahasia, false],
    ['operator', publik, true],
    ['operator', terbatas, true],
    ['operator', rahasia, false],
    ['admin', terbatas, true],
    ['admin', rahasia, false],
    ['dlh', terbatas, true],
    ['dlh', rahasia, true],
    ['bpbd', publik, true],
    ['bpbd', terbatas, false],
    ['bpbd', rahasia, false],
    ['bpbd', pumps, true],
    ['camat', publik, true],
    ['camat', terbatas, false],
    ['camat', rahasia, false],
    ['camat', territorialTerbatas, true],
    ['camat', territorialRahasia, false],
    ['camat', territorialPublik, true],
    ['lurah', territorialTerbatas, true],
    ['lurah', pumps, false],
    ['public', territorialTerbatas, false],
    ['bpbd', territorialTerbatas, false],
    ['operator', territorialTerbatas, true],
  ] as const)('%s reading %o without agreements → %s', (role, what, allowed) => {
    const d = canRead(who[role]!, what, none);
    expect(d.allow).toBe(allowed);
    if (!d.allow) expect(d.reason).toContain(what.code);
  });

  const shared = { agreements: [agreement()], now: NOW, itemType: 'metric' as const };
  it.each([
    ['the grantee, for the agreed purpose', 'bpbd', 'flood-response', true, ''],
    ['the grantee, without a purpose', 'bpbd', undefined, false, "only for a stated purpose (flood-response); give it as 'purpose'"],
    ['the grantee, for another purpose', 'bpbd', 'marketing', false, "shared with BPBD for flood-response, not for 'marketing'"],
    ['another OPD, even with the purpose', 'dishub', 'flood-response', false, 'not shared with DISHUB'],
    ['the public, even with the purpose', 'public', 'flood-response', false, 'publik data only'],
  ] as const)('a terbatas metric shared with BPBD: %s', (_name, role, purpose, allowed, reason) => {
    const d = canRead(who[role]!, terbatas, { ...shared, purpose });
    expect(d.allow).toBe(allowed);
    if (d.allow) expect(d.via).toEqual({ agreement: 7, purpose: 'flood-response' });
    else expect(d.reason).toContain(reason);
  });

  it.each([
    ['ended', agreement({ validUntil: NOW - 1 })],
    ['not yet in force', agreement({ validFrom: NOW + 1 })],
    ['for another item', agreement({ itemCode: 'container_fill' })],
    ['of another kind of item', agreement({ itemType: 'event_kind' })],
    ['from another owner', agreement({ ownerOpd: 'DISHUB' })],
    ['suspended by a dispute', agreement({ suspended: true })],
  ])('an agreement %s gives nothing', (_name, a) => {
    expect(canRead(who.bpbd!, terbatas, { agreements: [a], now: NOW, itemType: 'metric', purpose: 'flood-response' }).allow).toBe(false);
  });

  it.each([
    ['with the purpose', 'flood-response', 'the agreement (7) sharing truck_load with BPBD is suspended by a dispute'],
    ['without a purpose', undefined, 'the agreement (7) sharing truck_load with BPBD is suspended by a dispute'],
    ['for another purpose', 'marketing', 'truck_load is terbatas data of DLH, not shared with BPBD'],
  ] as const)('a suspended agreement says so (%s)', (_name, purpose, reason) => {
    const d = canRead(who.bpbd!, terbatas, { agreements: [agreement({ suspended: true })], now: NOW, itemType: 'metric', purpose });
    expect(d).toEqual({ allow: false, reason });
  });

  it('a suspended agreement beside one in force: the one in force applies', () => {
    const both = [agreement({ id: 8, suspended: true }), agreement()];
    expect(canRead(who.bpbd!, terbatas, { agreements: both, now: NOW, itemType: 'metric', purpose: 'flood-response' })).toEqual({
      allow: true,
      via: { agreement: 7, purpose: 'flood-response' },
    });
  });

  it('never opens rahasia data, whatever the agreement says', () => {
    const a = agreement({ itemCode: 'informant' });
    expect(canRead(who.bpbd!, rahasia, { agreements: [a], now: NOW, purpose: 'flood-response' })).toEqual({
      allow: false,
      reason: 'informant is rahasia; only its owner DLH may read it',
    });
  });
});

describe('canWrite', () => {
  it('lets a key write only its own OPD, within its scopes', () => {
    expect(canWrite('BPBD', publik).allow).toBe(true);
    expect(canWrite('BPBD', terbatas)).toEqual({ allow: false, reason: 'truck_load belongs to DLH, not to BPBD' });
    expect(canWrite('BPBD', publik, ['events'], 'points')).toEqual({ allow: false, reason: 'this key may not write points (its scopes: events)' });
    expect(canWrite('BPBD', publik, ['points'], 'points').allow).toBe(true);
  });
});

describe('seriesItem: the class of an entity applies wherever the class of its metric does', () => {
  const progress: Classified = { code: 'project_progress', ownerOpd: 'DPUPR', class: 'publik' };
  const secret: ClassifiedEntity = { id: 'PRJ-9', class: 'rahasia', ownerOpd: 'DPUPR' };
  const limited: ClassifiedEntity = { id: 'PRJ-8', class: 'terbatas', ownerOpd: 'DPUPR' };
  const other: ClassifiedEntity = { id: 'PRJ-7', class: 'rahasia', ownerOpd: 'DISHUB' };
  // [who, metric, entity, allowed]
  const cases: [string, Classified, ClassifiedEntity | undefined, boolean][] = [
    ['public', progress, undefined, true],
    ['public', progress, limited, false],
    ['public', progress, secret, false],
    ['operator', progress, limited, true],
    ['operator', progress, secret, false],
    ['dlh', progress, limited, false],
    ['dlh', progress, secret, false],
    // the entity's OPD reads its rahasia project even through a metric it does not own
    ['dishub', progress, other, true],
    ['dlh', rahasia, { id: 'X', class: 'publik', ownerOpd: 'BPBD' }, true],
    // an entity never lowers a metric's class
    ['public', terbatas, { id: 'X', class: 'publik', ownerOpd: 'DLH' }, false],
  ];
  it.each(cases)('%s reading %o of %o → %s', (name, metric, entity, allowed) => {
    expect(canRead(who[name]!, seriesItem(metric, entity), { agreements: [], now: NOW }).allow).toBe(allowed);
  });

  it('finds the project of an event by its id', () => {
    const reg = new Map([secret, limited, { id: 'PRJ-9-B', class: 'terbatas' as const, ownerOpd: 'DPUPR' }].map((e) => [e.id, e]));
    expect(entityOfEvent('PRJ-9', reg)?.id).toBe('PRJ-9');
    expect(entityOfEvent('PRJ-9-M25', reg)?.id).toBe('PRJ-9');
    expect(entityOfEvent('PRJ-9-B-M25', reg)?.id).toBe('PRJ-9-B');
    expect(entityOfEvent('PRJ-8:x', reg)?.id).toBe('PRJ-8');
    expect(entityOfEvent('PRJ-90-M25', reg)).toBeUndefined();
    expect(entityOfEvent('PRJ-1-M25', reg)).toBeUndefined();
  });
});

describe('authority by territory (issue 17)', () => {
  const none = { agreements: [], now: NOW };
  it.each([
    ['camat, a territorial terbatas item', 'camat', territorialTerbatas, '33.74.01'],
    ['lurah, a territorial terbatas item', 'lurah', territorialTerbatas, '33.74.01.1001'],
    ['camat, a publik item (the whole kota)', 'camat', publik, undefined],
    ['camat, a publik territorial item (the whole kota: publik is everyone’s)', 'camat', territorialPublik, undefined],
    ['operator, a territorial item (no restriction)', 'operator', territorialTerbatas, undefined],
  ] as const)('%s → territory %s', (_name, role, what, territory) => {
    const d = canRead(who[role]!, what, none);
    expect(d.allow).toBe(true);
    if (d.allow) expect(d.territory).toBe(territory);
  });

  it.each([
    ['camat', terbatas, 'not opened to territorial roles'],
    ['camat', territorialRahasia, 'rahasia'],
    ['lurah', rahasia, 'rahasia'],
  ] as const)('%s is refused %o with a reason', (role, what, reason) => {
    const d = canRead(who[role]!, what, none);
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.reason).toContain(reason);
  });

  it('an agreement never opens a terbatas item to a territorial role', () => {
    const a = agreement({ granteeOpd: 'BPBD' });
    expect(canRead(who.camat!, terbatas, { agreements: [a], now: NOW, itemType: 'metric', purpose: 'flood-response' }).allow).toBe(false);
  });

  it.each([
    ['33.74.01.1001', '33.74.01', true],
    ['33.74.01', '33.74.01', true],
    ['33.74.011.1001', '33.74.01', false], // a code prefix is not a territory: the dot matters
    ['33.74.02.1001', '33.74.01', false],
    ['33.74', '33.74.01', false], // the kota is not within its kecamatan
    [null, '33.74.01', false], // data without a region lies within no territory
    ['33.74.01.1001', '33.74.01.1001', true],
    ['33.74.01.1002', '33.74.01.1001', false],
  ] as const)('withinTerritory(%s, %s) → %s', (region, territory, inside) => {
    expect(withinTerritory(region, territory)).toBe(inside);
  });

  it('inTerritory keeps the rows of the territory, and everything when the decision has none', () => {
    const rows = [{ region: '33.74.01.1001' }, { region: '33.74.02.1001' }, { region: null }];
    expect(inTerritory(rows, { allow: true, territory: '33.74.01' })).toEqual([{ region: '33.74.01.1001' }]);
    expect(inTerritory(rows, { allow: true })).toEqual(rows);
  });

  it('a live points message is cut to the territory; a series of unknown region is left out (fail closed)', () => {
    const regions = new Map<number, string | null>([
      [1, '33.74.01.1001'],
      [2, '33.74.02.1001'],
      [3, null],
    ]);
    const msg = {
      series: [{ id: 9, metric: 'm', entity: 'e9', region: '33.74.01.1002', lon: null, lat: null }],
      points: [
        { s: 1, t: 1, v: 1 },
        { s: 2, t: 1, v: 2 },
        { s: 3, t: 1, v: 3 },
        { s: 4, t: 1, v: 4 }, // unknown series
        { s: 9, t: 1, v: 9 }, // new series travelling in the message
      ],
    };
    const cut = pointsInTerritory(msg, (id) => regions.get(id), '33.74.01');
    expect(cut.points.map((p) => p.s)).toEqual([1, 9]);
    expect(cut.series.map((s) => s.id)).toEqual([9]);
    // cutting again changes nothing (idempotent), and a message wholly inside is returned as is
    expect(pointsInTerritory(cut, (id) => regions.get(id), '33.74.01')).toBe(cut);
  });
});
