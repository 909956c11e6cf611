/**
 * The catalog as a document (shared/catalog-document.ts): read whole, written one item at a time, and what
 * refuses a delete. Used by the admin service (server/catalog/admin.ts) inside its transaction.
 */
import type pg from 'pg';
import type { CatalogDocument, CatalogSection, DomainDoc, EventKindDoc, MetricDoc, OpdDoc } from '../../shared/catalog-document';

type Db = pg.Pool | pg.PoolClient;

const SOP_LEVELS = ['waspada', 'siaga', 'awas'] as const;

/** The PostgreSQL NOTIFY channel every server process listens on (server/catalog/service.ts). */
export const CATALOG_NOTIFY_CHANNEL = 'catalog_changed';

/** The whole catalog in document form, every section ordered by code (domains by sort, then code). */
export async function loadCatalogDocument(db: Db): Promise<CatalogDocument> {
  // one after the other: inside a transaction they share one connection
  const opd = await db.query('SELECT code, name, short_name FROM opd ORDER BY code');
  const domains = await db.query('SELECT code, name_id, name_en, sort FROM domain ORDER BY sort, code');
  const metrics = await db.query(
    `SELECT code, domain, owner_opd, class, unit, name_id, name_en, cadence_s, thresholds, hysteresis, aggregation, cumulative, sop,
            value_min, value_max, public_history, territorial FROM metric ORDER BY code`,
  );
  const kinds = await db.query(
    'SELECT code, domain, owner_opd, class, name_id, name_en, statuses, closed_statuses, categories, territorial FROM event_kind ORDER BY code',
  );
  const sla = await db.query('SELECT kind, category, target_hours, handler_opd FROM event_sla ORDER BY kind, category');
  const slaOf = new Map<string, EventKindDoc['sla']>();
  for (const s of sla.rows) {
    const list = slaOf.get(s.kind) ?? [];
    list.push({ category: s.category, targetHours: s.target_hours, handlerOpd: s.handler_opd });
    slaOf.set(s.kind, list);
  }
  return {
    opd: opd.rows.map((r): OpdDoc => ({ code: r.code, name: r.name, ...(r.short_name === null ? {} : { shortName: r.short_name }) })),
    domains: domains.rows.map((r): DomainDoc => ({ code: r.code, nameId: r.name_id, nameEn: r.name_en, sort: r.sort })),
    metrics: metrics.rows.map((r): MetricDoc => ({
      code: r.code,
      domain: r.domain,
      ownerOpd: r.owner_opd,
      class: r.class,
      unit: r.unit,
      nameId: r.name_id,
      nameEn: r.name_en,
      cadenceS: r.cadence_s,
      // in level order, whatever order jsonb keeps its keys in (the exported file reads top to bottom)
      thresholds: r.thresholds ? { waspada: r.thresholds.waspada, siaga: r.thresholds.siaga, awas: r.thresholds.awas } : null,
      hysteresis: r.hysteresis,
      aggregation: r.aggregation,
      cumulative: r.cumulative,
      sop: r.sop ? Object.fromEntries(SOP_LEVELS.filter((l) => r.sop[l]).map((l) => [l, { id: r.sop[l].id, en: r.sop[l].en }])) : null,
      valueMin: r.value_min,
      valueMax: r.value_max,
      publicHistory: r.public_history,
      territorial: r.territorial,
    })),
    eventKinds: kinds.rows.map((r): EventKindDoc => ({
      code: r.code,
      domain: r.domain,
      ownerOpd: r.owner_opd,
      class: r.class,
      nameId: r.name_id,
      nameEn: r.name_en,
      statuses: r.statuses,
      closedStatuses: r.closed_statuses,
      categories: r.categories,
      sla: slaOf.get(r.code) ?? [],
      territorial: r.territorial,
    })),
  };
}

/** The catalog's version (catalog_state, migration 086). */
export async function catalogVersion(db: Db): Promise<number> {
  const { rows } = await db.query<{ version: string }>('SELECT version FROM catalog_state');
  return Number(rows[0]?.version ?? 0);
}

/**
 * Takes the catalog's write lock for the transaction (concurrent imports wait, then see each other's result)
 * and returns the version it holds.
 */
export async function lockCatalog(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ version: string }>('SELECT version FROM catalog_state FOR UPDATE');
  return Number(rows[0]?.version ?? 0);
}

/** Moves the version on and tells every process (NOTIFY is delivered when the transaction commits). */
export async function bumpCatalogVersion(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ version: string }>('UPDATE catalog_state SET version = version + 1 RETURNING version');
  const version = Number(rows[0]!.version);
  await client.query('SELECT pg_notify($1, $2)', [CATALOG_NOTIFY_CHANNEL, String(version)]);
  return version;
}

export async function writeOpd(db: Db, o: OpdDoc): Promise<void> {
  await db.query(
    `INSERT INTO opd (code, name, short_name) VALUES ($1, $2, $3)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, short_name = EXCLUDED.short_name`,
    [o.code, o.name, o.shortName ?? null],
  );
}

export async function writeDomain(db: Db, d: DomainDoc): Promise<void> {
  await db.query(
    `INSERT INTO domain (code, name_id, name_en, sort) VALUES ($1, $2, $3, $4)
     ON CONFLICT (code) DO UPDATE SET name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en, sort = EXCLUDED.sort`,
    [d.code, d.nameId, d.nameEn, d.sort],
  );
}

export async function writeMetric(db: Db, m: MetricDoc): Promise<void> {
  await db.query(
    `INSERT INTO metric (code, domain, owner_opd, class, unit, name_id, name_en, cadence_s, thresholds, hysteresis, aggregation, cumulative,
                         sop, value_min, value_max, public_history, territorial)
     VALUES ($1, $2, $3, $4::data_class, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13::jsonb, $14, $15, $16, $17)
     ON CONFLICT (code) DO UPDATE SET domain = EXCLUDED.domain, owner_opd = EXCLUDED.owner_opd, class = EXCLUDED.class,
       unit = EXCLUDED.unit, name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en, cadence_s = EXCLUDED.cadence_s,
       thresholds = EXCLUDED.thresholds, hysteresis = EXCLUDED.hysteresis, aggregation = EXCLUDED.aggregation,
       cumulative = EXCLUDED.cumulative, sop = EXCLUDED.sop, value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max,
       public_history = EXCLUDED.public_history, territorial = EXCLUDED.territorial`,
    [
      m.code,
      m.domain,
      m.ownerOpd,
      m.class,
      m.unit,
      m.nameId,
      m.nameEn,
      m.cadenceS,
      m.thresholds === null ? null : JSON.stringify(m.thresholds),
      m.hysteresis,
      m.aggregation,
      m.cumulative,
      m.sop === null ? null : JSON.stringify(m.sop),
      m.valueMin,
      m.valueMax,
      m.publicHistory,
      m.territorial,
    ],
  );
}

/** Upserts the kind and replaces its service-level targets. */
export async function writeEventKind(db: Db, k: EventKindDoc): Promise<void> {
  await db.query(
    `INSERT INTO event_kind (code, domain, owner_opd, class, name_id, name_en, statuses, closed_statuses, categories, territorial)
     VALUES ($1, $2, $3, $4::data_class, $5, $6, $7::text[], $8::text[], $9::jsonb, $10)
     ON CONFLICT (code) DO UPDATE SET domain = EXCLUDED.domain, owner_opd = EXCLUDED.owner_opd, class = EXCLUDED.class,
       name_id = EXCLUDED.name_id, name_en = EXCLUDED.name_en, statuses = EXCLUDED.statuses,
       closed_statuses = EXCLUDED.closed_statuses, categories = EXCLUDED.categories, territorial = EXCLUDED.territorial`,
    [k.code, k.domain, k.ownerOpd, k.class, k.nameId, k.nameEn, k.statuses, k.closedStatuses, JSON.stringify(k.categories), k.territorial],
  );
  await db.query('DELETE FROM event_sla WHERE kind = $1', [k.code]);
  if (k.sla.length)
    await db.query(
      `INSERT INTO event_sla (kind, category, target_hours, handler_opd)
       SELECT $1, * FROM unnest($2::text[], $3::float8[], $4::text[])`,
      [k.code, k.sla.map((s) => s.category), k.sla.map((s) => s.targetHours), k.sla.map((s) => s.handlerOpd)],
    );
}

const TABLE: Record<CatalogSection, string> = { opd: 'opd', domains: 'domain', metrics: 'metric', 'event-kinds': 'event_kind' };

/** Deletes one item; false when there was none. Callers check `usesOf` first; foreign keys still guard the rest. */
export async function deleteItem(db: Db, section: CatalogSection, code: string): Promise<boolean> {
  const r = await db.query(`DELETE FROM ${TABLE[section]} WHERE code = $1`, [code]);
  return (r.rowCount ?? 0) > 0;
}

/** An agreement that depends on an item (not revoked, not ended). */
export interface DependentAgreement {
  id: number;
  granteeOpd: string;
  purpose: string;
}

export async function agreementsOn(db: Db, itemType: 'metric' | 'event_kind', code: string): Promise<DependentAgreement[]> {
  const { rows } = await db.query<DependentAgreement>(
    `SELECT id, grantee_opd AS "granteeOpd", purpose FROM sharing_agreement
      WHERE item_type = $1 AND item_code = $2 AND revoked_at IS NULL AND valid_until > now() ORDER BY id`,
    [itemType, code],
  );
  return rows;
}

/**
 * Why an item cannot be deleted: one sentence per thing that still uses it (data, agreements, items that name
 * it); empty: unused.
 */
export async function usesOf(db: Db, section: CatalogSection, code: string): Promise<string[]> {
  const out: string[] = [];
  const count = async (sql: string, what: (n: number) => string) => {
    const { rows } = await db.query<{ n: string }>(sql, [code]);
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) out.push(what(n));
  };
  switch (section) {
    case 'metrics':
      await count('SELECT count(*) AS n FROM series WHERE metric = $1', (n) => `it has data: ${n} series`);
      await count(
        `SELECT count(*) AS n FROM sharing_agreement WHERE item_type = 'metric' AND item_code = $1 AND revoked_at IS NULL AND valid_until > now()`,
        (n) => `${n} sharing agreement(s) depend on it`,
      );
      break;
    case 'event-kinds':
      await count('SELECT count(*) AS n FROM event WHERE kind = $1', (n) => `it has data: ${n} events`);
      await count(
        `SELECT count(*) AS n FROM sharing_agreement WHERE item_type = 'event_kind' AND item_code = $1 AND revoked_at IS NULL AND valid_until > now()`,
        (n) => `${n} sharing agreement(s) depend on it`,
      );
      break;
    case 'domains':
      await count('SELECT count(*) AS n FROM metric WHERE domain = $1', (n) => `${n} metric(s) belong to it`);
      await count('SELECT count(*) AS n FROM event_kind WHERE domain = $1', (n) => `${n} event kind(s) belong to it`);
      break;
    case 'opd':
      await count('SELECT count(*) AS n FROM metric WHERE owner_opd = $1', (n) => `it owns ${n} metric(s)`);
      await count('SELECT count(*) AS n FROM event_kind WHERE owner_opd = $1', (n) => `it owns ${n} event kind(s)`);
      await count('SELECT count(*) AS n FROM event_sla WHERE handler_opd = $1', (n) => `it handles ${n} SLA categor(ies)`);
      await count('SELECT count(*) AS n FROM users WHERE opd_code = $1', (n) => `${n} user account(s) belong to it`);
      await count('SELECT count(*) AS n FROM ingest_key WHERE opd_code = $1', (n) => `${n} ingest key(s) belong to it`);
      break;
  }
  return out;
}
