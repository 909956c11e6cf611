/**
 * GET /api/public/v1/warnings: current public flood warnings (Waspada / Siaga / Awas) by area, and the water
 * level at every public gauge.
 *
 * Derived from the latest reading of each publik series of a warning metric (water level) against that
 * metric's catalog thresholds (`alertLevel`), grouped by kecamatan and kelurahan with names from the region
 * table. A reading older than the freshness window raises no warning (the gauge is listed as not current):
 * a gauge that went quiet at Siaga must not keep a kelurahan at Siaga forever, and must not read as Normal
 * either. Served like the other public endpoints: one query per snapshot (cache.ts), ETag, short max-age.
 */
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { alertLevel, ALERT_LEVELS, type AlertLevel, type DataClass, type Thresholds } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import { canRead } from '../access/policy';
import type { Rendered, SnapshotCache } from './cache';
import { answer } from '../http/reply';

/** Metrics whose thresholds are public warnings. */
export const WARNING_METRICS: readonly string[] = ['water_level'];

/** Readings older than this (or than 3 expected readings, whichever is longer) raise no current warning. */
export const WARNING_MAX_AGE_MS = 30 * 60_000;

export const WARNINGS_QUERY_TAG = '/* public:warnings */';

/** One series of a warning metric with its latest reading and its region's names. */
export interface WarningRow {
  metric: string;
  class: string;
  unit: string;
  nameId: string;
  nameEn: string;
  cadenceS: number;
  thresholds: unknown;
  entity: string;
  region: string | null;
  regionName: string | null;
  /** `kelurahan`, `desa`, `kecamatan`, `kota`, …; null when the region is unknown. */
  regionLevel: string | null;
  parent: string | null;
  parentName: string | null;
  lon: number | null;
  lat: number | null;
  /** Epoch ms of the latest reading; null when the series has none. */
  t: number | null;
  v: number | null;
}

export interface WarningGauge {
  metric: string;
  entity: string;
  lon: number | null;
  lat: number | null;
  value: number | null;
  t: number | null;
  /** Age of the reading at `updatedAt`, ms. */
  ageMs: number | null;
  /** Level of the latest reading; null when there is none. */
  level: AlertLevel | null;
  /** Whether the reading is recent enough to raise a warning. */
  current: boolean;
  /** Missed a few expected readings (the page says "late"); a current reading may be late. */
  late: boolean;
}

export interface WarningKelurahan {
  code: string | null;
  name: string | null;
  /** Highest level of its current readings; null when it has none. */
  level: AlertLevel | null;
  /** Newest reading, epoch ms. */
  t: number | null;
  gauges: WarningGauge[];
}

export interface WarningArea {
  /** Kecamatan code; null for gauges outside any known kecamatan. */
  code: string | null;
  name: string | null;
  level: AlertLevel | null;
  t: number | null;
  kelurahan: WarningKelurahan[];
}

export interface PublicWarnings {
  /** Server time of the snapshot, epoch ms. */
  updatedAt: number;
  maxAgeMs: number;
  /** Highest current level anywhere; null when no gauge has a current reading. */
  level: AlertLevel | null;
  /** Newest reading over all gauges, epoch ms. */
  t: number | null;
  /** Kecamatan with a current reading at Waspada or above, worst first. */
  warnings: { code: string | null; name: string | null; level: Exclude<AlertLevel, 'normal'>; t: number | null }[];
  metrics: { code: string; unit: string; nameId: string; nameEn: string; cadenceS: number; thresholds: Thresholds }[];
  /** Every kecamatan with a gauge, worst first. */
  areas: WarningArea[];
}

const PUBLIC: Principal = { role: 'public' };
const rank = (l: AlertLevel | null) => (l === null ? -1 : ALERT_LEVELS.indexOf(l));
const worse = (a: AlertLevel | null, b: AlertLevel | null) => (rank(b) > rank(a) ? b : a);
const newer = (a: number | null, b: number | null) => (b !== null && (a === null || b > a) ? b : a);
const byName = (a: { name: string | null; code: string | null }, b: { name: string | null; code: string | null }) =>
  (a.name ?? a.code ?? '\uffff').localeCompare(b.name ?? b.code ?? '\uffff');
const worstFirst = <T extends { level: AlertLevel | null; name: string | null; code: string | null }>(a: T, b: T) =>
  rank(b.level) - rank(a.level) || byName(a, b);

function thresholdsOf(x: unknown): Thresholds | null {
  if (typeof x !== 'object' || x === null) return null;
  const t = x as Record<string, unknown>;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  return ok(t.waspada) && ok(t.siaga) && ok(t.awas) ? { waspada: t.waspada, siaga: t.siaga, awas: t.awas } : null;
}

/** Where a series sits: its kelurahan (if its region is one) and its kecamatan. */
function placeOf(r: WarningRow): { kel: { code: string | null; name: string | null }; kec: { code: string | null; name: string | null } } {
  const none = { code: null, name: null };
  if (r.region === null) return { kel: none, kec: none };
  if (r.regionLevel === 'kelurahan' || r.regionLevel === 'desa') {
    // The kecamatan of a kelurahan code is its first three parts, should the region table lack the parent.
    const parent = r.parent ?? (/^\d{2}\.\d{2}\.\d{2}\.\d{4}$/.test(r.region) ? r.region.slice(0, 8) : null);
    return { kel: { code: r.region, name: r.regionName }, kec: { code: parent, name: r.parentName } };
  }
  if (r.regionLevel === 'kecamatan') return { kel: none, kec: { code: r.region, name: r.regionName } };
  return { kel: none, kec: none };
}

/**
 * Pure: the public warnings at `now`. Rows of non-publik metrics, of metrics other than `metrics`, or of
 * metrics without thresholds are dropped here too (the query already selects publik warning metrics only).
 */
export function publicWarnings(
  rows: readonly WarningRow[],
  now: number,
  opts: { maxAgeMs?: number; metrics?: readonly string[] } = {},
): PublicWarnings {
  const maxAgeMs = opts.maxAgeMs ?? WARNING_MAX_AGE_MS;
  const wanted = new Set(opts.metrics ?? WARNING_METRICS);
  const metrics = new Map<string, PublicWarnings['metrics'][number]>();
  const areas = new Map<string, WarningArea>();
  let level: AlertLevel | null = null;
  let newest: number | null = null;

  for (const r of rows) {
    if (!wanted.has(r.metric)) continue;
    if (!canRead(PUBLIC, { code: r.metric, ownerOpd: '', class: r.class as DataClass }, { agreements: [], now }).allow) continue;
    const th = thresholdsOf(r.thresholds);
    if (!th) continue;
    if (!metrics.has(r.metric)) {
      metrics.set(r.metric, { code: r.metric, unit: r.unit, nameId: r.nameId, nameEn: r.nameEn, cadenceS: r.cadenceS, thresholds: th });
    }
    const has = r.t !== null && r.v !== null && Number.isFinite(r.v);
    const ageMs = has ? Math.max(0, now - r.t!) : null;
    const cadenceMs = Math.max(1, r.cadenceS) * 1000;
    const current = ageMs !== null && ageMs <= Math.max(maxAgeMs, 3 * cadenceMs);
    const gauge: WarningGauge = {
      metric: r.metric,
      entity: r.entity,
      lon: r.lon,
      lat: r.lat,
      value: has ? r.v : null,
      t: has ? r.t : null,
      ageMs,
      level: has ? alertLevel(r.v!, th) : null,
      current,
      late: ageMs === null || ageMs > Math.max(30_000, 3 * cadenceMs),
    };
    const { kel, kec } = placeOf(r);
    const kecKey = kec.code ?? '';
    let area = areas.get(kecKey);
    if (!area) areas.set(kecKey, (area = { code: kec.code, name: kec.name, level: null, t: null, kelurahan: [] }));
    area.name ??= kec.name;
    let k = area.kelurahan.find((x) => x.code === kel.code);
    if (!k) area.kelurahan.push((k = { code: kel.code, name: kel.name, level: null, t: null, gauges: [] }));
    k.gauges.push(gauge);
    k.t = newer(k.t, gauge.t);
    area.t = newer(area.t, gauge.t);
    newest = newer(newest, gauge.t);
    if (current) {
      k.level = worse(k.level, gauge.level);
      area.level = worse(area.level, gauge.level);
      level = worse(level, gauge.level);
    }
  }

  const list = [...areas.values()];
  for (const a of list) {
    for (const k of a.kelurahan)
      k.gauges.sort((x, y) => rank(y.level) - rank(x.level) || (y.value ?? -Infinity) - (x.value ?? -Infinity) || x.entity.localeCompare(y.entity));
    a.kelurahan.sort(worstFirst);
  }
  list.sort(worstFirst);
  return {
    updatedAt: now,
    maxAgeMs,
    level,
    t: newest,
    warnings: list.flatMap((a) => (a.level !== null && a.level !== 'normal' ? [{ code: a.code, name: a.name, level: a.level, t: a.t }] : [])),
    metrics: [...metrics.values()],
    areas: list,
  };
}

type Db = Pick<pg.Pool, 'query'>;

/** Every series of the publik warning metrics with its latest reading (one index probe per series). */
export async function warningRows(db: Db, metrics: readonly string[] = WARNING_METRICS): Promise<WarningRow[]> {
  const { rows } = await db.query<{
    metric: string;
    class: string;
    unit: string;
    name_id: string;
    name_en: string;
    cadence_s: number;
    thresholds: unknown;
    entity: string;
    region: string | null;
    region_name: string | null;
    region_level: string | null;
    parent: string | null;
    parent_name: string | null;
    lon: number | null;
    lat: number | null;
    t: number | null;
    v: number | null;
  }>(
    `${WARNINGS_QUERY_TAG}
     SELECT m.code AS metric, c.class::text AS class, m.unit, m.name_id, m.name_en, m.cadence_s, m.thresholds,
            s.entity, s.region_code AS region, r.name AS region_name, r.level AS region_level,
            r.parent_code AS parent, pr.name AS parent_name, s.lon, s.lat,
            (extract(epoch FROM p.time) * 1000)::float8 AS t, p.value AS v
       FROM metric m
       JOIN series s ON s.metric = m.code
       JOIN series_class c ON c.series_id = s.id AND c.class = 'publik'
       LEFT JOIN region r ON r.code = s.region_code
       LEFT JOIN region pr ON pr.code = r.parent_code
       LEFT JOIN LATERAL (SELECT time, value FROM point WHERE series_id = s.id ORDER BY time DESC LIMIT 1) p ON true
      WHERE m.class = 'publik' AND m.thresholds IS NOT NULL AND m.code = ANY($1::text[])
      ORDER BY m.code, s.entity`,
    [metrics],
  );
  return rows.map((r) => ({
    metric: r.metric,
    class: r.class,
    unit: r.unit,
    nameId: r.name_id,
    nameEn: r.name_en,
    cadenceS: r.cadence_s,
    thresholds: typeof r.thresholds === 'string' ? (JSON.parse(r.thresholds) as unknown) : r.thresholds,
    entity: r.entity,
    region: r.region,
    regionName: r.region_name,
    regionLevel: r.region_level,
    parent: r.parent,
    parentName: r.parent_name,
    lon: r.lon,
    lat: r.lat,
    t: r.t === null ? null : Math.round(r.t),
    v: r.v,
  }));
}

/**
 * The route's handler, given the public router's `send` (ETag, gzip, Cache-Control) so every public endpoint
 * answers alike. It reads the shared warnings snapshot (sources.ts): one query per cache period, however many ask.
 */
export function warningsHandler(
  deps: { cache: SnapshotCache<WarningRow[]>; maxAgeMs?: number },
  send: (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], r: Rendered) => void,
): RequestHandler {
  return async (req, res) => {
    const snap = await deps.cache.get();
    send(
      req,
      res,
      snap.view('warnings', (rows, now) => answer('PublicWarnings', publicWarnings(rows, now, { maxAgeMs: deps.maxAgeMs }))),
    );
  };
}
