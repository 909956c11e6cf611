/**
 * Catalog vocabulary shared by server, ingest and client. Isomorphic: no Node-only code.
 */

/** Classification of a metric or event kind (Perpres 39/2019 Satu Data + PP 71/2019 vocabulary). */
export const DATA_CLASSES = ['publik', 'terbatas', 'rahasia'] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** The five live domains of the command center, and `system`: the platform's own health (backups). */
export const DOMAINS = ['complaints', 'floods', 'traffic', 'sanitation', 'projects', 'system'] as const;
export type Domain = (typeof DOMAINS)[number];

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
  /** Opened to territorial roles: they read its events located in their territory. Absent: false. */
  territorial?: boolean;
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

/** A service-level target: hours an event may stay open; category '' is the kind's default. */
export interface EventSla {
  kind: string;
  category: string;
  targetHours: number;
  /** The OPD that works events of this category; null: the kind's owner. */
  handlerOpd: string | null;
}
