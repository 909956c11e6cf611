/**
 * What ingest hands live data to: the points and event changes of a committed batch. server/app.ts makes one
 * from the channels (points and events channels, numbered and coalesced by the hub); ingest never sees a socket.
 */
import type { SeriesMeta } from '../../shared/catalog';
import type { WireEvent, WirePoint } from '../../shared/contract';

export interface Stream {
  publishPoints(metric: string, points: readonly WirePoint[], newSeries: readonly SeriesMeta[]): void;
  publishEvents(kind: string, events: readonly WireEvent[]): void;
}
