/**
 * Editing the catalog (issue 17): a whole document imported, one item put or deleted — by the admin REST
 * (server/catalog/routes.ts) and the CLI (scripts/admin-catalog.ts), through this one service.
 *
 * Each change runs in one transaction: it takes the catalog's lock (catalog_state), reads the present catalog,
 * judges the result (`importProblems`), refuses a relaxed class an agreement depends on unless confirmed, writes
 * the changed items with one audit row each (before/after), bumps the version and NOTIFYs. After the commit the
 * caller's process re-reads its catalog at once (`afterCommit`), so a metric created here is ingestible in the
 * very next request; every other process re-reads on the NOTIFY (server/catalog/service.ts). A dry run does all
 * the judging and rolls back. Results are domain results; routes map them to HTTP.
 */
import type pg from 'pg';
import { appendAudit } from '../../db/queries/audit';
import {
  agreementsOn,
  bumpCatalogVersion,
  deleteItem,
  loadCatalogDocument,
  lockCatalog,
  usesOf,
  writeDomain,
  writeEventKind,
  writeMetric,
  writeOpd,
} from '../../db/queries/catalog-admin';
import { inTransaction } from '../../db/transaction';
import {
  SECTION_KEYS,
  type CatalogChange,
  type CatalogDocument,
  type CatalogProblem,
  type CatalogSection,
  type DomainDoc,
  type EventKindDoc,
  type MetricDoc,
  type OpdDoc,
  type Relaxation,
} from '../../shared/catalog-document';
import { diffImport, importProblems, relaxingChanges } from './changes';

export type CatalogApplyResult =
  | { kind: 'ok'; applied: boolean; changes: CatalogChange[]; version: number }
  | { kind: 'invalid'; problems: CatalogProblem[] }
  | { kind: 'relaxation_unconfirmed'; relaxations: Relaxation[] }
  | { kind: 'in_use'; section: CatalogSection; code: string; reasons: string[] }
  | { kind: 'not_found'; section: CatalogSection; code: string };

export interface ChangeOptions {
  /** Who (audit actor: `user:…`, `cli:…`) and from where (an address, 'cli'). */
  actor: string;
  source: string | null;
  dryRun?: boolean;
  /** The admin confirms relaxing the class of items sharing agreements depend on. */
  confirm?: boolean;
}

export interface CatalogAdmin {
  document(): Promise<CatalogDocument>;
  /** Creates and updates every item of the document (never deletes). */
  importDocument(doc: CatalogDocument, opts: ChangeOptions): Promise<CatalogApplyResult>;
  /** Creates or replaces one item. */
  putItem(section: CatalogSection, item: OpdDoc | DomainDoc | MetricDoc | EventKindDoc, opts: ChangeOptions): Promise<CatalogApplyResult>;
  /** Deletes one item nothing uses. */
  deleteItem(section: CatalogSection, code: string, opts: ChangeOptions): Promise<CatalogApplyResult>;
}

const EMPTY: CatalogDocument = { opd: [], domains: [], metrics: [], eventKinds: [] };

/** Rolls the dry run's transaction back after it was judged. */
class DryRun extends Error {
  constructor(readonly result: CatalogApplyResult) {
    super('dry run');
  }
}

export function createCatalogAdmin(deps: {
  pool: pg.Pool;
  /** Runs after a commit (the server re-reads its catalog; the CLI has nothing to do: NOTIFY tells the servers). */
  afterCommit?: (version: number) => Promise<void>;
  clock?: () => number;
}): CatalogAdmin {
  const clock = deps.clock ?? Date.now;

  const audit = (client: pg.PoolClient, changes: readonly CatalogChange[], opts: ChangeOptions, relaxations: readonly Relaxation[] = []) =>
    appendAudit(
      client,
      changes.map((c) => {
        // a confirmed relaxation records the agreements it was confirmed over
        const r = relaxations.find((x) => x.section === c.section && x.code === c.code);
        return {
          actor: opts.actor,
          action: `catalog.${c.section}.${c.action}`,
          target: `${c.section}:${c.code}`,
          detail: { before: c.before, after: c.after, ...(r ? { confirmedOver: r.agreements } : {}) },
          source: opts.source,
        };
      }),
      clock(),
    );

  const write = async (client: pg.PoolClient, c: CatalogChange) => {
    switch (c.section) {
      case 'opd':
        return writeOpd(client, c.after as OpdDoc);
      case 'domains':
        return writeDomain(client, c.after as DomainDoc);
      case 'metrics':
        return writeMetric(client, c.after as MetricDoc);
      case 'event-kinds':
        return writeEventKind(client, c.after as EventKindDoc);
    }
  };

  /** The judging and writing of an import; throws DryRun to roll a dry run back with its result. */
  const apply = async (incoming: CatalogDocument, opts: ChangeOptions): Promise<CatalogApplyResult> => {
    let result: CatalogApplyResult;
    try {
      result = await inTransaction(deps.pool, async (client) => {
        const version = await lockCatalog(client);
        const current = await loadCatalogDocument(client);
        const problems = importProblems(current, incoming);
        if (problems.length) return { kind: 'invalid', problems } as const;
        const changes = diffImport(current, incoming);
        const relaxed = relaxingChanges(changes);
        const relaxations: Relaxation[] = [];
        for (const r of relaxed) {
          const agreements = await agreementsOn(client, r.section === 'metrics' ? 'metric' : 'event_kind', r.code);
          if (agreements.length) relaxations.push({ ...r, agreements });
        }
        if (relaxations.length && !opts.confirm) return { kind: 'relaxation_unconfirmed', relaxations } as const;
        if (opts.dryRun) throw new DryRun({ kind: 'ok', applied: false, changes, version });
        if (!changes.length) return { kind: 'ok', applied: true, changes, version } as const;
        // parents first: OPD and domains before the metrics and kinds that name them (the SECTION_KEYS order)
        for (const c of changes) await write(client, c);
        await audit(client, changes, opts, relaxations);
        return { kind: 'ok', applied: true, changes, version: await bumpCatalogVersion(client) } as const;
      });
    } catch (e) {
      if (e instanceof DryRun) return e.result;
      throw e;
    }
    if (result.kind === 'ok' && result.applied && result.changes.length) await deps.afterCommit?.(result.version);
    return result;
  };

  return {
    document: () => loadCatalogDocument(deps.pool),
    importDocument: (doc, opts) => apply(doc, opts),
    putItem: (section, item, opts) => apply({ ...EMPTY, [SECTION_KEYS[section]]: [item] }, opts),
    async deleteItem(section, code, opts) {
      let result: CatalogApplyResult;
      try {
        result = await inTransaction(deps.pool, async (client) => {
          await lockCatalog(client);
          const current = await loadCatalogDocument(client);
          const before = (current[SECTION_KEYS[section]] as { code: string }[]).find((i) => i.code === code);
          if (!before) return { kind: 'not_found', section, code } as const;
          const reasons = await usesOf(client, section, code);
          if (reasons.length) return { kind: 'in_use', section, code, reasons } as const;
          const change = { section, code, action: 'deleted', before, after: null } as CatalogChange;
          if (opts.dryRun) throw new DryRun({ kind: 'ok', applied: false, changes: [change], version: 0 });
          await deleteItem(client, section, code);
          await audit(client, [change], opts);
          return { kind: 'ok', applied: true, changes: [change], version: await bumpCatalogVersion(client) } as const;
        });
      } catch (e) {
        if (e instanceof DryRun) return e.result;
        // something the checks above do not know still refers to it: the foreign key says what
        if ((e as { code?: string }).code === '23503')
          return { kind: 'in_use', section, code, reasons: [`still referred to by ${(e as { table?: string }).table ?? 'another table'}`] };
        throw e;
      }
      if (result.kind === 'ok' && result.applied) await deps.afterCommit?.(result.version);
      return result;
    },
  };
}
