/** What the lazily loaded public map takes (apart from the map module itself, so the page need not load it). */
import type { LiveStore } from '../lib/live-store';
import type { RegionsResponse } from '../lib/api/regions';
import type { ProjectFilter } from './projects';
import type { RegisteredProject } from './projects-api';
import type { NoticesStore } from '../features/notices/store';

/** A project the map should centre on; `n` changes on every request so the same project can be asked twice. */
export interface MapFocus {
  entity: string;
  /** The registry's name, when known. */
  name?: string | null;
  lon: number;
  lat: number;
  n: number;
}

/** What the map draws. */
export interface PublicMapProps {
  store: LiveStore;
  regions: RegionsResponse;
  registry: readonly RegisteredProject[];
  filter: ProjectFilter;
  focus: MapFocus | null;
  /** Public notices in force (issue 21), drawn as areas and points. */
  notices?: NoticesStore;
}
