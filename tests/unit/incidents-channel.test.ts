/** The incidents channel's pure parts (server/incidents/channel.ts): where a fact goes, redaction, coalescing. */
import { describe, expect, it } from 'vitest';
import { deltasOf, incidentsScopeOf, mergeDeltas } from '../../server/incidents/channel';
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
