/** The incidents channel's pure parts (server/incidents/channel.ts): where a fact goes, redaction, coalescing. */
import { describe, expect, it } from 'vitest';
import { createIncidentsChannel, deltasOf, incidentsScopeOf, mergeDeltas, parseScope, roomOfScope } from '../../server/incidents/channel';
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
