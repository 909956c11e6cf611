/**
 * Everything the wall's panels show, derived from the live stores. Each domain is re-derived only when one of
 * its metrics moved (its sequence number or status changed) or, for rows judged stale against the clock,
 * every few seconds — so a map layer gets a new data array only when its own data changed.
 */
import { useMemo, useRef } from 'react';
import type { LiveConnection } from '../lib/live-connection';
import { hasPosition } from '../features/common';
import { gateRows, rainRows } from '../features/floods/derive';
import { segmentRows, segmentsForMap } from '../features/traffic/derive';
import { containerRows, truckRows } from '../features/sanitation/derive';
import { TrailBuffer } from '../features/sanitation/trails';
import { projectRows } from '../features/projects/derive';
import { complaintPoints, complaintsByCategory, complaintsByKecamatan, complaintsFromAggregate } from '../features/complaints/derive';
import type { EventAggregate } from '@shared/replay';
import { conflictMap, type ConflictRecord } from '../features/projects/conflicts';
import { useThrottledVersion } from '../lib/react/hooks';
import type { WallMapData } from './layers';
import { alertMarkers } from './alert-layer';

/** How often rows whose staleness depends on the clock are re-judged. */
const STALE_TICK_MS = 5_000;

/**
 * Where the wall's data comes from: the live connection, or a rewind frame's stores (replay-api.ts), whose
 * complaints come counted (`aggregates`, by kind) instead of as events.
 */
export type WallSources = Pick<LiveConnection, 'store' | 'events'> & { aggregates?: ReadonlyMap<string, EventAggregate> };

/** `conflicts`: the dig-once conflict records (useConflicts), drawn as they stood at the store's moment. */
export function useWallData(conn: WallSources, conflictList: readonly ConflictRecord[] | null = null) {
  const { store, events } = conn;
  const version = useThrottledVersion(store, store.options.renderThrottleMs);
  // 100,000 complaints re-aggregated at most every 2 s
  const eventsVersion = useThrottledVersion(events, 2_000);
  const trails = useRef(new TrailBuffer());
  const at = store.now();
  const tick = Math.floor(at / STALE_TICK_MS);
  const key = (...codes: string[]) =>
    codes
      .map((c) => {
        const m = store.get(c);
        return m ? `${m.status}:${m.seq}:${m.series.size}` : '-';
      })
      .join('|');
  void version;

  const floodsKey = key('water_level', 'rainfall');
  const floods = useMemo(() => {
    const gates = gateRows(store.get('water_level'), store.now());
    const rain = rainRows(store.get('rainfall'));
    return { gates, rain, gatesOnMap: gates.filter(hasPosition), rainOnMap: rain.filter(hasPosition) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [floodsKey, tick, store]);

  const trafficKey = key('traffic_speed', 'congestion_index', 'traffic_intensity');
  const traffic = useMemo(() => {
    const segments = segmentRows(store.get('traffic_speed'), store.get('congestion_index'), store.get('traffic_intensity'));
    const { lines, points } = segmentsForMap(segments);
    return { segments, lines, onMap: points };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [trafficKey, store]);

  const trucksKey = key('truck_load');
  const trucks = useMemo(() => {
    const now = store.now();
    const rows = truckRows(store.get('truck_load'), now);
    const onMap = rows.filter(hasPosition);
    trails.current.update(onMap, now);
    return { rows, onMap, trails: trails.current.trails() };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [trucksKey, tick, store]);

  const containersKey = key('container_fill');
  const containers = useMemo(() => {
    const rows = containerRows(store.get('container_fill'));
    return { rows, onMap: rows.filter(hasPosition) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [containersKey, store]);

  const projectsKey = key('project_progress', 'project_progress_plan', 'project_budget_absorbed');
  const projects = useMemo(() => {
    const rows = projectRows(store.get('project_progress'), store.get('project_progress_plan'), store.get('project_budget_absorbed'));
    return { rows, onMap: rows.filter(hasPosition) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [projectsKey, store]);

  // read at most every 2 s (eventsVersion), and a new points array only when the located list changed
  const complaintsCache = useRef<{
    located: readonly unknown[] | null;
    value: {
      points: ReturnType<typeof complaintPoints>;
      byCategory: ReturnType<typeof complaintsByCategory>;
      byKecamatan: ReturnType<typeof complaintsByKecamatan>;
    };
  }>({
    located: null,
    value: { points: [], byCategory: [], byKecamatan: [] },
  });
  const counted = conn.aggregates?.get('complaint');
  const complaints = useMemo(() => {
    if (counted) return complaintsFromAggregate(counted, store.now());
    const located = events.get('complaint')?.located ?? [];
    const c = complaintsCache.current;
    if (c.located !== located) {
      c.located = located;
      c.value = { points: complaintPoints(located), byCategory: complaintsByCategory(located), byKecamatan: complaintsByKecamatan(located) };
    }
    return c.value;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the store mutates in place; its version says when
  }, [eventsVersion, events, counted]);

  // a rewind frame's clock stands still: the conflicts known then with the status they had then
  const conflicts = useMemo(() => conflictMap(conflictList ?? [], store.now()), [conflictList, store, tick]); // eslint-disable-line react-hooks/exhaustive-deps -- tick: re-judged as the clock moves

  // Siaga/Awas entities of every domain, marked on every map scene
  const alerts = useMemo(
    () => alertMarkers({ water_level: floods.gates, rainfall: floods.rain, congestion_index: traffic.segments, container_fill: containers.rows }),
    [floods, traffic, containers],
  );
  const mapData: WallMapData = useMemo(
    () => ({
      gates: floods.gatesOnMap,
      rain: floods.rainOnMap,
      roads: traffic.lines,
      segments: traffic.onMap,
      trucks: trucks.onMap,
      trails: trucks.trails,
      containers: containers.onMap,
      projects: projects.onMap,
      complaints: complaints.points,
      hexAnchor: counted?.anchor,
      conflicts,
      alerts,
    }),
    [floods, traffic, trucks, containers, projects, complaints, counted, conflicts, alerts],
  );

  return { floods, traffic, trucks, containers, projects, complaints, conflicts, mapData, version };
}

export type WallData = ReturnType<typeof useWallData>;
