/**
 * The pure rules of issue 21: the ticket view (SLA met or not, WIB times, the same keys for unknown tickets),
 * ratings at k, who may publish or change a notice, the validity window, coalescing of notice deltas, and the
 * CAP choices per notice (message type, urgency, polygon order).
 */
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../shared/contract';
import type { WireNotice } from '../../shared/notices';
import { noticeActive, noticeCurrent } from '../../shared/notices';
import { toWib } from '../../shared/tickets';
import { mergeNoticeDeltas } from '../../server/notices/channel';
import { capMsgType, capPolygon, capUrgency, escapeXml, renderCap } from '../../server/notices/cap';
import { mayChange, mayPublish, windowProblem } from '../../server/notices/rules';
import { publishableRatings, publishedCount, slaMet, ticketView, type TicketRow } from '../../server/tickets/view';

const H = 3_600_000;
const operator: Principal = { role: 'operator', tokenId: 1 };
const bpbd: Principal = { role: 'agency', opd: 'BPBD', tokenId: 2 };
const anon: Principal = { role: 'public' };

describe('ticket view', () => {
  it.each([
    // opened, closed, target h, now → met
    ['closed in time', 0, 10 * H, 12, 20 * H, true],
    ['closed exactly at the target', 0, 12 * H, 12, 20 * H, true],
    ['closed late', 0, 13 * H, 12, 20 * H, false],
    ['open, not yet due', 0, null, 12, 11 * H, null],
    ['open past due', 0, null, 12, 13 * H, false],
    ['no target set', 0, 5 * H, null, 20 * H, null],
  ] as const)('%s', (_name, opened, closed, target, now, met) => {
    expect(slaMet(opened, closed, target, now)).toBe(met);
  });

  it('writes times in WIB', () => {
    expect(toWib(Date.UTC(2026, 11, 6, 17, 30))).toBe('2026-12-07T00:30:00+07:00');
  });

  it('gives an unknown ticket the same keys as a known one, with found false and nothing else', () => {
    const row: TicketRow = {
      kind: 'complaint',
      id: 'LPR-1',
      status: 'resolved',
      category: 'sampah',
      openedAt: 0,
      closedAt: H,
      handlerOpd: 'DLH',
      handlerOpdName: 'Dinas Lingkungan Hidup',
      targetHours: 24,
      history: [
        { status: 'resolved', time: H },
        { status: 'received', time: 0 },
      ],
      rated: false,
    };
    const known = ticketView('LPR-1', row, 2 * H);
    const unknown = ticketView('LPR-2', null, 2 * H);
    expect(Object.keys(unknown).sort()).toEqual(Object.keys(known).sort());
    expect(known).toMatchObject({ found: true, slaMet: true, canRate: true, history: [{ status: 'received' }, { status: 'resolved' }] });
    expect(unknown).toMatchObject({ found: false, status: null, history: [], canRate: false });
    expect(ticketView('LPR-1', { ...row, rated: true }, 2 * H).canRate).toBe(false);
    expect(ticketView('LPR-1', { ...row, closedAt: null }, 2 * H).canRate).toBe(false);
  });

  it('publishes rating cells of at least k only', () => {
    expect(publishableRatings([{ count: 4 }, { count: 5 }, { count: 9 }], 5)).toEqual([{ count: 5 }, { count: 9 }]);
  });

  it.each([
    [0, 5, 0],
    [4, 5, 0],
    [5, 5, 5],
    [9, 5, 5],
    [10, 5, 10],
    [11, 3, 9],
  ])('publishes %i ratings (k = %i) in whole steps of k: %i', (n, k, published) => {
    expect(publishedCount(n, k)).toBe(published);
  });
});

describe('notice rules', () => {
  it.each([
    ['operator for nobody', operator, undefined, { allow: true, opd: null }],
    ['operator for an OPD', operator, 'DISHUB', { allow: true, opd: 'DISHUB' }],
    ['OPD for itself', bpbd, undefined, { allow: true, opd: 'BPBD' }],
    ['OPD naming itself', bpbd, 'BPBD', { allow: true, opd: 'BPBD' }],
    ['OPD for another', bpbd, 'DISHUB', { allow: false }],
    ['the public', anon, undefined, { allow: false }],
  ] as const)('publish: %s', (_n, who, opd, want) => {
    expect(mayPublish(who, opd)).toMatchObject(want);
  });

  it.each([
    ['operator, any notice', operator, 'BPBD', true],
    ['OPD, its own', bpbd, 'BPBD', true],
    ['OPD, another’s', bpbd, 'DISHUB', false],
    ['OPD, the command center’s', bpbd, null, false],
    ['the public', anon, 'BPBD', false],
  ] as const)('change: %s', (_n, who, opd, allow) => {
    expect(mayChange(who, opd).allow).toBe(allow);
  });

  it.each([
    [0, 10, 5, null],
    [10, 10, 5, /after/],
    [0, 4, 5, /future/],
    [0, 32 * 24 * H, 5, /31 days/],
  ] as const)('window %d–%d at %d', (from, until, now, problem) => {
    const p = windowProblem(from, until, now);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });
});

const notice = (over: Partial<WireNotice> = {}): WireNotice => ({
  id: 1,
  kind: 'flood_warning',
  severity: 'severe',
  headline: 'Siaga & <awas>',
  description: 'd',
  instruction: null,
  regions: ['33.74.01.1001'],
  geometry: null,
  opd: null,
  validFrom: 100,
  validUntil: 1000,
  createdAt: 50,
  updatedAt: 50,
  withdrawnAt: null,
  version: 1,
  ...over,
});

describe('notices on the wire and as CAP', () => {
  it('is active inside its window, current until it ends, neither once withdrawn', () => {
    expect([noticeActive(notice(), 99), noticeActive(notice(), 100), noticeActive(notice(), 1000)]).toEqual([false, true, false]);
    expect(noticeCurrent(notice(), 99)).toBe(true);
    expect(noticeCurrent(notice({ withdrawnAt: 200 }), 300)).toBe(false);
  });

  it('coalesces deltas: the higher version wins in either order, merging again changes nothing', () => {
    const a = { notices: [notice({ version: 1 })] };
    const b = { notices: [notice({ version: 2 }), notice({ id: 2 })] };
    const ab = mergeNoticeDeltas(a, b);
    const ba = mergeNoticeDeltas(b, a);
    expect(ab.notices.map((n) => [n.id, n.version])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(ba.notices.map((n) => [n.id, n.version])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(mergeNoticeDeltas(ab, b)).toEqual(ab);
  });

  it.each([
    [notice(), 'Alert'],
    [notice({ version: 3 }), 'Update'],
    [notice({ version: 3, withdrawnAt: 500 }), 'Cancel'],
  ] as const)('msgType %#', (n, type) => expect(capMsgType(n)).toBe(type));

  it.each([
    [notice(), 50, 'Future'],
    [notice(), 200, 'Immediate'],
    [notice({ kind: 'road_closure' }), 200, 'Expected'],
  ] as const)('urgency %#', (n, now, u) => expect(capUrgency(n, now)).toBe(u));

  it('writes polygons as closed lat,lon pairs and escapes text', () => {
    expect(
      capPolygon([
        [110, -6],
        [111, -6],
        [111, -7],
      ]),
    ).toBe('-6,110 -6,111 -7,111 -6,110');
    expect(escapeXml(`<a & "b">`)).toBe('&lt;a &amp; &quot;b&quot;&gt;');
    const xml = renderCap(notice(), { names: ['Sekayu'], rings: [] }, { base: 'http://x', sender: 's@x', cityName: 'Kota' }, 200);
    expect(xml).toContain('<headline>Siaga &amp; &lt;awas&gt;</headline>');
    expect(xml).toContain('<areaDesc>Sekayu</areaDesc>');
    expect(xml).not.toContain('<references>');
  });
});
