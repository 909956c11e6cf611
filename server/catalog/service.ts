/**
 * The catalog and the sharing agreements held in memory: every request consults them. The catalog changes
 * through seeds and the admin CLI (reload); agreements are re-read every few seconds so a grant or revocation
 * made with the CLI takes effect without a restart.
 */
import type pg from 'pg';
import type { EventKind, Metric, Opd } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import { loadCatalog, loadRegionCodes } from '../../db/queries/catalog';
import { loadAgreements } from '../../db/queries/sharing';
import { canRead, type Agreement, type Classified, type Decision } from '../access/policy';

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
  /** The access rule with the current agreements and clock. */
  decide(who: Principal, what: Classified, itemType: 'metric' | 'event_kind', purpose?: string): Decision;
  visibleTo(who: Principal): VisibleCatalog;
  /** Every metric and event kind with its owner and class (what the access rule judges). */
  items(): Classified[];
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
  const reload = async () => {
    const [catalog, regionCodes, current] = await Promise.all([loadCatalog(pool), loadRegionCodes(pool), loadAgreements(pool)]);
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
    decide,
    visibleTo: (who) => ({
      opd,
      metrics: [...metrics.values()].map((m) => visible(who, m, 'metric')).filter((m) => m !== null),
      eventKinds: [...kinds.values()].map((k) => visible(who, k, 'event_kind')).filter((k) => k !== null),
    }),
    items: () => [...metrics.values(), ...kinds.values()],
    reload,
    close: () => clearInterval(timer),
  };
}
