/**
 * Ingest: validate a whole batch, authorise every record against the key's OPD, then write it in one
 * transaction (all or nothing) and hand what changed to the stream.
 */
import type pg from 'pg';
import type { SeriesMeta } from '../../shared/catalog';
import type { WirePoint } from '../../shared/contract';
import {
  eventSchema,
  eventsBatchSchema,
  ingestBatchSchema,
  pointSchema,
  MAX_FUTURE_MS,
  type EventRecord,
  type IssueDetail,
  type Point,
} from '../../shared/schemas';
import { appendAudit } from '../../db/queries/audit';
import { inTransaction } from '../../db/transaction';
import type { AlertService } from '../alerts/service';
import type { VerifiedKey } from '../../db/queries/credentials';
import { writeEventChanges, type EventChange } from '../../db/queries/events';
import { correctPoints, insertPoints, upsertSeries, type ResolvedPoint, type RevisedPoint, type SeriesKey } from '../../db/queries/points';
import { canWrite } from '../access/policy';
import { valueProblem } from '../../shared/catalog';
import type { CatalogService } from '../catalog/service';
import type { GeometryCache } from '../entities/geometry';
import type { Stream } from '../realtime/stream';
import { capIssues, parseBatch } from './validate';

/**
 * What became of a batch, in the domain's words; the route (routes.ts) words refusals and picks HTTP statuses.
 * Every refusal writes nothing of the batch.
 */
export type IngestResult =
  | {
      kind: 'accepted';
      accepted: number;
      written: number;
      /** Readings replaced by a correction (a higher `revision`). */
      corrected?: number;
      /** Corrections whose revision was not above the stored reading's: nothing written. */
      staleRevisions?: number;
    }
  | { kind: 'too_large'; field: 'points' | 'events'; items: number; max: number }
  | { kind: 'invalid'; details: IssueDetail[] }
  | { kind: 'forbidden'; opd: string; details: IssueDetail[] };

export interface IngestService {
  ingestPoints(key: VerifiedKey, body: unknown, now: number): Promise<IngestResult>;
  /** `source`: the client address, for the audit log of status changes. */
  ingestEvents(key: VerifiedKey, body: unknown, now: number, source?: string | null): Promise<IngestResult>;
}

/** A batch with more items than `max` is refused before it is parsed (413). Pure. */
export function batchTooLarge(body: unknown, field: 'points' | 'events', max: number): IngestResult | null {
  const items = (body as Record<string, unknown> | null)?.[field];
  return Array.isArray(items) && items.length > max ? { kind: 'too_large', field, items: items.length, max } : null;
}

/**
 * The checks of a parsed batch that need the catalog and the clock: unknown metrics, kinds and regions, values
 * out of their bounds and times too far ahead are invalid; records of metrics the key may not write are
 * forbidden. Invalid is reported first (nothing of the batch is written either way). Pure.
 */
export function checkRecords(
  records: readonly { metricOrKind: string; region?: string | undefined; time: number; value?: number }[],
  field: 'metric' | 'kind',
  key: VerifiedKey,
  now: number,
  catalog: Pick<CatalogService, 'metric' | 'eventKind' | 'hasRegion'>,
): IngestResult | null {
  const opd = key.opd;
  const scope = field === 'metric' ? 'points' : 'events';
  const invalid: IssueDetail[] = [];
  const forbidden: IssueDetail[] = [];
  records.forEach((r, index) => {
    const entry = field === 'metric' ? catalog.metric(r.metricOrKind) : catalog.eventKind(r.metricOrKind);
    if (!entry) invalid.push({ index, path: field, message: `unknown ${field} '${r.metricOrKind}'` });
    else {
      const decision = canWrite(opd, entry, key.scopes, scope);
      if (!decision.allow) forbidden.push({ index, path: field, message: decision.reason });
      const problem = r.value !== undefined && 'unit' in entry ? valueProblem(r.value, entry) : null;
      if (problem) invalid.push({ index, path: 'value', message: problem });
    }
    if (r.region !== undefined && !catalog.hasRegion(r.region)) {
      invalid.push({ index, path: 'region', message: `unknown region '${r.region}'` });
    }
    if (r.time > now + MAX_FUTURE_MS) {
      invalid.push({ index, path: 'time', message: `time is more than ${MAX_FUTURE_MS / 60_000} minutes in the future` });
    }
  });
  if (invalid.length) return { kind: 'invalid', details: capIssues(invalid) };
  if (forbidden.length) return { kind: 'forbidden', opd, details: capIssues(forbidden) };
  return null;
}

/** Corrections listed in one audit entry (all of them are in point_correction). */
export const AUDITED_CORRECTIONS = 100;

/**
 * Which of two readings of one (series, time) in a batch is written: the higher revision; the first among
 * equal revisions (a plain resend keeps the first value, in a batch as across batches). Pure; table-tested.
 */
export function keepsInBatch(had: { revision: number } | undefined, next: { revision: number }): boolean {
  return had === undefined || next.revision > had.revision;
}

export function createIngestService(deps: {
  pool: pg.Pool;
  catalog: CatalogService;
  stream: Stream;
  maxBatchItems: number;
  /** Evaluates thresholds on what was written (after commit). */
  alerts?: Pick<AlertService, 'onReadings'>;
  /** Told what was written, after commit (the bucket cache drops what these points change). */
  onPointsWritten?: (points: readonly ResolvedPoint[]) => void;
  /**
   * Registered entity lines: a new series' meta carries its line (from memory, no query), and the live readings
   * of an entity with a line travel without a position.
   */
  geometry?: Pick<GeometryCache, 'withPath' | 'pathOf'>;
}): IngestService {
  const { pool, catalog, stream } = deps;
  // Series never change identity, so their ids are cached per process; position/region changes re-upsert.
  const seriesCache = new Map<string, SeriesMeta>();
  const metaOfSeries = new Map<number, SeriesMeta>();
  const seriesKey = (metric: string, entity: string) => `${metric}\u0000${entity}`;

  /** Series ids for the batch; `fresh` holds upserted rows, to be cached only once the transaction commits. */
  async function resolveSeries(client: pg.PoolClient, points: readonly Point[]): Promise<{ ids: Map<string, number>; fresh: SeriesMeta[] }> {
    const wanted = new Map<string, SeriesKey>();
    for (const p of points) {
      const key = seriesKey(p.metric, p.entity);
      const cached = seriesCache.get(key);
      const region = p.region ?? null;
      const lon = p.lon ?? null;
      const lat = p.lat ?? null;
      const changed =
        !cached || (region !== null && region !== cached.region) || (lon !== null && lat !== null && (lon !== cached.lon || lat !== cached.lat));
      if (changed) wanted.set(key, { metric: p.metric, entity: p.entity, region, lon, lat });
    }
    const fresh = await upsertSeries(client, [...wanted.values()]);
    const ids = new Map<string, number>();
    for (const meta of fresh) ids.set(seriesKey(meta.metric, meta.entity), meta.id);
    for (const p of points) {
      const key = seriesKey(p.metric, p.entity);
      if (!ids.has(key)) ids.set(key, seriesCache.get(key)!.id);
    }
    return { ids, fresh };
  }

  function cacheSeries(fresh: readonly SeriesMeta[]): SeriesMeta[] {
    const created: SeriesMeta[] = [];
    for (const meta of fresh) {
      const key = seriesKey(meta.metric, meta.entity);
      if (!seriesCache.has(key)) created.push(meta);
      seriesCache.set(key, meta);
      metaOfSeries.set(meta.id, meta);
    }
    return created;
  }

  return {
    async ingestPoints(key, body, now) {
      const big = batchTooLarge(body, 'points', deps.maxBatchItems);
      if (big) return big;
      const parsed = await parseBatch(body, 'points', pointSchema, ingestBatchSchema);
      if (!parsed.ok) return { kind: 'invalid', details: parsed.details };
      const points = parsed.items;
      const rejected = checkRecords(
        points.map((p) => ({ metricOrKind: p.metric, region: p.region, time: p.time, value: p.value })),
        'metric',
        key,
        now,
        catalog,
      );
      if (rejected) return rejected;

      const actor = `key:${key.id}@${key.opd}`;
      const { written, fresh, corrected, stale } = await inTransaction(pool, async (client) => {
        const { ids, fresh } = await resolveSeries(client, points);
        // One reading per (series, time): the highest revision in the batch, the first among equals (pointRule).
        const unique = new Map<string, RevisedPoint>();
        for (const p of points) {
          const seriesId = ids.get(seriesKey(p.metric, p.entity))!;
          const k = `${seriesId}:${p.time}`;
          const next = { seriesId, t: p.time, v: p.value, lon: p.lon ?? null, lat: p.lat ?? null, revision: p.revision ?? 0 };
          if (keepsInBatch(unique.get(k), next)) unique.set(k, next);
        }
        const plain: ResolvedPoint[] = [];
        const revised: RevisedPoint[] = [];
        for (const p of unique.values()) {
          if (p.revision > 0) revised.push(p);
          else plain.push({ seriesId: p.seriesId, t: p.t, v: p.v, lon: p.lon, lat: p.lat });
        }
        const inserted = await insertPoints(client, plain);
        const c = await correctPoints(client, revised, actor);
        // every applied correction is on the audit record (the side table keeps each one; the entry lists the first ones)
        const changed = c.written.filter((p) => p.was !== undefined);
        if (changed.length > 0)
          await appendAudit(
            client,
            [
              {
                actor,
                action: 'points.corrected',
                target: `opd:${key.opd}`,
                detail: {
                  count: changed.length,
                  corrections: changed.slice(0, AUDITED_CORRECTIONS).map((p) => {
                    const meta = metaOfSeries.get(p.seriesId) ?? fresh.find((f) => f.id === p.seriesId);
                    return {
                      metric: meta?.metric,
                      entity: meta?.entity,
                      at: new Date(p.t).toISOString(),
                      was: p.was,
                      value: p.v,
                      revision: p.revision,
                    };
                  }),
                },
                source: null,
              },
            ],
            now,
          );
        return { written: [...inserted, ...c.written], fresh, corrected: changed.length, stale: c.stale };
      });

      if (written.length > 0) deps.onPointsWritten?.(written);
      publishPoints(written, cacheSeries(fresh));
      void deps.alerts?.onReadings(
        written.map((p) => {
          const meta = metaOfSeries.get(p.seriesId)!;
          return { seriesId: p.seriesId, metric: meta.metric, entity: meta.entity, t: p.t, v: p.v };
        }),
      );
      return {
        kind: 'accepted',
        accepted: points.length,
        written: written.length,
        ...(corrected > 0 ? { corrected } : {}),
        ...(stale > 0 ? { staleRevisions: stale } : {}),
      };
    },

    async ingestEvents(key, body, now, source = null) {
      const big = batchTooLarge(body, 'events', deps.maxBatchItems);
      if (big) return big;
      const parsed = await parseBatch(body, 'events', eventSchema, eventsBatchSchema);
      if (!parsed.ok) return { kind: 'invalid', details: parsed.details };
      const events = parsed.items;
      const rejected =
        checkRecords(
          events.map((e) => ({ metricOrKind: e.kind, region: e.region, time: e.time })),
          'kind',
          key,
          now,
          catalog,
        ) ?? checkStatuses(events);
      if (rejected) return rejected;
      const changes: EventChange[] = events.map((e) => ({
        kind: e.kind,
        id: e.id,
        status: e.status,
        t: e.time,
        closed: catalog.eventKind(e.kind)!.closedStatuses.includes(e.status),
        category: e.category ?? null,
        region: e.region ?? null,
        lon: e.lon ?? null,
        lat: e.lat ?? null,
        title: e.title ?? null,
      }));
      // Every status change is audited in the same transaction: the change and its record commit together.
      const changed = await inTransaction(pool, async (client) => {
        const { changed: written, recorded } = await writeEventChanges(
          client,
          changes,
          (kind, status) => catalog.eventKind(kind)?.statuses.indexOf(status) ?? -1,
        );
        await appendAudit(
          client,
          recorded
            .sort((a, b) => a.t - b.t)
            .map((e) => ({
              actor: `key:${key.id}@${key.opd}`,
              action: `${e.kind}.status_changed`,
              target: `${e.kind}:${e.id}`,
              detail: { status: e.status, at: new Date(e.t).toISOString() },
              source,
            })),
          now,
        );
        return written;
      });
      const byKind = new Map<string, typeof changed>();
      for (const e of changed) {
        const list = byKind.get(e.kind) ?? [];
        list.push(e);
        byKind.set(e.kind, list);
      }
      for (const [kind, list] of byKind) stream.publishEvents(kind, list);
      return { kind: 'accepted', accepted: events.length, written: changed.length };
    },
  };

  function checkStatuses(events: readonly EventRecord[]): IngestResult | null {
    const details: IssueDetail[] = [];
    events.forEach((e, index) => {
      const kind = catalog.eventKind(e.kind)!;
      if (!kind.statuses.includes(e.status)) {
        details.push({ index, path: 'status', message: `status '${e.status}' is not one of ${kind.statuses.join(', ')}` });
      }
    });
    return details.length ? { kind: 'invalid', details: capIssues(details) } : null;
  }

  function publishPoints(written: readonly ResolvedPoint[], created: readonly SeriesMeta[]) {
    const byMetric = new Map<string, WirePoint[]>();
    for (const p of written) {
      const meta = metaOfSeries.get(p.seriesId);
      if (!meta) continue;
      const metric = meta.metric;
      const wire: WirePoint = { s: p.seriesId, t: p.t, v: p.v };
      // a correction: the client replaces the reading (shared/contract.ts WirePoint.was)
      if ('was' in p && typeof p.was === 'number') wire.was = p.was;
      // An entity with a registered line (a road segment) is placed by its line: the reading's position is
      // stored with the series but left off the live wire, where it was half of every segment reading's bytes
      // (issue 18: the simulated city's traffic burst, 4.6 KB per citizen every 2 s, set the p99 at 5,000).
      // (the line is looked up only for a reading that has a position: most readings have none)
      if (p.lon !== null && p.lat !== null && deps.geometry?.pathOf(catalog.metric(metric)?.ownerOpd ?? '', meta.entity) === undefined) {
        wire.lon = p.lon;
        wire.lat = p.lat;
      }
      let list = byMetric.get(metric);
      if (!list) byMetric.set(metric, (list = []));
      list.push(wire);
    }
    const createdByMetric = new Map<string, SeriesMeta[]>();
    for (const s of created) {
      const meta = deps.geometry ? deps.geometry.withPath(s, catalog.metric(s.metric)?.ownerOpd) : s;
      createdByMetric.set(s.metric, [...(createdByMetric.get(s.metric) ?? []), meta]);
    }
    for (const metric of new Set([...byMetric.keys(), ...createdByMetric.keys()])) {
      stream.publishPoints(metric, byMetric.get(metric) ?? [], createdByMetric.get(metric) ?? []);
    }
  }
}
