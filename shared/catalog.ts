/**
 * Catalog vocabulary shared by server, ingest and client. Isomorphic: no Node-only code.
 */

/** Classification of a metric or event kind (Perpres 39/2019 Satu Data + PP 71/2019 vocabulary). */
export const DATA_CLASSES = ['publik', 'terbatas', 'rahasia'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/**
 * The demo city's domains: its five live domains and `system` (the platform's own health, backups). Only the
 * demo (seed, simulator) may rely on this list: a kota's domains are catalog data (table `domain`, migration 086).
 */
export const DOMAINS = ['complaints', 'floods', 'traffic', 'sanitation', 'projects', 'system'] as const;
/** A domain code; which ones exist is catalog data (`DomainInfo`), validated against the catalog. */
export type Domain = string;

/** A domain of the catalog: its names in both UI languages and its place in lists. */
export interface DomainInfo {
  code: string;
  nameId: string;
  nameEn: string;
  /** Lower first. */
  sort: number;
}

/**
 * How a tile or a roll-up display combines the readings of a metric's series into one figure: `avg` for levels
 * (water level), `sum` for counts spread over entities (complaints per kecamatan), `max`/`min` for the worst
 * place, `last` for a single counter.
 */
export const AGGREGATIONS = ['avg', 'sum', 'max', 'min', 'last'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Flood alert levels used by BPBD (Normal / Waspada / Siaga / Awas), lowest first. */
export const ALERT_LEVELS = ['normal', 'waspada', 'siaga', 'awas'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** Thresholds at which a value enters each alert level (value >= threshold). */
export interface Thresholds {
  waspada: number;
  siaga: number;
  awas: number;
}

export interface Opd {
  code: string;
  name: string;
  /** What tight places show ('Dinkes'); absent or null: the code. */
  shortName?: string | null;
}

export interface Metric {
  code: string;
  domain: Domain;
  ownerOpd: string;
  class: DataClass;
  unit: string;
  nameId: string;
  nameEn: string;
  /** Expected seconds between readings of one series; the wall turns stale beyond it. */
  cadenceS: number;
  thresholds: Thresholds | null;
  /**
   * In the metric's unit: a value that reached a level leaves it only once below (threshold − hysteresis)
   * (`alertLevelWithHysteresis`, shared/alerts.ts). Absent: 0.
   */
  hysteresis?: number;
  /** How tiles and roll-up displays combine the metric's series (absent: avg). */
  aggregation?: Aggregation;
  /** The value accumulates by definition (intake so far today): a rise is no warning. Absent: false. */
  cumulative?: boolean;
  /** What to do at each alert level (alert cards on the wall and the tablet); absent or null: none configured. */
  sop?: Sop | null;
  /** The values a reading may take, in the metric's unit (null or absent: only the global sanity bound). */
  valueMin?: number | null;
  valueMax?: number | null;
  /**
   * Whether anonymous callers may read its past values (absent: true). False ("current only"): the public gets the
   * current value alone, on every anonymous route, socket and open-data file; signed-in roles keep the history.
   * For derived counters whose change over time gives away figures published elsewhere only hidden (the open
   * complaints count: its change over a bucket is received − closed; server/public/current-only.ts).
   */
  publicHistory?: boolean;
  /**
   * Opened to territorial roles (camat, lurah/kades): they read its readings located in their territory
   * (server/access/policy.ts). Absent: false.
   */
  territorial?: boolean;
}

/**
 * Pure: the aggregation a metric gets when its catalog entry names none — what the tiles did before it was
 * catalog data (migration 086 wrote the same onto present metrics): counts and amounts add up, a metric with
 * thresholds shows its worst place, the rest their mean.
 */
export function defaultAggregation(m: Pick<Metric, 'unit' | 'thresholds'>): Aggregation {
  if (m.unit === 'count' || m.unit === 'IDR' || m.unit === 't' || m.unit === 'veh/h') return 'sum';
  if (m.thresholds) return 'max';
  return 'avg';
}

/** Whether anonymous callers may read the metric's history (server/public/current-only.ts applies it). */
export const publicHistoryOf = (m: Pick<Metric, 'publicHistory'>): boolean => m.publicHistory !== false;

/** A text in both UI languages. */
export interface LocalText {
  id: string;
  en: string;
}

/** Standard operating procedure per alert level, as configured in the catalog. */
export type Sop = Partial<Record<Exclude<AlertLevel, 'normal'>, LocalText>>;

/** Pure: the SOP text for `level` in `lang` (English falls back to Indonesian); null when none is configured. */
export function sopText(sop: Sop | null | undefined, level: AlertLevel, lang: 'id' | 'en'): string | null {
  if (!sop || level === 'normal') return null;
  const t = sop[level];
  if (!t) return null;
  return (lang === 'en' ? t.en || t.id : t.id) || null;
}

/**
 * No reading of any metric is larger than this in magnitude (a quadrillion: above any budget in IDR). With it,
 * no roll-up sum can overflow a double (that would take 1e293 readings in one bucket); a sensor reporting
 * DBL_MAX, or a key holder sending 1e308, is refused at the door instead of stopping the roll-ups.
 */
export const VALUE_SANITY_BOUND = 1e15;

/** Why a reading's value cannot be stored for this metric, or null. Table-tested (tests/unit/value-bounds.test.ts). */
export function valueProblem(value: number, metric: Pick<Metric, 'code' | 'unit' | 'valueMin' | 'valueMax'>): string | null {
  if (!Number.isFinite(value) || Math.abs(value) > VALUE_SANITY_BOUND)
    return `value ${value} is beyond ±${VALUE_SANITY_BOUND}, the bound for any reading`;
  const lo = metric.valueMin ?? null;
  const hi = metric.valueMax ?? null;
  if ((lo !== null && value < lo) || (hi !== null && value > hi))
    return `value ${value} is outside ${metric.code}'s bounds [${lo ?? '-∞'}, ${hi ?? '∞'}] ${metric.unit}`;
  return null;
}

export interface EventKind {
  code: string;
  domain: Domain;
  ownerOpd: string;
  class: DataClass;
  nameId: string;
  nameEn: string;
  /** The closed set of statuses, in lifecycle order. */
  statuses: readonly string[];
  /** The statuses after which an item is closed (resolved, rejected…): off the maps, counted as handled. */
  closedStatuses: readonly string[];
  /** The closed list of categories with their names (absent or empty: the kind has none). */
  categories?: readonly EventCategory[];
  /** Opened to territorial roles: they read its events located in their territory. Absent: false. */
  territorial?: boolean;
}

/** A category of an event kind (complaint `jalan_rusak`), named in both UI languages. */
export interface EventCategory {
  code: string;
  nameId: string;
  nameEn: string;
}

/** Series identity: one metric measured at one entity (a gate, a road segment, a truck, a project). */
export interface SeriesMeta {
  id: number;
  metric: string;
  entity: string;
  region: string | null;
  lon: number | null;
  lat: number | null;
  /** The entity's human name (station, road, TPS, project) when its OPD registered one; people read it before the code. */
  name?: string;
  /**
   * The entity's line on the map in WGS84 `[lon, lat]` vertices (a road segment), when the metric's owner OPD
   * registered one (POST /api/v1/entities); absent otherwise.
   */
  path?: [number, number][];
}

/** Pure: the alert level of a value under the given thresholds. */
export function alertLevel(value: number, t: Thresholds | null): AlertLevel {
  if (!t) return 'normal';
  if (value >= t.awas) return 'awas';
  if (value >= t.siaga) return 'siaga';
  if (value >= t.waspada) return 'waspada';
  return 'normal';
}

/**
 * Pure: the alert level of a value that was at `previous`: it rises at once (value ≥ threshold) but leaves a
 * level only once below (that level's threshold − hysteresis), so a value wavering at a threshold keeps its level.
 * With hysteresis 0 it is `alertLevel`. Table-tested in tests/unit/hysteresis.test.ts.
 */
export function alertLevelWithHysteresis(value: number, t: Thresholds | null, hysteresis: number, previous: AlertLevel): AlertLevel {
  const raw = alertLevel(value, t);
  if (!t || hysteresis <= 0) return raw;
  const rank = (l: AlertLevel) => ALERT_LEVELS.indexOf(l);
  if (rank(raw) >= rank(previous)) return raw;
  // falling: stay at the highest level (not above `previous`) the value has not left by the margin
  for (let r = rank(previous); r > rank(raw); r--) {
    const level = ALERT_LEVELS[r] as Exclude<AlertLevel, 'normal'>;
    if (value >= t[level] - hysteresis) return level;
  }
  return raw;
}

/** A service-level target: hours an event may stay open; category '' is the kind's default. */
export interface EventSla {
  kind: string;
  category: string;
  targetHours: number;
  /** The OPD that works events of this category; null: the kind's owner. */
  handlerOpd: string | null;
}
