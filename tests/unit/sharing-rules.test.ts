/** The rules of sharing on request (server/sharing/rules.ts) and the usage counter's pure parts (usage.ts). */
import { describe, expect, it } from 'vitest';
import { agreementStatus, buildMatrix, judgeDecision, maySeeMatrix, reminderDue, sideOf } from '../../server/sharing/rules';
import { addCounts, createUsageRecorder, localDay } from '../../server/sharing/usage';
import { coarseRegion, coarsenEventStats, coarsenSeries, liveRefusal } from '../../server/sharing/coarsen';

const NOW = Date.UTC(2026, 11, 6, 3, 0);
const DAY = 86_400_000;

describe('judgeDecision: an approval only narrows', () => {
  const asked = { validUntil: NOW + 60 * DAY, regionLevel: 'kelurahan' as const };
  it.each([
    ['as asked', { decision: 'approve' }, { kind: 'approve', validUntil: NOW + 60 * DAY, regionLevel: 'kelurahan', note: null }],
    [
      'a shorter end date',
      { decision: 'approve', validUntil: NOW + 30 * DAY },
      { kind: 'approve', validUntil: NOW + 30 * DAY, regionLevel: 'kelurahan', note: null },
    ],
    [
      'a coarser region',
      { decision: 'approve', regionLevel: 'kecamatan', note: 'n' },
      { kind: 'approve', validUntil: NOW + 60 * DAY, regionLevel: 'kecamatan', note: 'n' },
    ],
    [
      'the coarsest region',
      { decision: 'approve', regionLevel: 'kota' },
      { kind: 'approve', validUntil: NOW + 60 * DAY, regionLevel: 'kota', note: null },
    ],
    [
      'a later end date',
      { decision: 'approve', validUntil: NOW + 61 * DAY },
      { kind: 'invalid', reason: 'an approval may shorten the end date asked for, not extend it' },
    ],
    ['an end date passed', { decision: 'approve', validUntil: NOW - 1 }, { kind: 'invalid', reason: 'the end date has passed' }],
    ['a refusal', { decision: 'refuse', note: 'tidak' }, { kind: 'refuse', note: 'tidak' }],
  ] as const)('%s', (_name, d, out) => {
    expect(judgeDecision(asked, d, NOW)).toEqual(out);
  });
  it('a finer region than asked is refused', () => {
    expect(judgeDecision({ validUntil: NOW + DAY, regionLevel: 'kecamatan' }, { decision: 'approve', regionLevel: 'kelurahan' }, NOW)).toEqual({
      kind: 'invalid',
      reason: "an approval may make the region detail coarser than 'kecamatan', not finer",
    });
  });
  it('an asked end date that passed while the request waited cannot be approved as asked', () => {
    expect(judgeDecision({ validUntil: NOW - DAY, regionLevel: 'kota' }, { decision: 'approve' }, NOW).kind).toBe('invalid');
  });
});

describe('agreementStatus and reminderDue', () => {
  const a = (over: Partial<Parameters<typeof reminderDue>[0]> = {}) => ({
    validFrom: NOW - DAY,
    validUntil: NOW + 30 * DAY,
    revokedAt: null,
    suspendedAt: null,
    remindedUntil: null,
    ...over,
  });
  it.each([
    ['30 days left', a(), 'active', false],
    ['exactly 14 days left', a({ validUntil: NOW + 14 * DAY }), 'expiring', true],
    ['10 days left, reminded for this end', a({ validUntil: NOW + 10 * DAY, remindedUntil: NOW + 10 * DAY }), 'expiring', false],
    ['10 days left, reminded for an earlier end (renewed)', a({ validUntil: NOW + 10 * DAY, remindedUntil: NOW + 2 * DAY }), 'expiring', true],
    ['ended', a({ validUntil: NOW }), 'expired', false],
    ['revoked', a({ revokedAt: NOW - 1 }), 'revoked', false],
    ['suspended, 10 days left', a({ validUntil: NOW + 10 * DAY, suspendedAt: NOW - 1 }), 'suspended', true],
    ['suspended, ended', a({ validUntil: NOW - 1, suspendedAt: NOW - DAY }), 'expired', false],
  ] as const)('%s → %s, reminder due %s', (_name, x, status, due) => {
    expect(agreementStatus(x, NOW)).toBe(status);
    expect(reminderDue(x, NOW)).toBe(due);
  });
});

describe('who acts', () => {
  const x = { ownerOpd: 'DLH', granteeOpd: 'BPBD' };
  it.each([
    [{ role: 'agency', opd: 'DLH', tokenId: 1 }, 'owner'],
    [{ role: 'agency', opd: 'BPBD', tokenId: 1 }, 'grantee'],
    [{ role: 'agency', opd: 'DISHUB', tokenId: 1 }, 'none'],
    [{ role: 'admin', tokenId: 1 }, 'admin'],
    [{ role: 'operator', tokenId: 1 }, 'none'],
    [{ role: 'public' }, 'none'],
  ] as const)('%o is %s', (who, side) => expect(sideOf(who, x)).toBe(side));
  it.each([
    [{ role: 'admin', tokenId: 1 }, true],
    [{ role: 'agency', opd: 'BAPPEDA', tokenId: 1 }, true],
    [{ role: 'agency', opd: 'DLH', tokenId: 1 }, false],
    [{ role: 'operator', tokenId: 1 }, false],
    [{ role: 'public' }, false],
  ] as const)('the matrix for %o: %s', (who, may) => expect(maySeeMatrix(who, 'BAPPEDA')).toBe(may));
});

describe('buildMatrix', () => {
  const opd = [
    { code: 'BPBD', name: 'BPBD' },
    { code: 'DLH', name: 'DLH' },
  ];
  const items = [{ itemType: 'metric' as const, code: 'truck_load', ownerOpd: 'DLH', class: 'terbatas' as const }];
  const ag = (id: number, over: object = {}) => ({
    id,
    granteeOpd: 'BPBD',
    itemType: 'metric' as const,
    itemCode: 'truck_load',
    validFrom: NOW - DAY,
    validUntil: NOW + DAY,
    revokedAt: null,
    suspendedAt: null,
    ...over,
  });
  const req = { requesterOpd: 'BPBD', itemType: 'metric' as const, itemCode: 'truck_load' };
  it.each([
    ['nothing', [], [], []],
    ['an agreement in force', [ag(1)], [], [{ state: 'shared', agreements: [1], openRequests: 0 }]],
    ['a suspended one', [ag(1, { suspendedAt: NOW - 1 })], [], [{ state: 'suspended', agreements: [1], openRequests: 0 }]],
    ['one in force beside a suspended one', [ag(1, { suspendedAt: NOW - 1 }), ag(2)], [], [{ state: 'shared', agreements: [1, 2], openRequests: 0 }]],
    ['ended, revoked or not yet in force: nothing', [ag(1, { validUntil: NOW }), ag(2, { revokedAt: NOW }), ag(3, { validFrom: NOW + 1 })], [], []],
    ['an open request', [], [req], [{ state: 'requested', agreements: [], openRequests: 1 }]],
    ['a renewal request beside the agreement', [ag(1)], [req], [{ state: 'shared', agreements: [1], openRequests: 1 }]],
  ] as const)('%s', (_name, agreements, open, cells) => {
    const m = buildMatrix(opd, items, agreements, open, NOW);
    expect(m.cells).toEqual(cells.map((c) => ({ opd: 'BPBD', itemType: 'metric', itemCode: 'truck_load', ...c })));
    expect(m.items[0]!.openRequests).toBe(open.length);
  });
  it('either order of agreements gives the same matrix', () => {
    const list = [ag(1, { suspendedAt: NOW - 1 }), ag(2)];
    const a = buildMatrix(opd, items, list, [], NOW).cells[0]!;
    const b = buildMatrix(opd, items, [...list].reverse(), [], NOW).cells[0]!;
    expect({ ...a, agreements: [...a.agreements].sort() }).toEqual({ ...b, agreements: [...b.agreements].sort() });
  });
});

describe('usage counting', () => {
  it.each([
    [Date.UTC(2026, 11, 6, 16, 59), 420, '2026-12-06'],
    [Date.UTC(2026, 11, 6, 17, 0), 420, '2026-12-07'],
    [Date.UTC(2026, 11, 6, 17, 0), 0, '2026-12-06'],
    [Date.UTC(2026, 11, 6, 15, 59), 480, '2026-12-06'],
  ])('the local day of %d at +%d min is %s', (at, offset, day) => expect(localDay(at, offset)).toBe(day));
  it('adding counts: either order, same totals', () => {
    const a = new Map([
      ['k1', 2],
      ['k2', 1],
    ]);
    const b = new Map([
      ['k2', 3],
      ['k3', 1],
    ]);
    expect(addCounts(new Map(a), b)).toEqual(addCounts(new Map(b), a));
    expect(addCounts(new Map(a), b)).toEqual(
      new Map([
        ['k1', 2],
        ['k2', 4],
        ['k3', 1],
      ]),
    );
  });
});

describe('the usage recorder (against a fake pool)', () => {
  const log = { warn: () => {} } as unknown as import('pino').Logger;
  /** A pool whose queries wait until released, or fail. */
  function fakePool() {
    const calls: unknown[][] = [];
    let release: (() => void) | null = null;
    let fail = false;
    const pool = {
      query: (_sql: string, params: unknown[]) => {
        calls.push(params);
        if (fail) return Promise.reject(new Error('database away'));
        return new Promise<void>((r) => (release = r));
      },
    };
    return { pool: pool as unknown as import('pg').Pool, calls, release: () => release?.(), failNext: (v: boolean) => (fail = v) };
  }

  it('[U1] counts one key per agreement, day, reader and path; one upsert per flush', async () => {
    const f = fakePool();
    const u = createUsageRecorder({ pool: f.pool, clock: () => NOW, offsetMin: 420, log, flushMs: 60_000 });
    for (let i = 0; i < 5; i++) u.record(1, 'token:1', 'rest');
    u.record(1, 'token:1', 'socket');
    expect(u.stats()).toEqual({ pending: 2, dropped: 0 });
    const done = u.flush();
    await Promise.resolve();
    f.release();
    await done;
    expect(f.calls).toHaveLength(1);
    expect(f.calls[0]).toEqual([
      [1, 1],
      ['2026-12-06', '2026-12-06'],
      ['token:1', 'token:1'],
      ['rest', 'socket'],
      [5, 1],
    ]);
    await u.close();
  });

  it('[U2] bounded: past the bound a flush starts; past twice the bound new keys are dropped and counted', async () => {
    const f = fakePool();
    const u = createUsageRecorder({ pool: f.pool, clock: () => NOW, offsetMin: 420, log, flushMs: 60_000, maxKeys: 3 });
    for (let i = 0; i < 12; i++) u.record(i, 'token:1', 'rest');
    // 3 went to the flush that started at the 4th; 6 wait; 3 dropped
    expect(f.calls).toHaveLength(1);
    expect(u.stats()).toEqual({ pending: 6, dropped: 3 });
    f.release();
  });

  it('[U3] a failed flush keeps its counts for the next one, merged with what came meanwhile', async () => {
    const f = fakePool();
    const u = createUsageRecorder({ pool: f.pool, clock: () => NOW, offsetMin: 420, log, flushMs: 60_000 });
    u.record(1, 'token:1', 'rest');
    f.failNext(true);
    await u.flush();
    u.record(1, 'token:1', 'rest');
    expect(u.stats().pending).toBe(1);
    f.failNext(false);
    const done = u.flush();
    await Promise.resolve();
    f.release();
    await done;
    expect(f.calls.at(-1)![4]).toEqual([2]);
  });
});

describe('coarsening reads through a narrowed agreement', () => {
  it.each([
    ['35.78.01.1001', 'kelurahan', '35.78.01.1001'],
    ['35.78.01.1001', 'kecamatan', '35.78.01'],
    ['35.78.01.1001', 'kota', '35.78'],
    [null, 'kecamatan', null],
  ] as const)('%s at %s → %s', (code, level, out) => expect(coarseRegion(code, level)).toBe(out));

  const series = (region: string | null, lon: number | null) => ({
    id: 1,
    metric: 'm',
    entity: 'e',
    region,
    lon,
    lat: lon,
    buckets: [],
    latest: null,
  });
  const range = { metric: 'm', bucket: '1m' as const, bucketMs: 60_000, series: [series('35.78.01.1001', 110.4)] };
  it('series: kelurahan unchanged; kecamatan cuts the region and drops positions', () => {
    expect(coarsenSeries(range, 'kelurahan')).toBe(range);
    expect(coarsenSeries(range, 'kecamatan').series).toEqual([series('35.78.01', null)]);
  });

  it('event stats: regions merged up per bucket, counts summed; overdue items cut', () => {
    const stats = {
      byRegion: [
        { t: 0, region: '35.78.01.1001', received: 2, closed: 1 },
        { t: 0, region: '35.78.01.1002', received: 3, closed: 0 },
        { t: 0, region: '35.78.02.2001', received: 1, closed: 1 },
        { t: 60, region: '35.78.01.1001', received: 1, closed: 0 },
      ],
      pastSla: {
        asOf: 0,
        total: 1,
        byGroup: [],
        items: [{ id: 'a', opd: 'X', category: null, region: '35.78.02.2001', status: 's', openedAt: 0, dueAt: 0, overdueHours: 1 }],
      },
    };
    const out = coarsenEventStats(stats, 'kecamatan');
    expect(out.byRegion).toEqual([
      { t: 0, region: '35.78.01', received: 5, closed: 1 },
      { t: 0, region: '35.78.02', received: 1, closed: 1 },
      { t: 60, region: '35.78.01', received: 1, closed: 0 },
    ]);
    expect(out.pastSla.items[0]!.region).toBe('35.78.02');
    // totals are kept
    const sum = (x: typeof stats.byRegion) => x.reduce((s, r) => s + r.received, 0);
    expect(sum(out.byRegion)).toBe(sum(stats.byRegion));
    expect(coarsenEventStats(stats, 'kelurahan')).toBe(stats);
  });

  it.each([
    [undefined, null],
    [{ agreement: 3 }, null],
    [{ agreement: 3, regionLevel: 'kelurahan' as const }, null],
    [
      { agreement: 3, regionLevel: 'kota' as const },
      'agreement 3 shares m at kota level; live readings carry kelurahan detail, so read it through the REST API',
    ],
  ])('live through %o → %s', (via, out) => expect(liveRefusal('m', via)).toBe(out));
});
