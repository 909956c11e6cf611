/**
 * The access rule: one pure function (who, what, purpose → allow/deny with a reason), used by every REST
 * route and every socket subscription. Table-tested in tests/unit/access-policy.test.ts.
 *
 * - public (anonymous): publik only;
 * - operator and admin (the command center): publik and terbatas of every OPD, never rahasia;
 * - agency: everything of its own OPD, publik of the others, and terbatas of another OPD only through a
 *   data-sharing agreement in force, for the agreement's purpose (purpose limitation);
 * - wilayah (camat, lurah/kades; issue 17): publik of the whole kota, and terbatas of the items the catalog
 *   opens to territorial roles (`territorial`) located in their territory only (`territory` in the answer:
 *   every read path keeps the series and events whose region code lies within it, `withinTerritory`);
 *   never rahasia, never another terbatas item.
 */
import type { DataClass } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import type { Agreement, RegionLevel } from '../../shared/sharing';

export interface Classified {
  code: string;
  ownerOpd: string;
  class: DataClass;
  /** Opened to territorial roles (catalog `territorial`); absent: false. */
  territorial?: boolean;
}

export type { Agreement };

export interface AccessContext {
  /** The purpose the request states (`purpose` parameter); needed to use a sharing agreement. */
  purpose?: string | undefined;
  agreements: readonly Agreement[];
  now: number;
  itemType?: 'metric' | 'event_kind';
}

export type Decision =
  | {
      allow: true;
      via?: { agreement: number; purpose: string; regionLevel?: RegionLevel };
      /** Only the data located in this region (a Kemendagri code prefix) may be read: a territorial role's reach. */
      territory?: string;
    }
  | { allow: false; reason: string };

/**
 * Whether a region code lies within a territory (itself or below it: `33.74.01.1001` is within `33.74.01`).
 * Data without a region is within no territory. Pure.
 */
export const withinTerritory = (region: string | null | undefined, territory: string): boolean =>
  !!region && (region === territory || region.startsWith(`${territory}.`));

/** The region restriction a decision carries, applied to rows that have a region (pure; identity without one). */
export function inTerritory<T extends { region?: string | null }>(rows: readonly T[], d: Decision): T[] {
  if (!d.allow || d.territory === undefined) return [...rows];
  const t = d.territory;
  return rows.filter((r) => withinTerritory(r.region, t));
}

const ALLOW: Decision = { allow: true };

export function canRead(who: Principal, what: Classified, ctx: AccessContext): Decision {
  switch (who.role) {
    case 'public':
      return what.class === 'publik' ? ALLOW : { allow: false, reason: `${what.code} is ${what.class}; the public view shows publik data only` };
    case 'admin':
    case 'operator':
      return what.class === 'rahasia' ? { allow: false, reason: `${what.code} is rahasia; only its owner ${what.ownerOpd} may read it` } : ALLOW;
    case 'agency': {
      if (what.ownerOpd === who.opd || what.class === 'publik') return ALLOW;
      if (what.class === 'rahasia') return { allow: false, reason: `${what.code} is rahasia; only its owner ${what.ownerOpd} may read it` };
      const current = ctx.agreements.filter(
        (a) =>
          a.granteeOpd === who.opd &&
          a.ownerOpd === what.ownerOpd &&
          a.itemCode === what.code &&
          (ctx.itemType === undefined || a.itemType === ctx.itemType) &&
          a.validFrom <= ctx.now &&
          ctx.now < a.validUntil,
      );
      const inForce = current.filter((a) => !a.suspended);
      if (inForce.length === 0) {
        // a dispute suspends an agreement: the reader is told, so it is not taken for an outage
        const suspended = current.find((a) => a.suspended && (!ctx.purpose || a.purpose === ctx.purpose));
        if (suspended)
          return { allow: false, reason: `the agreement (${suspended.id}) sharing ${what.code} with ${who.opd} is suspended by a dispute` };
        return { allow: false, reason: `${what.code} is terbatas data of ${what.ownerOpd}, not shared with ${who.opd}` };
      }
      if (!ctx.purpose) {
        return {
          allow: false,
          reason: `${what.code} is shared with ${who.opd} only for a stated purpose (${inForce.map((a) => a.purpose).join(', ')}); give it as 'purpose'`,
        };
      }
      const match = inForce.find((a) => a.purpose === ctx.purpose);
      if (!match)
        return {
          allow: false,
          reason: `${what.code} is shared with ${who.opd} for ${inForce.map((a) => a.purpose).join(', ')}, not for '${ctx.purpose}'`,
        };
      return { allow: true, via: { agreement: match.id, purpose: match.purpose, ...(match.regionLevel ? { regionLevel: match.regionLevel } : {}) } };
    }
    case 'wilayah':
      if (what.class === 'publik') return ALLOW;
      if (what.class === 'rahasia') return { allow: false, reason: `${what.code} is rahasia; only its owner ${what.ownerOpd} may read it` };
      if (!what.territorial) return { allow: false, reason: `${what.code} is terbatas data of ${what.ownerOpd}, not opened to territorial roles` };
      return { allow: true, territory: who.region };
  }
}

/** A thing that carries a class of its own beside its metric's (a registered project, migration 011). */
export interface ClassifiedEntity {
  id: string;
  class: DataClass;
  /** The OPD that classified it (reads it when it is rahasia). */
  ownerOpd: string;
}

const RANK: Record<DataClass, number> = { publik: 0, terbatas: 1, rahasia: 2 };

/** The stricter of two classes. */
export const stricterClass = (a: DataClass, b: DataClass): DataClass => (RANK[a] >= RANK[b] ? a : b);

/**
 * What a series (a metric's readings of one entity) is, for the access rule: the stricter of the metric's and
 * the entity's class, owned by the entity's OPD when the entity raised the class. Every read of series, events
 * of an entity and figures derived from them asks `canRead` about this item, never about the bare metric, so a
 * project registered as rahasia is rahasia in every metric it has readings of (same rule as the SQL view
 * `series_class`, migration 013).
 */
export function seriesItem(metric: Classified, entity: ClassifiedEntity | undefined): Classified {
  if (!entity || RANK[entity.class] <= RANK[metric.class]) return metric;
  return { code: metric.code, ownerOpd: entity.ownerOpd, class: entity.class };
}

/**
 * The classified entity an event belongs to: events about a project have ids `<project id>` or
 * `<project id>-<suffix>` (e.g. milestone `PRJ-7-M50`; also `:`, `/` or `.` as the separator). The longest
 * registered id that matches wins.
 */
export function entityOfEvent(eventId: string, entities: ReadonlyMap<string, ClassifiedEntity>): ClassifiedEntity | undefined {
  let best: ClassifiedEntity | undefined;
  const direct = entities.get(eventId);
  if (direct) return direct;
  for (let i = eventId.length - 1; i > 0; i--) {
    const c = eventId[i];
    if (c !== '-' && c !== ':' && c !== '/' && c !== '.') continue;
    const e = entities.get(eventId.slice(0, i));
    if (e) {
      best = e;
      break;
    }
  }
  return best;
}

/**
 * For filtering a kind's events in SQL (the rewind's counts) exactly as `entityOfEvent` + the access rule would
 * one by one: the classified entities whose events the caller may not read, plus the readable ones that extend
 * such an id (their longer match wins). Null when nothing is hidden (no filter needed). Pure.
 */
export function eventEntityRule(
  entities: readonly ClassifiedEntity[],
  mayRead: (e: ClassifiedEntity) => boolean,
): { ids: string[]; allowed: boolean[] } | null {
  const denied = entities.filter((e) => !mayRead(e)).map((e) => e.id);
  if (!denied.length) return null;
  const extends_ = (id: string, d: string) => id.length > d.length && id.startsWith(d) && '-:/.'.includes(id[d.length]!);
  const overriding = entities.filter((e) => mayRead(e) && denied.some((d) => extends_(e.id, d))).map((e) => e.id);
  return { ids: [...denied, ...overriding], allowed: [...denied.map(() => false), ...overriding.map(() => true)] };
}

/** Ingest keys write only what their own OPD owns, and only the kinds of records their scopes allow. */
export function canWrite(opd: string, what: Classified, scopes: readonly string[] = ['points', 'events'], scope?: 'points' | 'events'): Decision {
  if (scope && !scopes.includes(scope)) return { allow: false, reason: `this key may not write ${scope} (its scopes: ${scopes.join(', ')})` };
  return what.ownerOpd === opd ? ALLOW : { allow: false, reason: `${what.code} belongs to ${what.ownerOpd}, not to ${opd}` };
}

/**
 * Records refused before they were mapped (quarantine) have no class of their own: whoever reads them raw must
 * be allowed to read everything their OPD owns outright (no agreement), else a rahasia reading could be read
 * from its refused twin.
 */
export function rawRecordsReadable(who: Principal, ownerOpd: string, items: readonly Classified[]): boolean {
  return items.filter((i) => i.ownerOpd === ownerOpd).every((i) => canRead(who, i, { agreements: [], now: 0 }).allow);
}
