/**
 * The wall's incident layer (issue 16): which incidents are drawn, in what order, which are ringed as late,
 * and the labels. Pure table tests of client/wall/incident-layer.ts.
 */
import { describe, expect, it } from 'vitest';
import type { WireIncident } from '../../shared/incidents';
import { incidentLabel, incidentLayers, incidentMarkers, MAX_INCIDENT_LABELS } from '../../client/wall/incident-layer';
import { buildWallLayers, describeLayers, type WallMapData } from '../../client/wall/layers';

const NOW = 1_800_000_000_000;
const inc = (over: Partial<WireIncident>): WireIncident => ({
  id: 1,
  sourceType: 'manual',
  sourceRef: null,
  title: 'Banjir',
  region: '3374010001',
  lon: 110.42,
  lat: -6.98,
  severity: 'siaga',
  handlingOpd: 'bpbd',
  supportingOpds: [],
  class: 'terbatas',
  status: 'baru',
  targetAt: NOW + 60_000,
  reporter: null,
  reporterShared: false,
  createdAt: NOW - 60_000,
  updatedAt: NOW - 60_000,
  acceptedAt: null,
  closedAt: null,
  mergedInto: null,
  escalationLevel: 1,
  version: 1,
  ...over,
});

describe('incidentMarkers', () => {
  it.each([
    ['an open incident with a position', inc({}), [{ id: 1, severity: 'siaga', late: false }]],
    ['one past its target is late', inc({ targetAt: NOW - 1 }), [{ id: 1, late: true }]],
    ['exactly at its target is not late yet', inc({ targetAt: NOW }), [{ id: 1, late: false }]],
    ['being worked on still shows', inc({ status: 'dikerjakan' }), [{ id: 1 }]],
    ['a resolved one is left off', inc({ status: 'selesai', closedAt: NOW }), []],
    ['a rejected one is left off', inc({ status: 'ditolak', closedAt: NOW }), []],
    ['a merged duplicate is left off', inc({ mergedInto: 7 }), []],
    ['one without a position is left off', inc({ lon: null, lat: null }), []],
    ['one with half a position is left off', inc({ lat: null }), []],
    ['an impossible latitude is left off', inc({ lat: 123 }), []],
    ['a non-finite longitude is left off', inc({ lon: Number.NaN }), []],
  ] as const)('%s', (_what, i, expected) => {
    const got = incidentMarkers([i], NOW);
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, k) => expect(got[k]).toMatchObject(e));
  });

  it('orders most severe first, then late, then nearest target, then id', () => {
    const got = incidentMarkers(
      [
        inc({ id: 1, severity: 'waspada' }),
        inc({ id: 2, severity: 'siaga', targetAt: NOW + 5_000 }),
        inc({ id: 3, severity: 'siaga', targetAt: NOW + 1_000 }),
        inc({ id: 4, severity: 'siaga', targetAt: NOW - 9_000 }),
        inc({ id: 5, severity: 'awas', targetAt: NOW + 99_000 }),
        inc({ id: 6, severity: 'siaga', targetAt: NOW + 1_000 }),
      ],
      NOW,
    );
    expect(got.map((m) => m.id)).toEqual([5, 4, 3, 6, 2, 1]);
  });

  it.each([
    [{ id: 12, title: 'Banjir Tlogosari', late: false }, '#12 Banjir Tlogosari'],
    [{ id: 3, title: 'Pohon tumbang', late: true }, '#3 Pohon tumbang · TERLAMBAT'],
  ])('labels %o as %s', (m, text) => {
    expect(incidentLabel({ severity: 'siaga', lon: 0, lat: 0, ...m }, 'TERLAMBAT')).toBe(text);
  });
});

describe('incident layers', () => {
  const markers = incidentMarkers(
    Array.from({ length: 14 }, (_, k) => inc({ id: k + 1, targetAt: k < 3 ? NOW - 1 : NOW + 1 })),
    NOW,
  );

  it('draws every open incident, rings only the late ones, labels at most MAX_INCIDENT_LABELS', () => {
    const layers = describeLayers(incidentLayers(markers, (m) => incidentLabel(m, 'LATE')));
    expect(layers.map((l) => [l.id, l.items])).toEqual([
      ['incident-late-rings', 3],
      ['incident-dots', 14],
      ['incident-labels', MAX_INCIDENT_LABELS],
    ]);
    expect(layers[2]!.texts![0]).toBe('#1 Banjir · LATE');
  });

  it('is drawn only on a map that asks for the `incidents` layer', () => {
    const data: WallMapData = {
      gates: [],
      rain: [],
      roads: [],
      segments: [],
      trucks: [],
      trails: [],
      containers: [],
      projects: [],
      complaints: [],
      incidents: markers,
    };
    const ids = (wanted: Parameters<typeof buildWallLayers>[1]) => buildWallLayers(data, wanted).map((l) => l.id);
    expect(ids(['incidents'])).toEqual(expect.arrayContaining(['incident-dots', 'incident-late-rings', 'incident-labels']));
    expect(ids(['traffic'])).not.toContain('incident-dots');
  });
});
