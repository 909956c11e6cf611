/**
 * Short trails behind moving trucks: each truck's last few positions, bounded per truck and in number of
 * trucks, for a PathLayer. Fed with the trucks' latest rows on every (throttled) derivation; a position is
 * appended only when it moved, so a parked truck keeps a short trail instead of a long dot.
 */
import type { Positioned } from '../common';
import type { TruckRow } from './derive';

export interface Trail {
  id: number;
  entity: string;
  path: [number, number][];
  stale: boolean;
}

export interface TrailOptions {
  /** Positions kept per truck. */
  maxPoints: number;
  /** Trucks kept; the ones silent the longest go first. */
  maxTrucks: number;
  /** A truck silent for longer than this is dropped (relative to `now`). */
  maxAgeMs: number;
}

export const DEFAULT_TRAIL_OPTIONS: TrailOptions = { maxPoints: 12, maxTrucks: 2_000, maxAgeMs: 30 * 60_000 };

interface Entry {
  id: number;
  entity: string;
  path: [number, number][];
  lastT: number;
  stale: boolean;
}

export class TrailBuffer {
  private readonly byId = new Map<number, Entry>();
  private readonly options: TrailOptions;
  private cached: Trail[] = [];
  private dirty = true;

  constructor(options: Partial<TrailOptions> = {}) {
    this.options = { ...DEFAULT_TRAIL_OPTIONS, ...options };
  }

  get size(): number {
    return this.byId.size;
  }

  /** Records the trucks' latest positions; returns whether anything changed. */
  update(rows: readonly Positioned<TruckRow>[], now: number): boolean {
    let changed = false;
    for (const r of rows) {
      let e = this.byId.get(r.id);
      if (!e) {
        e = { id: r.id, entity: r.entity, path: [], lastT: r.t, stale: r.stale };
        this.byId.set(r.id, e);
      }
      const last = e.path[e.path.length - 1];
      if (!last || last[0] !== r.lon || last[1] !== r.lat) {
        // a new array: the layer compares paths by reference
        e.path = [...e.path.slice(Math.max(0, e.path.length - this.options.maxPoints + 1)), [r.lon, r.lat]];
        changed = true;
      }
      if (e.stale !== r.stale) changed = true;
      e.lastT = Math.max(e.lastT, r.t);
      e.stale = r.stale;
    }
    for (const [id, e] of this.byId) {
      if (now - e.lastT > this.options.maxAgeMs) {
        this.byId.delete(id);
        changed = true;
      }
    }
    if (this.byId.size > this.options.maxTrucks) {
      const oldest = [...this.byId.values()].sort((a, b) => a.lastT - b.lastT).slice(0, this.byId.size - this.options.maxTrucks);
      for (const e of oldest) this.byId.delete(e.id);
      changed = true;
    }
    if (changed) this.dirty = true;
    return changed;
  }

  /** The trails (the same array until something changed). */
  trails(): Trail[] {
    if (this.dirty) {
      this.cached = [...this.byId.values()].map((e) => ({ id: e.id, entity: e.entity, path: e.path, stale: e.stale }));
      this.dirty = false;
    }
    return this.cached;
  }
}
