/**
 * The wall's rewind on the client: GET /api/v1/replay for one scene at one moment, fed into fresh stores whose
 * clock stands at that moment, so the same derivations, panels and layers draw the past exactly as they draw the
 * present (ages and staleness are judged against the moment, not against now). Live stores are never touched.
 */
import type { EventAggregate, ReplayFrame } from '@shared/replay';
import { replayResponse } from '@shared/rest';
import { getJson } from '../lib/api/http';
import { LiveStore } from '../lib/live-store';
import { EventsStore } from '../lib/events-store';
import { AlertsStore } from '../lib/alerts';
import type { LiveOptions } from '../lib/live-options';

export async function fetchReplay(token: string, scene: string, at: number, signal?: AbortSignal): Promise<ReplayFrame> {
  const q = new URLSearchParams({ scene, at: String(Math.round(at)) });
  return (await getJson(`/api/v1/replay?${q}`, replayResponse, { authorization: `Bearer ${token}` }, signal)) as ReplayFrame;
}

/** The stores a frame draws from (what SceneView reads of a live connection, plus the alerts). */
export interface FrameSources {
  at: number;
  scene: string;
  store: LiveStore;
  events: EventsStore;
  alerts: AlertsStore;
  /** The frame's open events, counted per kind (the events store holds only their counts by status). */
  aggregates: ReadonlyMap<string, EventAggregate>;
}

export function frameSources(frame: ReplayFrame, options: LiveOptions): FrameSources {
  const clock = () => frame.at;
  const store = new LiveStore(options, clock);
  for (const m of frame.metrics) store.applySnapshot({ ...m, seq: 0 });
  const events = new EventsStore(options);
  events.applySnapshot({ serverTime: frame.at, kinds: frame.events });
  const alerts = new AlertsStore(200, clock);
  alerts.setAccess('allowed');
  alerts.replace(frame.alerts);
  return { at: frame.at, scene: frame.scene, store, events, alerts, aggregates: new Map(frame.aggregates.map((a) => [a.kind, a])) };
}
