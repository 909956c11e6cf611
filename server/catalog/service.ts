/**
 * The catalog and the sharing agreements held in memory: every request consults them. The catalog changes
 * through the admin REST and CLI (server/catalog/admin.ts, issue 17), seeds and older CLI commands.
 *
 * How a change reaches every process at once: the admin service's transaction ends with NOTIFY catalog_changed
 * (db/queries/catalog-admin.ts); each process LISTENs on its own connection (not one of the pool's) and re-reads
 * the catalog when told, then calls `onChanged` (app.ts streams a `catalog` fact from the leader). The CLI needs no
 * server: its NOTIFY reaches them all the same. Should the LISTEN connection be lost, it is opened again, and
 * the catalog and agreements are still re-read every few seconds, as before, so nothing waits on it for long.
 */
import pg from 'pg';
import type { DomainInfo, EventKind, Metric, Opd } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import { loadCatalog, loadRegionCodes, type Catalog } from '../../db/queries/catalog';
import { CATALOG_NOTIFY_CHANNEL } from '../../db/queries/catalog-admin';
import { loadAgreements } from '../../db/queries/sharing';
import { classifiedEntities } from '../../db/queries/projects';
import { canRead, entityOfEvent, seriesItem, type Agreement, type Classified, type ClassifiedEntity, type Decision } from '../access/policy';

/** What a principal may see of the catalog; shared items say for which purpose. */
export interface VisibleCatalog {
  opd: Opd[];
  /** Every domain (names only: no data), in display order. */
  domains: DomainInfo[];
  /** The catalog version this view was made from. */
  version: number;
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
  /** Every domain, in display order. */
  domains(): DomainInfo[];
  hasDomain(code: string): boolean;
  /** The catalog version held (catalog_state.version when last read). */
  version(): number;
  reload(): Promise<void>;
  /** Re-reads the catalog alone (after a catalog change; `reload` also re-reads agreements, regions, entities). */
  reloadCatalog(): Promise<void>;
  close(): void;
}

export interface CatalogServiceOptions {
  /** Told after the catalog was re-read because it changed (NOTIFY), with the version now held. */
  onChanged?: (version: number) => void;
  onError?: (err: unknown) => void;
  /** Off in tools that need no live catalog (default on). */
  listen?: boolean;
}

/** Wait before opening a lost LISTEN connection again. */
const RELISTEN_MS = 2_000;

export const AGREEMENT_REFRESH_MS = 5_000;

export async function createCatalogService(pool: pg.Pool, clock: () => number = Date.now, opts: CatalogServiceOptions = {}): Promise<CatalogService> {
  let metrics = new Map<string, Metric>();
  let kinds = new Map<string, EventKind>();
  let opd: Opd[] = [];
  let domains: DomainInfo[] = [];
  let version = 0;
  const useCatalog = (catalog: Catalog) => {
    // a slow periodic read must not undo a newer one made on a NOTIFY
    if (catalog.version < version) return;
    metrics = new Map(catalog.metrics.map((m) => [m.code, m]));
    kinds = new Map(catalog.eventKinds.map((k) => [k.code, k]));
    opd = catalog.opd;
    domains = catalog.domains;
    version = catalog.version;
  };
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
    useCatalog(catalog);
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
        const before = version;
        useCatalog(catalog);
        // a change whose NOTIFY was missed (LISTEN connection down) is still announced
        if (version > before) opts.onChanged?.(version);
      },
      () => {}, // likewise: keep the last known catalog
    );
    refreshEntities().catch(() => {}); // likewise: keep the last known classes
  }, AGREEMENT_REFRESH_MS);
  timer.unref();

  // one read at a time; a NOTIFY during a read asks for one more after it
  let reading: Promise<void> | null = null;
  let again = false;
  const reloadCatalog = async (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      do {
        again = false;
        const before = version;
        useCatalog(await loadCatalog(pool));
        if (version > before) opts.onChanged?.(version);
      } while (again);
    })().finally(() => (reading = null));
    return reading;
  };

  /**
   * Ends a LISTEN connection we no longer want. It keeps a no-op error listener: the server may still end it with
   * an error while it closes (a dropped database, a restart), and an 'error' with no listener would crash the process.
   */
  const dropClient = (client: pg.Client) => {
    client.removeAllListeners();
    client.on('error', () => {});
    client.end().catch(() => {});
  };
  let closed = false;
  let listener: pg.Client | null = null;
  let relisten: NodeJS.Timeout | null = null;
  const listen = async () => {
    if (closed) return;
    const client = new pg.Client(pool.options);
    const retry = (err: unknown) => {
      opts.onError?.(err);
      dropClient(client);
      if (listener === client) listener = null;
      if (!closed && !relisten) relisten = setTimeout(() => ((relisten = null), void listen()), RELISTEN_MS);
      relisten?.unref();
    };
    client.on('error', retry);
    client.on('notification', (n) => {
      if (n.channel === CATALOG_NOTIFY_CHANNEL) reloadCatalog().catch((e) => opts.onError?.(e));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CATALOG_NOTIFY_CHANNEL}`);
      if (closed) return void client.end().catch(() => {});
      listener = client;
      // a change made while not listening
      await reloadCatalog();
    } catch (e) {
      retry(e);
    }
  };
  if (opts.listen !== false) await listen();

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
      domains,
      version,
      metrics: [...metrics.values()].map((m) => visible(who, m, 'metric')).filter((m) => m !== null),
      eventKinds: [...kinds.values()].map((k) => visible(who, k, 'event_kind')).filter((k) => k !== null),
    }),
    items: () => [...metrics.values(), ...kinds.values()],
    all: () => ({ metrics: [...metrics.values()], eventKinds: [...kinds.values()], opd }),
    domains: () => domains,
    hasDomain: (code) => domains.some((d) => d.code === code),
    version: () => version,
    reload,
    reloadCatalog,
    close: () => {
      closed = true;
      clearInterval(timer);
      if (relisten) clearTimeout(relisten);
      if (listener) dropClient(listener);
      listener = null;
    },
  };
}
