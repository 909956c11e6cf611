/**
 * The open-data service: dataset metadata and tables from snapshots (server/public/cache.ts), so each is
 * computed at most once per cache period however many people (or harvesters) download it, and each
 * serialisation (CSV, JSON) is made and hashed once per snapshot.
 *
 * Sources: the catalog (publik metrics, OPD, city) through db/queries/opendata.ts; latest readings and
 * complaint counts from the public view's own snapshots (server/public/sources.ts — the same ones the public
 * API answers from, so both publish the same k-anonymous numbers from one query); hourly history
 * per metric from the points (db/queries/opendata.ts), complete hours only, so it is cached for a minute.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { hourlyRows, openDataCatalog, type HourlyRow, type OpenDataCatalog } from '../../db/queries/opendata';
import { createSnapshotCache, render, renderBody, type Rendered, type Snapshot, type SnapshotCache } from '../public/cache';
import type { PublicSources } from '../public/sources';
import { licenseOf, type License, type LicenseConfig } from './license';
import {
  buildDatasets,
  complaintTable,
  dictionary,
  hourlyTable,
  hourStart,
  HOURLY_WINDOW_MS,
  isoDuration,
  isoWib,
  isPeriod,
  latestTable,
  orderRow,
  complaintHandlingTable,
  projectTable,
  toCsv,
  type DatasetDef,
  type Row,
  type ViewDef,
} from './datasets';

export interface OpenDataDeps {
  db: Pick<pg.Pool, 'query'>;
  clock: () => number;
  /** The public view's snapshots (and its k and cache period). */
  sources: PublicSources;
  /** Licences of the datasets (config OPEN_DATA_LICENSE / OPEN_DATA_LICENSES); absent: CC-BY-4.0 for all. */
  license?: LicenseConfig | undefined;
}

/** Hourly history changes once an hour (complete hours only); a minute is fresh enough and cheap. */
export const HOURLY_MIN_CACHE_MS = 60_000;

/** One view of one dataset, from one snapshot. */
export interface Table {
  dataset: DatasetDef;
  view: ViewDef;
  rows: Row[];
  /** When the snapshot was taken, epoch ms. */
  updatedAt: number;
  maxAgeS: number;
  csv(): Rendered;
  json(): Rendered;
}

export interface Catalog {
  datasets: DatasetDef[];
  byId: Map<string, DatasetDef>;
  catalog: OpenDataCatalog;
  at: number;
  /** Newest data time per dataset (epoch ms), or the snapshot time for live aggregates; null without data. */
  modified: Map<string, number | null>;
  /** The licence of a dataset (config). */
  licenseOf(datasetId: string): License;
}

export interface OpenDataService {
  k: number;
  /** The licence of a dataset. */
  licenseOf(datasetId: string): License;
  maxAgeS: number;
  catalog(): Promise<Catalog>;
  /** A rendered metadata answer (list or one dataset), cached per snapshot. */
  rendered(key: string, derive: (c: Catalog) => unknown): Promise<Rendered>;
  table(dataset: DatasetDef, view: ViewDef): Promise<Table>;
}

/** What every snapshot can do, whatever it holds. */
type AnySnapshot = Pick<Snapshot<unknown>, 'at'> & { memo<U>(key: string, derive: () => U): U };

export function createOpenData(deps: OpenDataDeps): OpenDataService {
  const { db, clock, sources } = deps;
  const { k, cacheMs, maxAgeS, metrics, complaints } = sources;
  const hourlyMs = Math.max(cacheMs, HOURLY_MIN_CACHE_MS);
  const onStale = (what: string) => sources.onStale(`open data ${what}`);

  const meta = createSnapshotCache({ ttlMs: cacheMs, clock, load: () => openDataCatalog(db), onStale: onStale('catalog') });
  const hourly = new Map<string, SnapshotCache<HourlyRow[]>>();
  const hourlyOf = (metric: string) => {
    let c = hourly.get(metric);
    if (!c) {
      c = createSnapshotCache({
        ttlMs: hourlyMs,
        clock,
        load: (now) => {
          const to = hourStart(now);
          return hourlyRows(db, metric, to - HOURLY_WINDOW_MS, to);
        },
        onStale: onStale(`hourly ${metric}`),
      });
      hourly.set(metric, c);
    }
    return c;
  };

  /** The catalog, and the metrics snapshot it was made with (answers derived from it are cached there). */
  const current = async (): Promise<{ c: Catalog; snap: AnySnapshot }> => {
    const [m, latest] = await Promise.all([meta.get(), metrics.get()]);
    const c = latest.memo(`catalog:${m.at}`, (): Catalog => {
      const datasets = m.memo('datasets', (c) => buildDatasets(c, { k, cacheMs }));
      const newest = new Map<string, number>();
      for (const r of latest.value) if (r.t !== null) newest.set(r.metric, Math.max(newest.get(r.metric) ?? r.t, r.t));
      const modified = new Map<string, number | null>();
      for (const d of datasets) {
        const codes = d.source.kind === 'metric' ? [d.source.metric.code] : d.source.kind === 'projects' ? d.source.metrics.map((x) => x.code) : [];
        const times = codes.map((c) => newest.get(c)).filter((t): t is number => t !== undefined);
        modified.set(
          d.id,
          d.source.kind === 'complaints' || d.source.kind === 'complaint-handling' ? latest.at : times.length ? Math.max(...times) : null,
        );
      }
      return {
        datasets,
        byId: new Map(datasets.map((d) => [d.id, d])),
        catalog: m.value,
        at: m.at,
        modified,
        licenseOf: (id: string) => licenseOf(deps.license, id),
      };
    });
    return { c, snap: latest };
  };

  const versions = new WeakMap<DatasetDef, string>();
  const versionOf = (d: DatasetDef) => {
    let v = versions.get(d);
    if (!v) versions.set(d, (v = createHash('sha256').update(JSON.stringify(d)).digest('base64url').slice(0, 16)));
    return v;
  };
  const tableFrom = (snap: AnySnapshot, dataset: DatasetDef, view: ViewDef, rows: () => Row[], version: string): Table => {
    // keyed by the definition's content, not by the catalog snapshot: an unchanged catalog reloaded every few
    // seconds must not make a long-lived (hourly) snapshot build and keep the same table again and again
    const key = `${dataset.id}:${view.id}:${version}`;
    const data = snap.memo(`rows:${key}`, () => rows().map((r) => orderRow(view.fields, r)));
    const ttl = view.id === 'hourly' ? hourlyMs : cacheMs;
    return {
      dataset,
      view,
      rows: data,
      updatedAt: snap.at,
      maxAgeS: Math.max(0, Math.floor(ttl / 1000)),
      csv: () => snap.memo(`csv:${key}`, () => renderBody(toCsv(view.fields, data))),
      json: () =>
        snap.memo(`json:${key}`, () =>
          render({
            dataset: dataset.id,
            resource: `${dataset.id}.${view.id}`,
            view: view.id,
            updatedAt: isoWib(snap.at),
            classification: dataset.classification,
            ownerOpd: dataset.owner.code,
            updateCadence: isoDuration(view.cadenceS),
            fields: dictionary(dataset, view).map(({ field, type, unit }) => ({ field, type, unit })),
            data,
          }),
        ),
    };
  };

  return {
    k,
    maxAgeS,
    licenseOf: (id) => licenseOf(deps.license, id),
    catalog: async () => (await current()).c,
    async rendered(key, derive) {
      const { c, snap } = await current();
      return snap.memo(`rendered:${key}:${c.at}`, () => render(derive(c)));
    },
    async table(dataset, view) {
      const version = versionOf(dataset);
      const src = dataset.source;
      if (src.kind === 'complaints') {
        if (!isPeriod(view.id)) throw new Error(`complaint views are periods, not ${view.id}`);
        const period = view.id;
        const snap = await complaints.get();
        return tableFrom(snap, dataset, view, () => complaintTable(sources.summary(snap, period), src.k), version);
      }
      if (src.kind === 'complaint-handling') {
        if (!isPeriod(view.id)) throw new Error(`complaint views are periods, not ${view.id}`);
        const period = view.id;
        const snap = await complaints.get();
        return tableFrom(snap, dataset, view, () => complaintHandlingTable(sources.performance(snap, period)), version);
      }
      if (src.kind === 'projects') {
        const [snap, registry] = await Promise.all([metrics.get(), sources.projects.get()]);
        // the registry has its own snapshot: its time is part of the key
        return tableFrom(snap, dataset, view, () => projectTable(src.metrics, snap.value, registry.value), `${version}:${registry.at}`);
      }
      if (view.id === 'hourly') {
        const snap = await hourlyOf(src.metric.code).get();
        return tableFrom(snap, dataset, view, () => hourlyTable(src.metric, snap.value), version);
      }
      const snap = await metrics.get();
      return tableFrom(snap, dataset, view, () => latestTable(src.metric, snap.value), version);
    },
  };
}
