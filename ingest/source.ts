/**
 * The one small interface every agency source implements (one file per source under ingest/sources/).
 */
import type { EventInput, PointInput } from '../shared/schemas';

/** Records of one OPD: the worker delivers them with that OPD's ingest key. */
export interface Delivery {
  opd: string;
  points: PointInput[];
  events: EventInput[];
}

export interface Source {
  /** Stable name, used in logs and health reports. */
  readonly name: string;
  /** How often the worker calls poll(). */
  readonly intervalMs: number;
  /**
   * Returns the records that became available up to `now` (epoch ms) since the previous call.
   * Must not throw for a bad record: bad records are dropped (quarantine comes with the ingest issue).
   */
  poll(now: number): Promise<Delivery[]> | Delivery[];
  close?(): Promise<void> | void;
}
