/**
 * The scorecard's rules (shared/scorecard.ts) and the briefing's schedule (server/briefing/schedule.ts), table
 * by table: every row a case with its reason.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyClosure,
  countClosures,
  coveredMs,
  freshShare,
  isRejected,
  meanOf,
  median,
  metricLate,
  overdueHours,
  rankOpds,
  slaShares,
  trend,
  type Closure,
} from '../../shared/scorecard';
import { windowFigures } from '../../server/scorecard/service';
import { isoWeekOf, nextRun, parseCron, reportWeek, weekRange } from '../../server/briefing/schedule';
import { ConfigError, loadConfig } from '../../server/config';

const H = 3_600_000;
const WIB = 420;

describe('classifyClosure', () => {
  const rows: [string, { status: string; hours: number; targetHours: number | null }, Closure][] = [
    ['resolved within the target is met', { status: 'resolved', hours: 10, targetHours: 24 }, 'met'],
    ['exactly at the target is met', { status: 'resolved', hours: 24, targetHours: 24 }, 'met'],
    ['past the target is missed', { status: 'resolved', hours: 24.01, targetHours: 24 }, 'missed'],
    ['a rejection within the target is never met', { status: 'rejected', hours: 1, targetHours: 24 }, 'rejected'],
    ['ditolak (incidents) is a rejection', { status: 'ditolak', hours: 1, targetHours: 24 }, 'rejected'],
    ['case and spaces do not hide a rejection', { status: ' Ditolak ', hours: 1, targetHours: 24 }, 'rejected'],
    ['a rejection without a target is still a rejection', { status: 'rejected', hours: 1, targetHours: null }, 'rejected'],
    ['no target: neither met nor missed', { status: 'resolved', hours: 500, targetHours: null }, 'no_target'],
    ['selesai (incidents) within target is met', { status: 'selesai', hours: 2, targetHours: 4 }, 'met'],
  ];
  it.each(rows)('%s', (_why, item, expected) => expect(classifyClosure(item)).toBe(expected));
  it('isRejected knows only the refusing statuses', () => {
    expect(['ditolak', 'rejected', 'declined'].map(isRejected)).toEqual([true, true, true]);
    expect(['resolved', 'selesai', 'closed', 'ditolak_sebagian'].map(isRejected)).toEqual([false, false, false, false]);
  });
});

describe('slaShares', () => {
  const rows: [string, Parameters<typeof slaShares>[0], ReturnType<typeof slaShares>][] = [
    [
      'nothing closed: no figures',
      { closed: 0, met: 0, missed: 0, rejected: 0, noTarget: 0 },
      { shareWithinSla: null, shareMissed: null, shareRejected: null },
    ],
    [
      'only items without a target: no figures',
      { closed: 3, met: 0, missed: 0, rejected: 0, noTarget: 3 },
      { shareWithinSla: null, shareMissed: null, shareRejected: null },
    ],
    [
      'the three shares add up to 1',
      { closed: 10, met: 6, missed: 2, rejected: 2, noTarget: 0 },
      { shareWithinSla: 0.6, shareMissed: 0.2, shareRejected: 0.2 },
    ],
    [
      'rejections lower the met share, never raise it',
      { closed: 4, met: 2, missed: 0, rejected: 2, noTarget: 0 },
      { shareWithinSla: 0.5, shareMissed: 0, shareRejected: 0.5 },
    ],
    [
      'items without a target are outside the shares',
      { closed: 5, met: 1, missed: 1, rejected: 0, noTarget: 3 },
      { shareWithinSla: 0.5, shareMissed: 0.5, shareRejected: 0 },
    ],
  ];
  it.each(rows)('%s', (_why, c, expected) => expect(slaShares(c)).toEqual(expected));
  it('rejecting a late item instead of resolving it does not raise the met share', () => {
    const resolvedLate = slaShares(
      countClosures([
        { status: 'resolved', hours: 2, targetHours: 1 },
        { status: 'resolved', hours: 0.5, targetHours: 1 },
      ]),
    );
    const rejected = slaShares(
      countClosures([
        { status: 'rejected', hours: 2, targetHours: 1 },
        { status: 'resolved', hours: 0.5, targetHours: 1 },
      ]),
    );
    expect(rejected.shareWithinSla).toBe(resolvedLate.shareWithinSla);
    expect(rejected.shareRejected).toBe(0.5);
  });
});

describe('median', () => {
  it.each([
    ['none', [], null],
    ['one', [3], 3],
    ['odd count: the middle', [5, 1, 3], 3],
    ['even count: the mean of the middle two (percentile_cont)', [4, 1, 3, 2], 2.5],
  ] as [string, number[], number | null][])('%s', (_why, v, expected) => expect(median(v)).toBe(expected));
});

describe('trend', () => {
  const rows: [string, Parameters<typeof trend>, ReturnType<typeof trend>][] = [
    ['no previous figure: no trend', [0.8, null, 'higher', 0.005], { delta: null, direction: null }],
    ['no current figure: no trend', [null, 0.8, 'higher', 0.005], { delta: null, direction: null }],
    ['a higher share is better', [0.9, 0.8, 'higher', 0.005], { delta: 0.9 - 0.8, direction: 'better' }],
    ['a lower share is worse', [0.7, 0.8, 'higher', 0.005], { delta: 0.7 - 0.8, direction: 'worse' }],
    ['a lower median is better', [10, 12, 'lower', 0.1], { delta: -2, direction: 'better' }],
    ['a higher median is worse', [12, 10, 'lower', 0.1], { delta: 2, direction: 'worse' }],
    ['within epsilon is the same', [0.801, 0.8, 'higher', 0.005], { delta: 0.801 - 0.8, direction: 'same' }],
  ];
  it.each(rows)('%s', (_why, args, expected) => {
    const t = trend(...args);
    expect(t.direction).toBe(expected.direction);
    if (expected.delta === null) expect(t.delta).toBeNull();
    else expect(t.delta).toBeCloseTo(expected.delta, 12);
  });
  it('windowFigures compares a window with the one before it', () => {
    const cur = { closed: 4, met: 3, missed: 1, rejected: 0, noTarget: 0, medianHours: 5 };
    const prev = { closed: 2, met: 1, missed: 1, rejected: 0, noTarget: 0, medianHours: 8 };
    const w = windowFigures(cur, prev);
    expect(w.shareWithinSla).toBe(0.75);
    expect(w.previous).toEqual({ closed: 2, shareWithinSla: 0.5, shareRejected: 0, medianHours: 8 });
    expect(w.trend.shareWithinSla.direction).toBe('better');
    expect(w.trend.medianHours).toEqual({ delta: -3, direction: 'better' });
  });
});

describe('data freshness', () => {
  const now = Date.UTC(2026, 11, 6, 12);
  const rows: [string, { start: number; end: number | null }[], number, number][] = [
    ['no lateness: fully fresh', [], 24 * H, 1],
    ['a feed stopped for 1 h loses 1/24 of its 24 h score (≈ 4.2 points)', [{ start: now - 5 * H, end: now - 4 * H }], 24 * H, 1 - 1 / 24],
    ['the same hour is 1/168 of 7 days', [{ start: now - 5 * H, end: now - 4 * H }], 7 * 24 * H, 1 - 1 / 168],
    ['an interval still open runs to now', [{ start: now - 2 * H, end: null }], 24 * H, 1 - 2 / 24],
    ['an interval begun before the window counts only inside it', [{ start: now - 30 * H, end: now - 23 * H }], 24 * H, 1 - 1 / 24],
    ['an interval before the window does not count', [{ start: now - 30 * H, end: now - 25 * H }], 24 * H, 1],
    [
      'overlapping intervals count once',
      [
        { start: now - 4 * H, end: now - 2 * H },
        { start: now - 3 * H, end: now - 1 * H },
      ],
      24 * H,
      1 - 3 / 24,
    ],
    ['late the whole window: 0', [{ start: now - 48 * H, end: null }], 24 * H, 0],
  ];
  it.each(rows)('%s', (_why, late, windowMs, expected) => expect(freshShare(late, now, windowMs)).toBeCloseTo(expected, 12));
  it('a 1 h stop lowers the 24 h score by 4.17 points exactly (100/24)', () => {
    const score = (late: { start: number; end: number | null }[]) => 100 * freshShare(late, now, 24 * H);
    expect(score([]) - score([{ start: now - 10 * H, end: now - 9 * H }])).toBeCloseTo(100 / 24, 10);
    expect((100 / 24).toFixed(1)).toBe('4.2');
  });
  it('coveredMs: property — the order of the intervals does not matter, adding one again changes nothing', () => {
    const iv = [
      { start: now - 9 * H, end: now - 7 * H },
      { start: now - 8 * H, end: now - 3 * H },
      { start: now - 2 * H, end: null },
    ];
    const a = coveredMs(iv, now - 24 * H, now);
    expect(coveredMs([...iv].reverse(), now - 24 * H, now)).toBe(a);
    expect(coveredMs([...iv, iv[1]!], now - 24 * H, now)).toBe(a);
    expect(a).toBe(8 * H);
  });
  it('meanOf ignores missing figures', () => {
    expect(meanOf([])).toBeNull();
    expect(meanOf([null, 0.5, 1])).toBe(0.75);
  });
  it('overdueHours rounds to one decimal', () => expect(overdueHours(now - 1.26 * H, now)).toBe(1.3));
});

describe('metricLate: a metric is late when its newest reading is older than 3× its cadence', () => {
  const now = Date.UTC(2026, 11, 6, 12);
  const rows: [string, number, number, boolean][] = [
    ['a reading just now: fresh', now, 60, false],
    ['exactly 3 cadences old: not yet late', now - 180_000, 60, false],
    ['one ms past 3 cadences: late', now - 180_001, 60, true],
    ['1 h silent on a 5-minute cadence: late', now - H, 300, true],
    ['1 h silent on a daily cadence: fresh', now - H, 86_400, false],
    ['a reading in the future (clock skew): fresh', now + 60_000, 60, false],
  ];
  it.each(rows)('%s', (_why, newest, cadenceS, expected) => expect(metricLate(newest, cadenceS, now)).toBe(expected));
});

describe('rankOpds', () => {
  it('orders by the 30-day SLA share, then data freshness, then fewest overdue, then code; no figure ranks last', () => {
    const r = rankOpds([
      { opd: 'E', serviceShare30d: null, dataFresh30d: 1, overdue: 0 },
      { opd: 'D', serviceShare30d: 0.9, dataFresh30d: 0.9, overdue: 3 },
      { opd: 'C', serviceShare30d: 0.9, dataFresh30d: 0.9, overdue: 1 },
      { opd: 'B', serviceShare30d: 0.9, dataFresh30d: 1, overdue: 9 },
      { opd: 'A', serviceShare30d: 0.5, dataFresh30d: null, overdue: 0 },
      { opd: 'F', serviceShare30d: 0.9, dataFresh30d: 0.9, overdue: 1 },
    ]);
    expect(r.map((x) => `${x.rank}${x.opd}`)).toEqual(['1B', '2C', '3F', '4D', '5A', '6E']);
  });
});

describe('briefing schedule', () => {
  it.each([
    ['Monday 07:00 WIB is 00:00 UTC', '0 7 * * 1', Date.UTC(2026, 11, 6, 12), Date.UTC(2026, 11, 7, 0)],
    ['just after a run: the next week', '0 7 * * 1', Date.UTC(2026, 11, 7, 0), Date.UTC(2026, 11, 14, 0)],
    ['Sunday as 7', '30 18 * * 7', Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 6, 11, 30)],
    ['steps and lists', '*/15 8,9 * * *', Date.UTC(2026, 11, 6, 1, 1), Date.UTC(2026, 11, 6, 1, 15)],
    ['day of month', '0 0 1 * *', Date.UTC(2026, 11, 6), Date.UTC(2026, 11, 31, 17)],
  ] as [string, string, number, number][])('%s', (_why, spec, after, expected) => expect(nextRun(parseCron(spec), after, WIB)).toBe(expected));
  it.each([['0 7 * *'], ['60 7 * * 1'], ['0 7 * * 8'], ['x 7 * * 1'], ['0 7 5-2 * *']])('refuses %s', (spec) =>
    expect(() => parseCron(spec)).toThrow(),
  );
  it('ISO weeks in city time', () => {
    expect(isoWeekOf(Date.UTC(2026, 11, 6, 12), WIB)).toBe('2026-W49'); // Sunday 6 Dec
    expect(isoWeekOf(Date.UTC(2026, 11, 6, 17), WIB)).toBe('2026-W50'); // Monday 00:00 WIB
    expect(isoWeekOf(Date.UTC(2021, 0, 3, 12), 0)).toBe('2020-W53');
    expect(weekRange('2026-W49', WIB)).toEqual({ start: Date.UTC(2026, 10, 29, 17), end: Date.UTC(2026, 11, 6, 17) });
    expect(weekRange('2025-W53', WIB)).toBeNull();
    expect(weekRange('2026-W53', WIB)).not.toBeNull();
    expect(weekRange('2020-W53', 0)).not.toBeNull();
    expect(reportWeek(Date.UTC(2026, 11, 7, 0), WIB)).toBe('2026-W49'); // Monday 07:00: the week just ended
  });
});

describe('configuration', () => {
  it('BRIEFING_SCHEDULE is parsed once (default Monday 07:00 city time), fails fast, and `off` turns it off; SCORECARD_PUBLIC is off by default', () => {
    const c = loadConfig({});
    expect(c.briefing.schedule?.text).toBe('0 7 * * 1');
    expect(c.briefing.utcOffsetMin).toBe(420);
    expect(c.scorecardPublic).toBe(false);
    expect(loadConfig({ BRIEFING_SCHEDULE: 'off', SCORECARD_PUBLIC: 'on' })).toMatchObject({ briefing: { schedule: null }, scorecardPublic: true });
    expect(() => loadConfig({ BRIEFING_SCHEDULE: '0 7 * *' })).toThrow(/BRIEFING_SCHEDULE: '0 7 \* \*': five fields/);
    expect(() => loadConfig({ SCORECARD_PUBLIC: 'maybe' })).toThrow(ConfigError);
  });
});
