/** The catalog held in memory: every request consults it, it changes only through the admin CLI or a seed. */
import type pg from 'pg';
import type { EventKind, Metric, Opd } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import { loadCatalog, loadRegionCodes } from '../../db/queries/catalog';
import { canRead } from '../access/policy';

export interface CatalogService {
  metric(code: string): Metric | undefined;
  eventKind(code: string): (EventKind & { closedStatuses: string[] }) | undefined;
  hasRegion(code: string): boolean;
  /** The catalog as the principal may see it. */
  visibleTo(who: Principal): { opd: Opd[]; metrics: Metric[]; eventKinds: EventKind[] };
  reload(): Promise<void>;
}

export async function createCatalogService(pool: pg.Pool): Promise<CatalogService> {
  let metrics = new Map<string, Metric>();
  let kinds = new Map<string, EventKind & { closedStatuses: string[] }>();
  let opd: Opd[] = [];
  let regions = new Set<string>();
  const reload = async () => {
    const [catalog, regionCodes] = await Promise.all([loadCatalog(pool), loadRegionCodes(pool)]);
    metrics = new Map(catalog.metrics.map((m) => [m.code, m]));
    kinds = new Map(catalog.eventKinds.map((k) => [k.code, k]));
    opd = catalog.opd;
    regions = regionCodes;
  };
  await reload();
  return {
    metric: (code) => metrics.get(code),
    eventKind: (code) => kinds.get(code),
    hasRegion: (code) => regions.has(code),
    visibleTo: (who) => ({
      opd,
      metrics: [...metrics.values()].filter((m) => canRead(who, m).allow),
      eventKinds: [...kinds.values()].filter((k) => canRead(who, k).allow).map(({ closedStatuses: _, ...k }) => k),
    }),
    reload,
  };
}
