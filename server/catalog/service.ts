/**
 * The catalog and the sharing agreements held in memory: every request consults them. The catalog changes
 * through seeds and the admin CLI; both it and the agreements are re-read every few seconds so a grant, a
 * revocation or a metric setting (`metric public-history`) made with the CLI takes effect without a restart.
 */
import type pg from 'pg';
import type { EventKind, Metric, Opd } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import { loadCatalog, loadRegionCodes } from '../../db/queries/catalog';
import { loadAgreements } from '../../db/queries/sharing';
import { classifiedEntities } from '../../db/queries/projects';
import { canRead, entityOfEvent, seriesItem, type Agreement, type Classified, type ClassifiedEntity, type Decision } from '../access/policy';

/** What a principal may see of the catalog; shared items say for which purpose. */
export interface VisibleCatalog {
  opd: Opd[];
  metrics: (Metric & { sharedFor?: string[] })[];
  eventKinds: (EventKind & { sharedFor?: string[] })[];
}

export interface CatalogService {
  metric(code: string): Metric | undefined;
  eventKind(code: string): EventKind | undefined;
  hasRegion(code: string): boolean;
  /** The sharing agreements as last read (in force or not: callers judge validity with their clock). */
  agreements(): readonly Agreement[];
  /** The access rule with the current agreements and clock. */
  decide(who: Principal, what: Classified, itemType: 'metric' | 'event_kind', purpose?: string): Decision;
  /**
   * The access rule for a metric's readings of one entity (a series), or for an event about one: the entity's
   * own class applies where it is stricter (access/policy.ts `seriesItem`). Every series and event read asks
   * this, so a classified project is hidden wherever its metric would be shown.
   */
  decideSeries(who: Principal, metric: Classified, entity: string | undefined, purpose?: string): Decision;
  decideEvent(who: Principal, kind: Classified, eventId: string, purpose?: string): Decision;
  /** The classified entity of a series id, when it has one (live points carry series ids only). */
  entityOfSeries(seriesId: number): ClassifiedEntity | undefined;
  entity(id: string): ClassifiedEntity | undefined;
  /** Every registered entity with a class of its own (projects). */
  classifiedEntities(): ClassifiedEntity[];
  /** Series created since the last refresh (they travel in live messages once), so their later readings are known. */
  noteSeries(series: readonly { id: number; entity: string; region?: string | null }[]): void;
  /**
   * The region code of a series (live points carry series ids only): a territorial role's live readings are cut
   * by it. Undefined for a series not known here yet (treated as outside every territory).
   */
  regionOfSeries(seriesId: number): string | null | undefined;
  /** Re-reads the classified entities now (after a project registration; otherwise every few seconds). */
  refreshEntities(): Promise<void>;
  visibleTo(who: Principal): VisibleCatalog;
  /** Every metric and event kind with its owner and class (what the access rule judges). */
  items(): Classified[];
  /** Every metric and event kind, unfiltered (sharing on request lists what may be asked for; never sent as is). */
  all(): { metrics: Metric[]; eventKinds: EventKind[]; opd: Opd[] };
  reload(): Promise<void>;
  close(): void;
}

export const AGREEMENT_REFRESH_MS = 5_000;

export async function createCatalogService(pool: pg.Pool, clock: () => number = Date.now): Promise<CatalogService> {
  let metrics = new Map<string, Metric>();
  let kinds = new Map<string, EventKind>();
  let opd: Opd[] = [];
  let regions = new Set<string>();
  let agreements: Agreement[] = [];
  let entities = new Map<string, ClassifiedEntity>();
  let seriesEntity = new Map<number, string>();
  // Every located series' region, re-read with the entities: one row per series of the kota (a few thousand;
  // bounded by the series table, not by any client). Only territorial roles' live views consult it.
  let seriesRegion = new Map<number, string>();
  const refreshEntities = async () => {
    const [c, located] = await Promise.all([
      classifiedEntities(pool),
      pool.query<{ id: number; region: string }>('SELECT id, region_code AS region FROM series WHERE region_code IS NOT NULL'),
    ]);
    entities = new Map(c.entities.map((e) => [e.id, e]));
    seriesEntity = new Map(c.series.map((s) => [s.id, s.entity]));
    seriesRegion = new Map(located.rows.map((r) => [r.id, r.region]));
  };
  const reload = async () => {
    const [catalog, regionCodes, current] = await Promise.all([loadCatalog(pool), loadRegionCodes(pool), loadAgreements(pool), refreshEntities()]);
    metrics = new Map(catalog.metrics.map((m) => [m.code, m]));
    kinds = new Map(catalog.eventKinds.map((k) => [k.code, k]));
    opd = catalog.opd;
    regions = regionCodes;
    agreements = current;
  };
  await reload();
  const timer = setInterval(() => {
    loadAgreements(pool).then(
      (current) => (agreements = current),
      () => {}, // the database is away; keep the last known agreements
    );
    // metric settings changed by the admin CLI (e.g. `metric public-history`) take effect without a restart
    loadCatalog(pool).then(
      (catalog) => {
        metrics = new Map(catalog.metrics.map((m) => [m.code, m]));
        kinds = new Map(catalog.eventKinds.map((k) => [k.code, k]));
        opd = catalog.opd;
      },
      () => {}, // likewise: keep the last known catalog
    );
    refreshEntities().catch(() => {}); // likewise: keep the last known classes
  }, AGREEMENT_REFRESH_MS);
  timer.unref();

  const decide = (who: Principal, what: Classified, itemType: 'metric' | 'event_kind', purpose?: string) =>
    canRead(who, what, { purpose, agreements, now: clock(), itemType });

  /** Allowed outright, or through an agreement (then listed with its purposes). */
  const visible = <T extends Classified>(who: Principal, item: T, itemType: 'metric' | 'event_kind'): (T & { sharedFor?: string[] }) | null => {
    if (decide(who, item, itemType).allow) return item;
    if (who.role !== 'agency') return null;
    const purposes = agreements
      .filter(
        (a) => a.granteeOpd === who.opd && a.itemType === itemType && a.itemCode === item.code && a.validFrom <= clock() && clock() < a.validUntil,
      )
      .map((a) => a.purpose)
      .filter((p) => decide(who, item, itemType, p).allow);
    return purposes.length ? { ...item, sharedFor: [...new Set(purposes)] } : null;
  };

  return {
    metric: (code) => metrics.get(code),
    eventKind: (code) => kinds.get(code),
    hasRegion: (code) => regions.has(code),
    agreements: () => agreements,
    decide,
    decideSeries: (who, metric, entity, purpose) =>
      decide(who, seriesItem(metric, entity === undefined ? undefined : entities.get(entity)), 'metric', purpose),
    decideEvent: (who, kind, eventId, purpose) => decide(who, seriesItem(kind, entityOfEvent(eventId, entities)), 'event_kind', purpose),
    entityOfSeries: (id) => {
      const e = seriesEntity.get(id);
      return e === undefined ? undefined : entities.get(e);
    },
    entity: (id) => entities.get(id),
    classifiedEntities: () => [...entities.values()],
    noteSeries: (series) => {
      for (const x of series) {
        if (entities.has(x.entity)) seriesEntity.set(x.id, x.entity);
        if (x.region) seriesRegion.set(x.id, x.region);
      }
    },
    regionOfSeries: (id) => seriesRegion.get(id),
    refreshEntities,
    visibleTo: (who) => ({
      opd,
      metrics: [...metrics.values()].map((m) => visible(who, m, 'metric')).filter((m) => m !== null),
      eventKinds: [...kinds.values()].map((k) => visible(who, k, 'event_kind')).filter((k) => k !== null),
    }),
    items: () => [...metrics.values(), ...kinds.values()],
    all: () => ({ metrics: [...metrics.values()], eventKinds: [...kinds.values()], opd }),
    reload,
    close: () => clearInterval(timer),
  };
}
