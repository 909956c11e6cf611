/**
 * The access rule: one pure function, used by every REST route and socket subscription.
 * Data-sharing agreements and purposes arrive with the access issue; the seam is here.
 */
import type { DataClass } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';

export interface Classified {
  code: string;
  ownerOpd: string;
  class: DataClass;
}

export type Decision = { allow: true } | { allow: false; reason: string };

const ALLOW: Decision = { allow: true };

export function canRead(who: Principal, what: Classified): Decision {
  switch (who.role) {
    case 'public':
      return what.class === 'publik' ? ALLOW : { allow: false, reason: `${what.code} is ${what.class}; the public view shows publik data only` };
    case 'admin':
    case 'operator':
      return what.class === 'rahasia'
        ? { allow: false, reason: `${what.code} is rahasia; only its owner ${what.ownerOpd} may read it` }
        : ALLOW;
    case 'agency':
      if (what.ownerOpd === who.opd || what.class === 'publik') return ALLOW;
      return { allow: false, reason: `${what.code} is ${what.class} data of ${what.ownerOpd}, not shared with ${who.opd}` };
  }
}

/** Ingest keys write only the metrics and event kinds their own OPD owns. */
export function canWrite(opd: string, what: Classified): Decision {
  return what.ownerOpd === opd ? ALLOW : { allow: false, reason: `${what.code} belongs to ${what.ownerOpd}, not to ${opd}` };
}
