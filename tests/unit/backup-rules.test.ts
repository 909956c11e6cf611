/**
 * The pure rules around backups: which backups retention keeps (7 daily, 4 weekly, local calendar), the ISO
 * week, the nightly schedule, the health readings behind the backup alerts, the restore order of tables, and
 * the COPY text parser of the restore path without COPY.
 */
import { describe, expect, it } from 'vitest';
import { restoreOrder } from '../../db/backup/create';
import { backupName, parseCopyLine } from '../../db/backup/format';
import { backupsToKeep, isoWeek } from '../../db/backup/retention';
import { backupHealthReadings, nextRunAt } from '../../server/backup/service';

const H = 3_600_000;
const D = 24 * H;
const WIB = 7 * 60;

describe('retention: the newest backup of each of the last 7 days and of each of the last 4 ISO weeks', () => {
  // nightly at 02:30 WIB (19:30 UTC the day before) for 60 nights, ending Sunday 6 December 2026
  const last = Date.parse('2026-12-06T02:30:00+07:00');
  const nightly = Array.from({ length: 60 }, (_, i) => ({ name: `n${i}`, at: last - i * D }));
  const day = (name: string) => new Date(nightly.find((b) => b.name === name)!.at + WIB * 60_000).toISOString().slice(0, 10);

  it.each([
    {
      daily: 7,
      weekly: 4,
      want: [
        '2026-12-06',
        '2026-12-05',
        '2026-12-04',
        '2026-12-03',
        '2026-12-02',
        '2026-12-01',
        '2026-11-30',
        '2026-11-29',
        '2026-11-22',
        '2026-11-15',
      ],
    },
    { daily: 1, weekly: 0, want: ['2026-12-06'] },
    { daily: 2, weekly: 2, want: ['2026-12-06', '2026-12-05', '2026-11-29'] },
  ])('daily $daily, weekly $weekly', ({ daily, weekly, want }) => {
    const kept = [...backupsToKeep(nightly, daily, weekly, WIB)].map(day).sort().reverse();
    expect(kept).toEqual(want);
  });

  it('counts days with a backup, not calendar days: after a week of failures the last good ones stay', () => {
    const withGap = nightly.filter((b) => b.at < last - 8 * D);
    expect(backupsToKeep(withGap, 7, 0, WIB).size).toBe(7);
  });

  it('keeps only the newest of a day (a manual backup after the nightly one replaces it)', () => {
    const manual = { name: 'manual', at: last + 9 * H };
    const kept = backupsToKeep([...nightly, manual], 7, 4, WIB);
    expect(kept.has('manual')).toBe(true);
    expect(kept.has('n0')).toBe(false);
  });

  it('reads days in the local calendar: 23:30 and 00:30 WIB are two days, though one UTC date', () => {
    const a = { name: 'a', at: Date.parse('2026-12-05T23:30:00+07:00') };
    const b = { name: 'b', at: Date.parse('2026-12-06T00:30:00+07:00') };
    expect(backupsToKeep([a, b], 7, 0, WIB)).toEqual(new Set(['a', 'b']));
    expect(backupsToKeep([a, b], 7, 0, 0)).toEqual(new Set(['b']));
  });

  it('is idempotent: pruning the kept set keeps all of it', () => {
    const kept = backupsToKeep(nightly, 7, 4, WIB);
    expect(
      backupsToKeep(
        nightly.filter((b) => kept.has(b.name)),
        7,
        4,
        WIB,
      ),
    ).toEqual(kept);
  });
});

describe('isoWeek', () => {
  it.each([
    ['2026-12-06', '2026-W49'], // Sunday
    ['2026-11-30', '2026-W49'], // Monday
    ['2026-01-01', '2026-W01'], // Thursday
    ['2027-01-01', '2026-W53'], // Friday of 2026's 53rd week
    ['2024-12-30', '2025-W01'], // Monday of 2025's first week
  ])('%s is %s', (date, week) => expect(isoWeek(new Date(`${date}T12:00:00Z`))).toBe(week));
});

describe('nextRunAt (server time zone)', () => {
  it('is later today before the time, tomorrow at or after it', () => {
    const today = new Date(2026, 11, 6, 1, 0).getTime();
    expect(nextRunAt(today, '02:30')).toBe(new Date(2026, 11, 6, 2, 30).getTime());
    expect(nextRunAt(new Date(2026, 11, 6, 2, 30).getTime(), '02:30')).toBe(new Date(2026, 11, 7, 2, 30).getTime());
    expect(nextRunAt(new Date(2026, 11, 31, 23, 0).getTime(), '02:30')).toBe(new Date(2027, 0, 1, 2, 30).getTime());
  });
});

describe('backup health readings (what the backup alerts are raised from)', () => {
  const now = Date.parse('2026-12-06T10:00:00Z');
  it.each([
    { case: 'last night', primary: now - 7.5 * H, copy: now - 7.5 * H, failures: 0, want: [7.5, 7.5, 0] },
    { case: 'copy disk missing its backups', primary: now - 7.5 * H, copy: null, failures: 0, want: [7.5, 72, 0] },
    { case: 'no second disk configured', primary: now - H, copy: undefined, failures: 0, want: [1, 0] },
    { case: 'never backed up: counted from the database creation', primary: null, copy: undefined, failures: 0, want: [72, 0] },
    { case: 'two failures in a row', primary: now - 50 * H, copy: undefined, failures: 2, want: [50, 2] },
    {
      case: 'a backup older than the database (restored box) counts from the creation',
      primary: now - 100 * H,
      copy: undefined,
      failures: 0,
      want: [72, 0],
    },
  ])('$case', ({ primary, copy, failures, want }) => {
    const r = backupHealthReadings({ now, primary, copy, since: now - 72 * H, failuresInARow: failures });
    expect(r.map((x) => x.value)).toEqual(want);
    expect(r.map((x) => `${x.metric}/${x.entity}`)).toEqual([
      'backup_age_hours/primary',
      ...(copy !== undefined ? ['backup_age_hours/copy'] : []),
      'backup_failures/nightly',
    ]);
  });
});

describe('restoreOrder', () => {
  it('puts every table after the tables its foreign keys point to; self references and unknown tables are ignored', () => {
    const order = restoreOrder(
      ['point', 'series', 'metric', 'opd', 'region', 'alert'],
      [
        { child: 'point', parent: 'series' },
        { child: 'series', parent: 'metric' },
        { child: 'series', parent: 'region' },
        { child: 'metric', parent: 'opd' },
        { child: 'region', parent: 'region' },
        { child: 'alert', parent: 'series' },
        { child: 'alert', parent: 'elsewhere' },
      ],
    );
    const before = (a: string, b: string) => expect(order.indexOf(a), `${a} before ${b}`).toBeLessThan(order.indexOf(b));
    before('series', 'point');
    before('metric', 'series');
    before('region', 'series');
    before('opd', 'metric');
    before('series', 'alert');
    expect([...order].sort()).toEqual(['alert', 'metric', 'opd', 'point', 'region', 'series']);
  });
});

describe('COPY text lines', () => {
  it.each([
    ['1\tabc\t\\N', ['1', 'abc', null]],
    ['a\\tb\tline\\nbreak\\\\', ['a\tb', 'line\nbreak\\']],
    ['\\\\x0041\t{"k": "v"}\t', ['\\x0041', '{"k": "v"}', '']],
    ['{a,"b c"}\t2026-12-06 02:30:00+00', ['{a,"b c"}', '2026-12-06 02:30:00+00']],
  ])('%j', (line, want) => expect(parseCopyLine(line)).toEqual(want));
});

it('backup names sort by time', () => {
  expect(backupName(new Date('2026-12-06T02:30:05.123Z'))).toBe('sinergi-20261206-023005Z');
});
