/** The rules of incidents (server/incidents/rules.ts): every row a case, reasons in the answer. */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/contract';
import type { IncidentStatus } from '../../shared/incidents';
import type { Agreement } from '../../shared/sharing';
import {
  canSeeIncident,
  mayAct,
  maySeeReporter,
  nextStatus,
  sharedThrough,
  sharesFor,
  targetAt,
  type IncidentAction,
  type IncidentAccessItem,
} from '../../server/incidents/rules';

const operator: Principal = { role: 'operator', tokenId: 1 };
const bpbd: Principal = { role: 'agency', opd: 'BPBD', tokenId: 2 };
const dlh: Principal = { role: 'agency', opd: 'DLH', tokenId: 3 };
const dpupr: Principal = { role: 'agency', opd: 'DPUPR', tokenId: 4 };
const pub: Principal = { role: 'public' };

describe('status transitions', () => {
  const rows: [IncidentStatus, IncidentAction, IncidentStatus | null | 'refused'][] = [
    ['baru', 'accept', 'diterima'],
    ['diterima', 'accept', 'refused'],
    ['diterima', 'start', 'dikerjakan'],
    ['baru', 'start', 'refused'],
    ['baru', 'resolve', 'refused'],
    ['diterima', 'resolve', 'selesai'],
    ['dikerjakan', 'resolve', 'selesai'],
    ['dikerjakan', 'reassign', 'baru'],
    ['baru', 'reassign', 'baru'],
    ['baru', 'reject', 'ditolak'],
    ['baru', 'note', null],
    ['baru', 'support', null],
    ['baru', 'merge', 'selesai'],
    ['selesai', 'note', 'refused'],
    ['selesai', 'reassign', 'refused'],
    ['ditolak', 'accept', 'refused'],
  ];
  it.each(rows)('%s --%s--> %s', (from, action, expected) => {
    const r = nextStatus(from, action);
    if (expected === 'refused') expect(r).toHaveProperty('refused');
    else expect(r).toEqual({ to: expected });
  });
});

describe('who may do what', () => {
  const inc = { handlingOpd: 'BPBD', supportingOpds: ['DLH'], createdOpd: null };
  const rows: [string, Principal, IncidentAction, boolean][] = [
    ['the command center accepts', operator, 'accept', true],
    ['the command center merges', operator, 'merge', true],
    ['the handling OPD accepts', bpbd, 'accept', true],
    ['the handling OPD reassigns', bpbd, 'reassign', true],
    ['the handling OPD resolves', bpbd, 'resolve', true],
    ['the handling OPD does not merge', bpbd, 'merge', false],
    ['a supporting OPD adds notes', dlh, 'note', true],
    ['a supporting OPD does not resolve', dlh, 'resolve', false],
    ['another OPD does not note', dpupr, 'note', false],
    ['another OPD does not accept', dpupr, 'accept', false],
    ['the public does nothing', pub, 'note', false],
    ['the command center shares the reporter of its own report', operator, 'share_reporter', true],
    ['an OPD does not share the reporter of the command center', bpbd, 'share_reporter', false],
  ];
  it.each(rows)('%s', (_name, who, action, allowed) => {
    const v = mayAct(who, inc, action);
    expect(v.allow).toBe(allowed);
    if (!v.allow) expect(v.reason).toMatch(/\w/);
  });
  it('an OPD shares the reporter of a report it made, the command center then may not', () => {
    expect(mayAct(dlh, { ...inc, createdOpd: 'DLH' }, 'share_reporter').allow).toBe(true);
    expect(mayAct(operator, { ...inc, createdOpd: 'DLH' }, 'share_reporter')).toEqual({
      allow: false,
      reason: 'only DLH, who reported it, shares the reporter',
    });
  });
});

describe('who sees an incident', () => {
  const now = Date.UTC(2026, 11, 6);
  const base: IncidentAccessItem = {
    id: 7,
    class: 'terbatas',
    handlingOpd: 'BPBD',
    supportingOpds: ['DLH'],
    sourceItem: 'water_level',
    sourceItemType: 'metric',
    sourceOwnerOpd: 'BPBD',
  };
  const agreement: Agreement = {
    id: 1,
    ownerOpd: 'BPBD',
    granteeOpd: 'DPUPR',
    itemType: 'metric',
    itemCode: 'water_level',
    purpose: 'drainase',
    validFrom: now - 1000,
    validUntil: now + 1000,
  };
  const rows: [string, Principal, Partial<IncidentAccessItem>, Agreement[], string | undefined, boolean][] = [
    ['the command center sees terbatas', operator, {}, [], undefined, true],
    ['the command center does not see rahasia', operator, { class: 'rahasia' }, [], undefined, false],
    ['the handling OPD sees rahasia', bpbd, { class: 'rahasia' }, [], undefined, true],
    ['a supporting OPD sees it', dlh, {}, [], undefined, true],
    ['another OPD does not', dpupr, {}, [], undefined, false],
    ['owning the source metric alone does not', bpbd, { handlingOpd: 'DLH', supportingOpds: [] }, [], undefined, false],
    ['another OPD does with an agreement on the source and its purpose', dpupr, {}, [agreement], 'drainase', true],
    ['not without the purpose', dpupr, {}, [agreement], undefined, false],
    ['not after the agreement ended', dpupr, {}, [{ ...agreement, validUntil: now }], 'drainase', false],
    ['an agreement never opens a rahasia incident', dpupr, { class: 'rahasia' }, [agreement], 'drainase', false],
    [
      'a manual report (no source item) stays with its OPDs',
      dpupr,
      { sourceItem: null, sourceItemType: null, sourceOwnerOpd: null },
      [agreement],
      'drainase',
      false,
    ],
    ['the public never', pub, { class: 'publik' }, [], undefined, false],
  ];
  it.each(rows)('%s', (_name, who, change, agreements, purpose, allowed) => {
    expect(canSeeIncident(who, { ...base, ...change }, { agreements, now, purpose }).allow).toBe(allowed);
  });

  const reporterRows: [string, Principal, string | null, boolean, boolean][] = [
    ['the command center sees the reporter of its own report', operator, null, false, true],
    ['the handling OPD does not see the command center reporter', bpbd, null, false, false],
    ['…unless it was shared', bpbd, null, true, true],
    ['the reporting OPD sees its reporter', dlh, 'DLH', false, true],
    ['the command center does not see an OPD reporter', operator, 'DLH', false, false],
    ['the public never', pub, null, true, false],
  ];
  it.each(reporterRows)('%s', (_name, who, createdOpd, shared, sees) => {
    expect(maySeeReporter(who, { createdOpd, reporterShared: shared })).toBe(sees);
  });

  // the purpose room's rule agrees with canSeeIncident's agreement path, whoever handles the incident
  const sharedRows: [string, Partial<IncidentAccessItem>, Partial<Agreement>, boolean][] = [
    ['an agreement in force on the source item', {}, {}, true],
    ['also when the grantee handles it (its own room carries it too)', { handlingOpd: 'DPUPR' }, {}, true],
    ['not after it ended', {}, { validUntil: now }, false],
    ['not before it starts', {}, { validFrom: now + 1 }, false],
    ['not another item', {}, { itemCode: 'rainfall' }, false],
    ['not another item type', {}, { itemType: 'event_kind' }, false],
    ['not another owner', {}, { ownerOpd: 'DLH' }, false],
    ['never rahasia', { class: 'rahasia' }, {}, false],
    ['never without a source item', { sourceItem: null, sourceItemType: null, sourceOwnerOpd: null }, {}, false],
    ['never to the source owner itself', { sourceOwnerOpd: 'DPUPR' }, { ownerOpd: 'DPUPR' }, false],
  ];
  it.each(sharedRows)('purpose room: %s', (_name, change, a, shared) => {
    const inc = { ...base, ...change };
    const ag = { ...agreement, ...a };
    expect(sharedThrough(inc, ag, now)).toBe(shared);
    // the same answer as the access rule with the agreement's purpose, for an OPD not on the incident
    if (inc.handlingOpd !== 'DPUPR' && !inc.supportingOpds.includes('DPUPR'))
      expect(canSeeIncident(dpupr, inc, { agreements: [ag], now, purpose: ag.purpose }).allow).toBe(shared);
  });
  it('a purpose room may be followed while an agreement in force shares for that purpose', () => {
    expect(sharesFor([agreement], 'DPUPR', 'drainase', now)).toBe(true);
    expect(sharesFor([agreement], 'DPUPR', 'banjir', now)).toBe(false);
    expect(sharesFor([agreement], 'DLH', 'drainase', now)).toBe(false);
    expect(sharesFor([{ ...agreement, validUntil: now }], 'DPUPR', 'drainase', now)).toBe(false);
  });
});

describe('target time', () => {
  const now = 1_000_000_000_000;
  const H = 3_600_000;
  it.each([
    ['awas: 2 h', 'awas', undefined, undefined, now + 2 * H],
    ['siaga: 8 h', 'siaga', undefined, undefined, now + 8 * H],
    ['waspada: 24 h', 'waspada', undefined, undefined, now + 24 * H],
    ['asked for, ahead', 'awas', now + 5 * H, undefined, now + 5 * H],
    ['asked for, past: the rule', 'awas', now - 1, undefined, now + 2 * H],
    ['a later SLA deadline is kept', 'awas', undefined, now + 10 * H, now + 10 * H],
    ['an earlier SLA deadline gives way to the rule', 'awas', undefined, now + H, now + 2 * H],
  ] as const)('%s', (_n, severity, asked, sla, expected) => {
    expect(targetAt(now, severity, asked, sla)).toBe(expected);
  });
});
