/**
 * Public works on the citizen page (client/citizen/projects.ts): the late rule (more than 10 points behind
 * plan), statuses, where a project is, the filters and the progress lines.
 */
import { describe, expect, it } from 'vitest';
import type { ProjectRow } from '../../client/features/projects/derive';
import type { SeriesResponse } from '../../client/lib/api/series';
import {
  byUrgency,
  filterOptions,
  filterProjects,
  historyLines,
  isLate,
  kecamatanCodeOf,
  LATE_MARGIN_PTS,
  NO_FILTER,
  projectStatus,
  publicProjects,
  withLatest,
  type RegionLookup,
} from '../../client/citizen/projects';

describe('the late rule', () => {
  it('is late only when more than 10 points behind plan', () => {
    expect(LATE_MARGIN_PTS).toBe(10);
    expect(isLate(40, 60)).toBe(true);
    expect(isLate(49.9, 60)).toBe(true);
    expect(isLate(50, 60)).toBe(false); // exactly 10 behind
    expect(isLate(55, 60)).toBe(false);
    expect(isLate(70, 60)).toBe(false); // ahead
    expect(isLate(0, 10.01)).toBe(true);
  });

  it('never calls unknown progress or plan late', () => {
    expect(isLate(null, 60)).toBe(false);
    expect(isLate(10, null)).toBe(false);
    expect(isLate(undefined, 60)).toBe(false);
    expect(isLate(Number.NaN, 60)).toBe(false);
    expect(isLate(10, Number.POSITIVE_INFINITY)).toBe(false);
  });

  it('takes another margin when asked', () => {
    expect(isLate(55, 60, 4)).toBe(true);
    expect(isLate(55, 60, 5)).toBe(false);
  });

  it('labels projects late, on track, done or unknown', () => {
    expect(projectStatus(42, 60)).toBe('late');
    expect(projectStatus(50, 60)).toBe('on_track');
    expect(projectStatus(100, 100)).toBe('done');
    expect(projectStatus(100, null)).toBe('done');
    expect(projectStatus(null, 50)).toBe('unknown');
    expect(projectStatus(30, null)).toBe('unknown');
  });
});

const row = (entity: string, region: string | null, progress: number | null, plan: number | null, t = 1_000): ProjectRow => ({
  entity,
  region,
  lon: 110.4,
  lat: -7,
  progress,
  plan,
  budget: 1e9,
  behind: false,
  t,
});

const regions: RegionLookup = {
  name: (c) => ({ '33.74.01.1001': 'Sekayu', '33.74.01': 'Semarang Tengah', '33.74.02': 'Semarang Timur' })[c],
  parent: (c) => ({ '33.74.01.1001': '33.74.01' })[c],
};

describe('project rows', () => {
  it('derives kecamatan from the region list, else from the code', () => {
    expect(kecamatanCodeOf('33.74.02.1005')).toBe('33.74.02');
    expect(kecamatanCodeOf('33.74.02')).toBe('33.74.02');
    expect(kecamatanCodeOf('33.74')).toBeNull();
    expect(kecamatanCodeOf(null)).toBeNull();
    const [a, b, c] = publicProjects(
      [row('P1', '33.74.01.1001', 40, 60), row('P2', '33.74.02.1005', 50, 55), row('P3', null, null, null)],
      regions,
      'DPUPR',
    );
    expect(a).toMatchObject({
      kelurahanName: 'Sekayu',
      kecamatan: '33.74.01',
      kecamatanName: 'Semarang Tengah',
      opd: 'DPUPR',
      gap: 20,
      status: 'late',
    });
    expect(b).toMatchObject({ kelurahanName: null, kecamatan: '33.74.02', kecamatanName: 'Semarang Timur', gap: 5, status: 'on_track' });
    expect(c).toMatchObject({ kecamatan: null, kecamatanName: null, gap: null, status: 'unknown' });
  });

  it('filters by kecamatan, OPD and lateness, and offers the values present as options', () => {
    const rows = publicProjects(
      [
        row('P1', '33.74.01.1001', 40, 60),
        row('P2', '33.74.02.1005', 50, 55),
        row('P3', '33.74.02.1006', 10, 30),
        row('P4', '33.74.01.1001', 100, 100),
      ],
      regions,
      'DPUPR',
    );
    const ids = (r: { entity: string }[]) => r.map((x) => x.entity);
    expect(ids(filterProjects(rows, NO_FILTER))).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(ids(filterProjects(rows, { ...NO_FILTER, kecamatan: '33.74.02' }))).toEqual(['P2', 'P3']);
    expect(ids(filterProjects(rows, { ...NO_FILTER, lateOnly: true }))).toEqual(['P1', 'P3']);
    expect(ids(filterProjects(rows, { kecamatan: '33.74.01', opd: '', lateOnly: true }))).toEqual(['P1']);
    expect(ids(filterProjects(rows, { ...NO_FILTER, opd: 'DPUPR' }))).toHaveLength(4);
    expect(filterProjects(rows, { ...NO_FILTER, opd: 'BAPPEDA' })).toEqual([]);
    expect(
      filterOptions(
        rows,
        (r) => r.kecamatan,
        (c) => regions.name(c) ?? c,
      ),
    ).toEqual([
      { code: '33.74.01', label: 'Semarang Tengah', count: 2 },
      { code: '33.74.02', label: 'Semarang Timur', count: 2 },
    ]);
    // late first, most behind first, then by entity
    expect(ids([...rows].sort(byUrgency))).toEqual(['P1', 'P3', 'P2', 'P4']);
  });
});

describe('progress lines', () => {
  it('takes the daily last value per entity, in time order, and appends a newer live reading', () => {
    const res: SeriesResponse = {
      metric: 'project_progress',
      bucket: '1d',
      bucketMs: 86_400_000,
      series: [
        {
          id: 1,
          metric: 'project_progress',
          entity: 'P1',
          region: null,
          lon: null,
          lat: null,
          buckets: [
            { t: 200, avg: 11, min: 10, max: 12, last: 12 },
            { t: 100, avg: 5, min: 4, max: 6, last: 6 },
          ],
          latest: { t: 200, v: 12, ageMs: 0 },
        },
      ],
    };
    const lines = historyLines(res);
    expect(lines.get('P1')).toEqual([
      [100, 6],
      [200, 12],
    ]);
    expect(historyLines(null).size).toBe(0);
    expect(withLatest(lines.get('P1'), 300, 15)).toEqual([
      [100, 6],
      [200, 12],
      [300, 15],
    ]);
    expect(withLatest(lines.get('P1'), 150, 15)).toHaveLength(2); // not newer
    expect(withLatest(undefined, 300, 15)).toEqual([[300, 15]]);
    expect(withLatest(undefined, 300, null)).toEqual([]);
  });
});
