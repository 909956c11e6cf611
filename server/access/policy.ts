/**
 * The access rule: one pure function (who, what, purpose → allow/deny with a reason), used by every REST
 * route and every socket subscription. Table-tested in tests/unit/access-policy.test.ts.
 *
 * - public (anonymous): publik only;
 * - operator and admin (the command center): publik and terbatas of every OPD, never rahasia;
 * - agency: everything of its own OPD, publik of the others, and terbatas of another OPD only through a
 *   data-sharing agreement in force, for the agreement's purpose (purpose limitation).
 */
import type { DataClass } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import type { Agreement } from '../../shared/sharing';

export interface Classified {
  code: string;
  ownerOpd: string;
  class: DataClass;
}

export type { Agreement };

export interface AccessContext {
  /** The purpose the request states (`purpose` parameter); needed to use a sharing agreement. */
  purpose?: string | undefined;
  agreements: readonly Agreement[];
  now: number;
  itemType?: 'metric' | 'event_kind';
}

export type Decision = { allow: true; via?: { agreement: number; purpose: string } } | { allow: false; reason: string };

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
      const inForce = ctx.agreements.filter(
        (a) =>
          a.granteeOpd === who.opd &&
          a.ownerOpd === what.ownerOpd &&
          a.itemCode === what.code &&
          (ctx.itemType === undefined || a.itemType === ctx.itemType) &&
          a.validFrom <= ctx.now &&
          ctx.now < a.validUntil,
      );
      if (inForce.length === 0) return { allow: false, reason: `${what.code} is terbatas data of ${what.ownerOpd}, not shared with ${who.opd}` };
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
      return { allow: true, via: { agreement: match.id, purpose: match.purpose } };
    }
  }
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
