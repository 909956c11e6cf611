/**
 * The wall's scenes file (schema, errors with field and line, the shipped file), its loader keeping the last
 * good version, the playlist state machine, truck trails and the located-events buffer. Pure, except the
 * loader, which reads a real file in a temporary folder.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENES, playlistOf } from '../../shared/scenes';
import { createSceneSource, parseScenes } from '../../server/wall/scenes';
import { holdingAlert, initialPlaylist, skip, stepPlaylist, togglePause, type PlaylistScene } from '../../client/features/scenes/playlist';
import { TrailBuffer } from '../../client/features/sanitation/trails';
import { complaintPoints, complaintsByCategory, complaintsByKecamatan } from '../../client/features/complaints/derive';
import { trendOf, valueAt } from '../../client/features/common';
import { EventsStore } from '../../client/lib/events-store';
import type { WireEvent } from '../../shared/contract';

const SHIPPED = join(import.meta.dirname, '../../config/scenes.yaml');

describe('scenes file', () => {
  it('ships the built-in scenes for the demo city: an overview and one per domain', async () => {
    const r = parseScenes(await readFile(SHIPPED, 'utf8'));
    expect(r.ok && r.scenes).toEqual(DEFAULT_SCENES);
    expect(playlistOf(DEFAULT_SCENES).map((s) => [s.id, s.domain ?? null])).toEqual([
      ['overview', null],
      ['floods', 'floods'],
      ['traffic', 'traffic'],
      ['sanitation', 'sanitation'],
      ['complaints', 'complaints'],
      ['projects', 'projects'],
    ]);
  });

  it.each([
    [
      'an unknown chart',
      (y: string) => y.replace('}, chart: water-level }', '}, chart: waterlevel }'),
      /scenes\.0\.panels\.4\.chart \(line 46\): Invalid option/,
    ],
    ['a duration of 0', (y: string) => y.replace('durationS: 45', 'durationS: 0'), /scenes\.1\.durationS \(line 53\): Too small/],
    [
      'a panel beyond the grid',
      (y: string) => y.replace('{ col: 8, row: 1, w: 5, h: 2 }, kpis: [water-level', '{ col: 9, row: 1, w: 5, h: 2 }, kpis: [water-level'),
      /scenes\.1\.panels\.1\.area\.w \(line 64\): panel ends at column 13, beyond the grid's 12 columns/,
    ],
    [
      'a playlist naming no scene',
      (y: string) => y.replace('playlist: [overview,', 'playlist: [ringkasan,'),
      /playlist\.0 \(line 26\): no scene 'ringkasan'/,
    ],
    ['a duplicated scene id', (y: string) => y.replace('id: traffic', 'id: floods'), /scenes\.2\.id \(line 69\): scene id 'floods' is used twice/],
    [
      'an unknown field',
      (y: string) => y.replace('durationS: 60', 'durationS: 60\n    colour: red'),
      /scenes\.0 \(line 28\): Unrecognized key: "colour"/,
    ],
    ['a YAML syntax error', (y: string) => y.replace('playlist: [overview,', 'playlist: [overview,,'), /line 26:/],
  ])('names the field and line of %s', async (_what, edit, message) => {
    const r = parseScenes(edit(await readFile(SHIPPED, 'utf8')), 'scenes.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/^invalid wall scenes scenes\.yaml:/);
      expect(r.message).toMatch(message);
    }
  });

  it('keeps serving the last good scenes when the file breaks or disappears, and picks up the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sinergi-scenes-'));
    const file = join(dir, 'scenes.yaml');
    const logged: string[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => void logged.push(JSON.parse(s).msg) });
    try {
      const missing = await createSceneSource({ file, log, pollMs: 60_000 });
      expect(missing.current()).toMatchObject({ source: 'defaults', scenes: DEFAULT_SCENES });
      expect(missing.current().error).toMatch(/cannot read wall scenes .*ENOENT/);
      missing.close();

      const shipped = await readFile(SHIPPED, 'utf8');
      await writeFile(file, shipped.replace('durationS: 60', 'durationS: 7'));
      const src = await createSceneSource({ file, log, pollMs: 60_000 });
      expect(src.current().source).toBe('file');
      expect(src.current().scenes.scenes[0]!.durationS).toBe(7);

      await writeFile(file, shipped.replace('durationS: 60', 'durationS: -3'));
      await src.refresh();
      expect(src.current().source).toBe('file');
      expect(src.current().scenes.scenes[0]!.durationS).toBe(7);
      expect(src.current().error).toMatch(/scenes\.0\.durationS \(line 30\)/);
      expect(logged.some((m) => /scenes\.0\.durationS \(line 30\)/.test(m) && /still serving the last good scenes/.test(m))).toBe(true);

      await writeFile(file, shipped.replace('durationS: 60', 'durationS: 9'));
      await src.refresh();
      expect(src.current()).toMatchObject({ source: 'file', error: null });
      expect(src.current().scenes.scenes[0]!.durationS).toBe(9);
      src.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('playlist', () => {
  const scenes: PlaylistScene[] = [
    { id: 'overview', durationS: 10 },
    { id: 'floods', durationS: 5, domain: 'floods' },
    { id: 'traffic', durationS: 8, domain: 'traffic' },
  ];

  it('rotates each scene for its own duration and wraps around', () => {
    let s = initialPlaylist(scenes, 0);
    const seen: [number, string][] = [];
    for (let t = 0; t <= 30_000; t += 500) {
      const next = stepPlaylist(scenes, s, t, null);
      if (next.index !== s.index) seen.push([t, scenes[next.index]!.id]);
      s = next;
    }
    expect(seen).toEqual([
      [10_000, 'floods'],
      [15_000, 'traffic'],
      [23_000, 'overview'],
    ]);
  });

  it('jumps to the scene of an alert and holds there until the alert is gone, then resumes', () => {
    let s = initialPlaylist(scenes, 0);
    s = stepPlaylist(scenes, s, 1_000, { domain: 'floods', level: 'siaga' });
    expect(s).toEqual({ index: 1, since: 1_000, hold: 'alert' });
    // re-running changes nothing, and the hold outlasts the scene's duration
    expect(stepPlaylist(scenes, s, 1_000, { domain: 'floods', level: 'siaga' })).toBe(s);
    expect(stepPlaylist(scenes, s, 60_000, { domain: 'floods', level: 'siaga' })).toBe(s);
    // an alert of a domain without a scene holds where it is
    expect(stepPlaylist(scenes, initialPlaylist(scenes, 0), 1, { domain: 'projects', level: 'siaga' })).toMatchObject({ index: 0, hold: 'alert' });
    s = stepPlaylist(scenes, s, 61_000, null);
    expect(s).toEqual({ index: 1, since: 61_000, hold: 'none' });
    expect(stepPlaylist(scenes, s, 66_000, null).index).toBe(2);
  });

  it('an operator can pause, skip and resume; an alert overrides a manual pause', () => {
    let s = togglePause(initialPlaylist(scenes, 0), 0);
    expect(s.hold).toBe('manual');
    expect(stepPlaylist(scenes, s, 100_000, null)).toBe(s);
    s = skip(scenes, s, -1, 5);
    expect(s).toMatchObject({ index: 2, hold: 'manual' });
    expect(stepPlaylist(scenes, s, 6, { domain: 'floods', level: 'siaga' })).toMatchObject({ index: 1, hold: 'alert' });
    expect(togglePause(s, 7)).toEqual({ index: 2, since: 7, hold: 'none' });
  });

  it('holds only for alerts at or above the level their scene takes; routine ones stay in the alert panels', () => {
    const tiered: PlaylistScene[] = [
      { id: 'overview', durationS: 10 },
      { id: 'floods', durationS: 5, domain: 'floods' },
      { id: 'traffic', durationS: 8, domain: 'traffic', holdAt: 'awas' },
      { id: 'sanitation', durationS: 8, domain: 'sanitation', holdAt: 'never' },
    ];
    const open = (domain: 'floods' | 'traffic' | 'sanitation' | 'projects', level: 'siaga' | 'awas', openedAt: number, acknowledged = false) => ({
      domain,
      level,
      openedAt,
      acknowledged,
    });
    expect(holdingAlert(tiered, [])).toBeNull();
    // a full container and a congested road at Siaga: nothing holds the wall
    expect(holdingAlert(tiered, [open('sanitation', 'awas', 1), open('traffic', 'siaga', 2)])).toBeNull();
    // the road at Awas does
    expect(holdingAlert(tiered, [open('sanitation', 'awas', 1), open('traffic', 'awas', 2)])).toEqual({ domain: 'traffic', level: 'awas' });
    // Awas before Siaga, then the newest; acknowledged ones never hold
    expect(holdingAlert(tiered, [open('floods', 'siaga', 9), open('traffic', 'awas', 2)])).toEqual({ domain: 'traffic', level: 'awas' });
    expect(holdingAlert(tiered, [open('floods', 'siaga', 3), open('floods', 'awas', 1, true), open('floods', 'siaga', 4)])).toEqual({
      domain: 'floods',
      level: 'siaga',
    });
    // a domain without a scene holds where the wall is (as before)
    expect(holdingAlert(tiered, [open('projects', 'siaga', 1)])).toEqual({ domain: 'projects', level: 'siaga' });
    // and the jump goes to the scene that takes the level
    expect(stepPlaylist(tiered, initialPlaylist(tiered, 0), 1, { domain: 'traffic', level: 'awas' })).toMatchObject({ index: 2, hold: 'alert' });
  });

  it('resumes at a remembered scene after a reload', () => {
    expect(initialPlaylist(scenes, 0, 'traffic').index).toBe(2);
    expect(initialPlaylist(scenes, 0, 'gone').index).toBe(0);
  });
});

describe('truck trails', () => {
  const truck = (id: number, lon: number, t: number) => ({ id, entity: `T${id}`, region: null, lon, lat: -7, value: 1, t, stale: false });

  it('keeps the last few positions per truck, a new array only when a truck moved', () => {
    const b = new TrailBuffer({ maxPoints: 3 });
    for (let i = 0; i < 10; i++) b.update([truck(1, 110 + i / 100, i * 1000)], i * 1000);
    const first = b.trails();
    expect(first).toHaveLength(1);
    expect(first[0]!.path.map((p) => p[0])).toEqual([110.07, 110.08, 110.09]);
    expect(b.update([truck(1, 110.09, 10_000)], 10_000)).toBe(false);
    expect(b.trails()).toBe(first);
  });

  it('is bounded in trucks and drops trucks silent for too long', () => {
    const b = new TrailBuffer({ maxTrucks: 50, maxAgeMs: 60_000 });
    b.update(
      Array.from({ length: 200 }, (_, i) => truck(i, 110 + i / 1000, i)),
      1_000,
    );
    expect(b.size).toBe(50);
    expect(Math.min(...b.trails().map((t) => t.id))).toBe(150);
    b.update([], 200_000);
    expect(b.size).toBe(0);
  });
});

describe('located complaints', () => {
  const ev = (id: number, status = 'received', lon: number | null = 110.4): WireEvent => ({
    kind: 'complaint',
    id: `C${id}`,
    status,
    t: id,
    category: id % 2 ? 'sampah' : 'banjir',
    region: null,
    lon,
    lat: lon === null ? null : -7,
  });
  const kind = {
    code: 'complaint',
    domain: 'complaints',
    ownerOpd: 'X',
    class: 'terbatas',
    nameId: '',
    nameEn: '',
    statuses: ['received', 'resolved', 'rejected'],
    closedStatuses: ['resolved', 'rejected'],
  } as const;

  it('are kept only when asked for, bounded, newest kept, one array per change', () => {
    const off = new EventsStore();
    off.track('complaint');
    off.beginSync('complaint');
    off.applySnapshot({ serverTime: 0, kinds: [{ kind, seq: 1, open: [ev(1)], countsByStatus: {} }] });
    expect(off.get('complaint')!.located).toEqual([]);

    const s = new EventsStore({ maxLocatedEvents: 1_000 });
    s.track('complaint');
    s.beginSync('complaint');
    s.applySnapshot({ serverTime: 0, kinds: [{ kind, seq: 1, open: [ev(1), ev(2, 'received', null)], countsByStatus: {} }] });
    expect(s.get('complaint')!.located.map((e) => e.id)).toEqual(['C1']);
    const before = s.get('complaint')!.located;
    let seq = 1;
    for (let i = 0; i < 30; i++)
      s.applyDelta({ kind: 'complaint', seq: ++seq, events: Array.from({ length: 100 }, (_, j) => ev(1000 + i * 100 + j)) });
    const after = s.get('complaint')!.located;
    expect(after).not.toBe(before);
    expect(after).toHaveLength(1_000);
    expect(after.at(-1)!.id).toBe('C3999');
    // a closed complaint leaves the list (with or without a position in the closing change)
    s.applyDelta({ kind: 'complaint', seq: ++seq, events: [ev(3999, 'resolved'), ev(3998, 'rejected', null)] });
    expect(s.get('complaint')!.located).toHaveLength(998);
    expect(s.get('complaint')!.located.some((e) => e.id === 'C3999' || e.id === 'C3998')).toBe(false);
    expect(complaintPoints(s.get('complaint')!.located)).toHaveLength(998);
    expect(complaintsByCategory(s.get('complaint')!.located).reduce((a, c) => a + c.n, 0)).toBe(998);
    // closing one the list never held changes nothing, not even the array
    const held = s.get('complaint')!.located;
    s.applyDelta({ kind: 'complaint', seq: ++seq, events: [ev(7, 'resolved')] });
    expect(s.get('complaint')!.located).toBe(held);
    // a resync's snapshot (a few hundred open events at most) is merged, not a reset of the density map
    s.beginSync('complaint');
    s.applySnapshot({ serverTime: 0, kinds: [{ kind, seq: 100, open: [ev(5000)], countsByStatus: {} }] });
    expect(s.get('complaint')!.located).toHaveLength(999);
    expect(s.get('complaint')!.located.at(-1)!.id).toBe('C5000');
  });
});

describe('KPI trend', () => {
  it.each([
    [110, 100, 'up'],
    [90, 100, 'down'],
    [101, 100, 'flat'],
    [0, 0, 'flat'],
    [null, 100, null],
    [100, null, null],
  ] as const)('%s against %s is %s', (now, before, want) => expect(trendOf(now, before)).toBe(want));

  it('reads a series at a past time, or nothing before its buffer starts', () => {
    const s = { t: [10, 20, 30], v: [1, 2, 3] };
    expect([5, 10, 15, 20, 29, 30, 99].map((t) => valueAt(s, t))).toEqual([null, 1, 1, 2, 2, 3, 3]);
  });
});

describe('complaints by kecamatan', () => {
  it('counts open complaints under the kecamatan code of their kelurahan', () => {
    const e = (id: string, region: string | null): WireEvent => ({
      kind: 'complaint',
      id,
      status: 'received',
      t: 0,
      category: null,
      region,
      lon: 110,
      lat: -7,
    });
    expect(complaintsByKecamatan([e('a', '33.74.01.1001'), e('b', '33.74.01.1002'), e('c', '33.74.16.1003'), e('f', null)])).toEqual([
      { code: '33.74.01', n: 2 },
      { code: '33.74.16', n: 1 },
    ]);
  });
});
