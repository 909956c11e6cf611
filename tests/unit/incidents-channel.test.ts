/** The incidents channel's pure parts (server/incidents/channel.ts): where a fact goes, redaction, coalescing. */
import { describe, expect, it } from 'vitest';
import {
  createIncidentsChannel,
  deltasOf,
  incidentsScopeOf,
  mergeDeltas,
  parseScope,
  roomOfScope,
  sharedAnewBy,
  unsharedBy,
} from '../../server/incidents/channel';
import type { Agreement } from '../../shared/sharing';
import type { IncidentRow } from '../../server/incidents/repository';

const row = (over: Partial<IncidentRow> = {}): IncidentRow => ({
  id: 1,
  sourceType: 'manual',
  sourceRef: null,
  title: 'x',
  region: null,
  lon: null,
  lat: null,
  severity: 'siaga',
  handlingOpd: 'BPBD',
  supportingOpds: ['DLH'],
  class: 'terbatas',
  status: 'baru',
  targetAt: 0,
  reporter: 'Bu Ani',
  reporterShared: false,
  createdAt: 0,
  updatedAt: 0,
  acceptedAt: null,
  closedAt: null,
  mergedInto: null,
  escalationLevel: 1,
  version: 1,
  createdBy: 'user:rina',
  createdOpd: null,
  sourceItem: null,
  sourceItemType: null,
  sourceOwnerOpd: null,
  ...over,
});

describe('incidents channel', () => {
  it.each([
    ['operator', { role: 'operator', tokenId: 1 }, 'all'],
    ['admin', { role: 'admin', tokenId: 1 }, 'all'],
    ['agency', { role: 'agency', opd: 'DLH', tokenId: 1 }, 'DLH'],
    ['public', { role: 'public' }, null],
  ] as const)('the scope of %s', (_n, who, scope) => {
    expect(incidentsScopeOf(who)).toBe(scope);
  });

  it('a change goes to the command center and the OPDs on it; the reporter only to the reporting side', () => {
    const d = deltasOf({ kind: 'incidents', changes: [{ row: row() }] });
    expect([...d.keys()].sort()).toEqual(['BPBD', 'DLH', 'all']);
    expect(d.get('all')!.incidents[0]!.reporter).toBe('Bu Ani');
    expect(d.get('BPBD')!.incidents[0]!.reporter).toBeNull();
  });
  it('the reporting OPD keeps hearing an incident it handed on, with its reporter', () => {
    const d = deltasOf({ kind: 'incidents', changes: [{ row: row({ createdOpd: 'DPUPR' }), formerOpds: ['DPUPR'] }] });
    expect([...d.keys()].sort()).toEqual(['BPBD', 'DLH', 'DPUPR', 'all']);
    expect(d.get('DPUPR')).toMatchObject({ removed: [], incidents: [{ id: 1, reporter: 'Bu Ani' }] });
    expect(d.get('all')!.incidents[0]!.reporter).toBeNull();
  });
  it('rahasia never goes to the command center; a reassignment tells the former OPD to drop it', () => {
    const d = deltasOf({
      kind: 'incidents',
      changes: [{ row: row({ class: 'rahasia', handlingOpd: 'DPUPR', supportingOpds: [] }), formerOpds: ['BPBD', 'DLH'] }],
    });
    expect([...d.keys()].sort()).toEqual(['BPBD', 'DLH', 'DPUPR']);
    expect(d.get('BPBD')).toMatchObject({ incidents: [], removed: [1] });
  });
  it('coalescing keeps the newest copy; a removal after a change wins, a change after a removal wins', () => {
    const base = { room: 'incidents:BPBD', watch: [], escalations: [] };
    const a = { ...base, incidents: [{ ...row({ version: 2 }), reporter: null }], removed: [] };
    const b = { ...base, incidents: [{ ...row({ version: 1 }), reporter: null }], removed: [] };
    expect(mergeDeltas(a, b).incidents[0]!.version).toBe(2);
    expect(mergeDeltas(a, { ...base, incidents: [], removed: [1] })).toMatchObject({ incidents: [], removed: [1] });
    expect(mergeDeltas({ ...base, incidents: [], removed: [1] }, a)).toMatchObject({ incidents: [{ id: 1 }], removed: [] });
  });
});

describe('purpose rooms (incidents shared by an agreement)', () => {
  const NOW = 1_000_000;
  const agreement = (over: Partial<Agreement> = {}): Agreement => ({
    id: 7,
    ownerOpd: 'DLH',
    granteeOpd: 'BPBD',
    itemType: 'metric',
    itemCode: 'container_fill',
    purpose: 'flood-response',
    validFrom: 0,
    validUntil: NOW + 1,
    ...over,
  });
  const shared = row({ handlingOpd: 'DLH', supportingOpds: [], sourceItem: 'container_fill', sourceItemType: 'metric', sourceOwnerOpd: 'DLH' });

  it.each([
    ['an agreement in force shares it', [agreement()], shared, ['BPBD/flood-response']],
    ['one room per grantee and purpose, the incident once', [agreement(), agreement({ id: 8 })], shared, ['BPBD/flood-response']],
    ['two purposes, two rooms', [agreement(), agreement({ id: 8, purpose: 'sanitation' })], shared, ['BPBD/flood-response', 'BPBD/sanitation']],
    ['run out', [agreement({ validUntil: NOW })], shared, []],
    ['another item', [agreement({ itemCode: 'truck_load' })], shared, []],
    ['an event kind of the same code', [agreement({ itemType: 'event_kind' })], shared, []],
    ['rahasia is never shared', [agreement()], { ...shared, class: 'rahasia' as const }, []],
    ['no source item (manual)', [agreement()], row({ handlingOpd: 'DLH', supportingOpds: [] }), []],
    ['another owner', [agreement({ ownerOpd: 'DISHUB' })], shared, []],
  ])('%s', (_n, agreements, r, rooms) => {
    const d = deltasOf({ kind: 'incidents', changes: [{ row: r }] }, { agreements, now: NOW });
    const purposeRooms = [...d.keys()].filter((k) => parseScope(k).purpose !== undefined).sort();
    expect(purposeRooms).toEqual(rooms);
    for (const k of purposeRooms) {
      expect(d.get(k)!.room).toBe(roomOfScope(k));
      expect(d.get(k)!.incidents.map((i) => i.id)).toEqual([1]);
      expect(d.get(k)!.incidents[0]!.reporter).toBeNull();
    }
  });

  const other = agreement({ id: 9, itemCode: 'truck_load' });
  const manual = row({ id: 2, handlingOpd: 'DLH', supportingOpds: [] });
  const truck = { ...shared, id: 3, sourceItem: 'truck_load' };
  it.each([
    ['nothing changed', [agreement(), other], [agreement(), other], []],
    ['one of two ends: only what it alone shared leaves', [agreement(), other], [other], [{ scope: 'BPBD/flood-response', ids: [1] }]],
    ['another agreement shares the same item for the purpose: stays', [agreement(), agreement({ id: 8 })], [agreement({ id: 8 })], []],
    [
      'the same item for another purpose still: it leaves this room',
      [agreement(), agreement({ id: 8, purpose: 'sanitation' })],
      [agreement({ id: 8, purpose: 'sanitation' })],
      [{ scope: 'BPBD/flood-response', ids: [1] }],
    ],
    [
      'run out by the clock',
      [agreement({ validUntil: NOW + 1 })],
      [agreement({ validUntil: NOW + 1 })],
      [{ scope: 'BPBD/flood-response', ids: [1] }],
      NOW + 1,
    ],
    ['a new agreement removes nothing', [other], [agreement(), other], []],
  ] as const)('unshared: %s', (_n, before, after, removals, afterNow = NOW) => {
    expect(unsharedBy([shared, manual, truck], { agreements: before, now: NOW }, { agreements: after, now: afterNow })).toEqual(removals);
  });
  it.each([
    ['nothing changed', [agreement(), other], [agreement(), other], []],
    ['a new agreement of the open room adds what it alone shares', [other], [agreement(), other], [{ scope: 'BPBD/flood-response', ids: [1] }]],
    ['a second agreement for what is already shared adds nothing', [agreement()], [agreement(), agreement({ id: 8 })], []],
    [
      'the same item for a new purpose: it enters that room',
      [agreement()],
      [agreement(), agreement({ id: 8, purpose: 'sanitation' })],
      [{ scope: 'BPBD/sanitation', ids: [1] }],
    ],
    [
      'in force by the clock (validFrom reached)',
      [agreement({ validFrom: NOW + 1, validUntil: NOW + 10 })],
      [agreement({ validFrom: NOW + 1, validUntil: NOW + 10 })],
      [{ scope: 'BPBD/flood-response', ids: [1] }],
      NOW + 1,
    ],
    ['an ended agreement adds nothing', [agreement(), other], [other], []],
  ] as const)('shared anew: %s', (_n, before, after, additions, afterNow = NOW) => {
    const got = sharedAnewBy([shared, manual, truck], { agreements: before, now: NOW }, { agreements: after, now: afterNow });
    expect(got.map((a) => ({ scope: a.scope, ids: a.rows.map((r) => r.id) }))).toEqual(additions);
  });
  it('a shared fact adds the incident, redacted for the grantee, to the purpose room only', () => {
    const d = deltasOf({ kind: 'shared', additions: [{ scope: 'BPBD/flood-response', rows: [shared] }] });
    expect([...d.keys()]).toEqual(['BPBD/flood-response']);
    expect(d.get('BPBD/flood-response')!.incidents.map((i) => i.id)).toEqual([1]);
    expect(d.get('BPBD/flood-response')!.incidents[0]!.reporter).toBeNull();
  });
  it('an unshared fact is a removal in the purpose room only', () => {
    const d = deltasOf({ kind: 'unshared', removals: [{ scope: 'BPBD/flood-response', ids: [1, 3] }] });
    expect([...d.keys()]).toEqual(['BPBD/flood-response']);
    expect(d.get('BPBD/flood-response')).toMatchObject({ room: 'incidents:BPBD/flood-response', incidents: [], removed: [1, 3] });
  });

  it('authorises the grantee, for the purpose stated, while an agreement is in force', () => {
    let agreements: Agreement[] = [agreement()];
    const ch = createIncidentsChannel({
      list: async () => ({ incidents: [], watch: [] }),
      listShared: async () => ({ incidents: [] }),
      agreements: () => agreements,
      clock: () => NOW,
    });
    const bpbd = { role: 'agency', opd: 'BPBD', tokenId: 1 } as const;
    expect(ch.keys({ purpose: 'flood-response' }, bpbd)).toEqual(['BPBD/flood-response']);
    expect(ch.roomOf('BPBD/flood-response')).toBe('incidents:BPBD/flood-response');
    expect(ch.keyOf('incidents:BPBD/flood-response')).toBe('BPBD/flood-response');
    expect(ch.authorise(bpbd, 'BPBD/flood-response', 'flood-response')).toMatchObject({ allow: true });
    expect(ch.authorise(bpbd, 'BPBD/flood-response', undefined)).toMatchObject({ allow: false, code: 'forbidden' });
    expect(ch.authorise({ role: 'agency', opd: 'DPUPR', tokenId: 2 }, 'BPBD/flood-response', 'flood-response')).toMatchObject({ allow: false });
    expect(ch.authorise({ role: 'operator', tokenId: 3 }, 'BPBD/flood-response', 'flood-response')).toMatchObject({ allow: false });
    expect(ch.authorise(bpbd, 'BPBD/sanitation', 'sanitation')).toMatchObject({ allow: false, code: 'forbidden' });
    agreements = [];
    expect(ch.authorise(bpbd, 'BPBD/flood-response', 'flood-response')).toMatchObject({ allow: false, code: 'forbidden' });
  });
});
