/**
 * The incidents a surface shows, kept from one snapshot (GET /api/v1/incidents, with the seq of the caller's
 * room) and the `incidents:changed` deltas after it. Rules, tested in tests/unit/incidents-store.test.ts:
 *  [I1] a delta with seq <= the store's is ignored (already in the snapshot or seen);
 *  [I2] a delta with seq > store + 1 is a gap: the store asks for a resync and applies nothing;
 *  [I3] an incident replaces the held one only with a higher or equal version (a late copy never rolls back);
 *  [I4] `removed` drops the incident (reassigned away); watch alerts replace by id; escalation steps are kept
 *       newest first, at most MAX_STEPS; closed incidents and cleared watch alerts older than a day are dropped,
 *       and at most MAX_WATCH watch alerts are held (cleared, then oldest, go first): bounded.
 */
import type { IncidentsChanged, WireEscalation, WireIncident, WireWatchAlert } from '@shared/incidents';

export const MAX_STEPS = 50;
/** Watch alerts held at most (the open ones first; cleared ones go after a day). */
export const MAX_WATCH = 1000;
const DAY = 86_400_000;

export interface IncidentsSnapshot {
  incidents: readonly WireIncident[];
  watch: readonly WireWatchAlert[];
  room: string | null;
  seq: number;
  serverTime: number;
}

export type DeltaOutcome = 'applied' | 'stale' | 'gap';

export class IncidentsStore {
  readonly incidents = new Map<number, WireIncident>();
  readonly watch = new Map<number, WireWatchAlert>();
  steps: WireEscalation[] = [];
  seq = 0;
  room: string | null = null;
  loaded = false;
  version = 0;
  private listeners = new Set<() => void>();

  subscribe(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed() {
    this.version++;
    for (const l of this.listeners) l();
  }

  /** Replaces everything with a snapshot. */
  reset(s: IncidentsSnapshot): void {
    this.incidents.clear();
    this.watch.clear();
    for (const i of s.incidents) this.incidents.set(i.id, i);
    for (const w of s.watch) this.watch.set(w.id, w);
    this.seq = s.seq;
    this.room = s.room;
    this.loaded = true;
    this.changed();
  }

  /** Merges one incident the caller got as an answer (create, action). [I3] */
  upsert(i: WireIncident): void {
    const held = this.incidents.get(i.id);
    if (held && held.version > i.version) return;
    this.incidents.set(i.id, i);
    this.changed();
  }

  apply(d: IncidentsChanged, now: number): DeltaOutcome {
    if (!this.loaded || (this.room !== null && d.room !== this.room)) return 'stale';
    if (d.seq <= this.seq) return 'stale'; // [I1]
    if (d.seq > this.seq + 1) return 'gap'; // [I2]
    this.seq = d.seq;
    for (const i of d.incidents) {
      const held = this.incidents.get(i.id);
      if (!held || held.version <= i.version) this.incidents.set(i.id, i); // [I3]
    }
    for (const id of d.removed) this.incidents.delete(id); // [I4]
    for (const w of d.watch) this.watch.set(w.id, w);
    if (d.escalations.length) this.steps = [...d.escalations].reverse().concat(this.steps).slice(0, MAX_STEPS);
    for (const [id, i] of this.incidents) if (i.closedAt !== null && now - i.closedAt > DAY) this.incidents.delete(id);
    for (const [id, w] of this.watch) if (w.clearedAt !== null && now - w.clearedAt > DAY) this.watch.delete(id);
    if (this.watch.size > MAX_WATCH) {
      const drop = [...this.watch.values()].sort((a, b) => Number(a.clearedAt === null) - Number(b.clearedAt === null) || a.openedAt - b.openedAt);
      for (const w of drop.slice(0, this.watch.size - MAX_WATCH)) this.watch.delete(w.id);
    }
    this.changed();
    return 'applied';
  }

  /** Open incidents, most severe first, then the oldest target first. */
  open(): WireIncident[] {
    const rank = { awas: 0, siaga: 1, waspada: 2 } as const;
    return [...this.incidents.values()]
      .filter((i) => i.closedAt === null)
      .sort((a, b) => rank[a.severity] - rank[b.severity] || a.targetAt - b.targetAt);
  }

  /** The open incident made of a source ('alert:12'), if any. */
  ofSource(ref: string): WireIncident | undefined {
    for (const i of this.incidents.values()) if (i.sourceRef === ref && i.closedAt === null) return i;
    return undefined;
  }
}
