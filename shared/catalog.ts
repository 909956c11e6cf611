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
