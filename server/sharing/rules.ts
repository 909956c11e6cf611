/**
 * The rules of sharing on request (issue 19), pure and table-tested (tests/unit/sharing-rules.test.ts): what an
 * owner's decision may narrow, an agreement's status, when the expiry reminder is due, who may act on what,
 * and the needs-and-availability matrix.
 */
import type { DataClass } from '../../shared/catalog';
import type { Principal } from '../../shared/contract';
import {
  EXPIRY_REMINDER_MS,
  MAX_AGREEMENT_MS,
  REGION_LEVELS,
  type AgreementStatus,
  type ItemType,
  type MatrixState,
  type RegionLevel,
  type SharingDecision,
  type SharingMatrix,
} from '../../shared/sharing';

/** Whether `to` is as coarse as `from` or coarser (kelurahan → kecamatan → kota). */
export const isCoarserOrEqual = (to: RegionLevel, from: RegionLevel): boolean => REGION_LEVELS.indexOf(to) >= REGION_LEVELS.indexOf(from);

export type Judged =
  | { kind: 'approve'; validUntil: number; regionLevel: RegionLevel; note: string | null }
  | { kind: 'refuse'; note: string }
  | { kind: 'invalid'; reason: string };

/**
 * What an owner's decision on a request makes: an approval may only narrow (an end date no later than asked,
 * a region detail no finer than asked); the end date must lie ahead and within the longest term.
 */
export function judgeDecision(asked: { validUntil: number; regionLevel: RegionLevel }, d: SharingDecision, now: number): Judged {
  if (d.decision === 'refuse') return { kind: 'refuse', note: d.note };
  const validUntil = d.validUntil ?? asked.validUntil;
  const regionLevel = d.regionLevel ?? asked.regionLevel;
  if (validUntil > asked.validUntil) return { kind: 'invalid', reason: 'an approval may shorten the end date asked for, not extend it' };
  if (!isCoarserOrEqual(regionLevel, asked.regionLevel))
    return { kind: 'invalid', reason: `an approval may make the region detail coarser than '${asked.regionLevel}', not finer` };
  const term = checkEndDate(validUntil, now);
  if (term) return { kind: 'invalid', reason: term };
  return { kind: 'approve', validUntil, regionLevel, note: d.note ?? null };
}

/** Why an end date cannot be used now, or null. */
export function checkEndDate(validUntil: number, now: number): string | null {
  if (validUntil <= now) return 'the end date has passed';
  if (validUntil - now > MAX_AGREEMENT_MS) return 'an agreement runs two years at most; ask again to renew it';
  return null;
}

export interface AgreementState {
  validFrom: number;
  validUntil: number;
  revokedAt: number | null;
  suspendedAt: number | null;
}

export function agreementStatus(a: AgreementState, now: number): AgreementStatus {
  if (a.revokedAt !== null) return 'revoked';
  if (a.validUntil <= now) return 'expired';
  if (a.suspendedAt !== null) return 'suspended';
  return a.validUntil - now <= EXPIRY_REMINDER_MS ? 'expiring' : 'active';
}

/** The reminder of an agreement's end is due: it ends within 14 days and none was sent for this end date. */
export function reminderDue(a: AgreementState & { remindedUntil: number | null }, now: number): boolean {
  const s = agreementStatus(a, now);
  return (s === 'expiring' || (s === 'suspended' && a.validUntil - now <= EXPIRY_REMINDER_MS)) && a.remindedUntil !== a.validUntil;
}

/** The side of an agreement or request the caller is on. */
export type Side = 'owner' | 'grantee' | 'admin' | 'none';
export function sideOf(who: Principal, x: { ownerOpd: string; granteeOpd: string }): Side {
  if (who.role === 'admin') return 'admin';
  if (who.role !== 'agency') return 'none';
  if (who.opd === x.ownerOpd) return 'owner';
  if (who.opd === x.granteeOpd) return 'grantee';
  return 'none';
}

/** Who sees the needs-and-availability matrix: admins and the planning board (Bappeda). */
export const maySeeMatrix = (who: Principal, planningOpd: string): boolean =>
  who.role === 'admin' || (who.role === 'agency' && who.opd === planningOpd);

export interface MatrixItem {
  itemType: ItemType;
  code: string;
  ownerOpd: string;
  class: DataClass;
}

/**
 * The needs-and-availability matrix: for every item its class and open requests, and the OPD × item pairs an
 * agreement in force, a suspended one or an open request concerns (own and publik follow from the item).
 * A pair with an agreement in force is 'shared' even if a request is open too (a renewal).
 */
export function buildMatrix(
  opd: readonly { code: string; name: string }[],
  items: readonly MatrixItem[],
  agreements: readonly {
    id: number;
    granteeOpd: string;
    itemType: ItemType;
    itemCode: string;
    validFrom: number;
    validUntil: number;
    revokedAt: number | null;
    suspendedAt: number | null;
  }[],
  openRequests: readonly { requesterOpd: string; itemType: ItemType; itemCode: string }[],
  now: number,
): SharingMatrix {
  const key = (o: string, t: ItemType, c: string) => `${o}\u0000${t}\u0000${c}`;
  const cells = new Map<string, SharingMatrix['cells'][number]>();
  const cell = (o: string, t: ItemType, c: string) => {
    const k = key(o, t, c);
    let x = cells.get(k);
    if (!x) cells.set(k, (x = { opd: o, itemType: t, itemCode: c, state: 'requested' as MatrixState, agreements: [], openRequests: 0 }));
    return x;
  };
  for (const a of agreements) {
    const s = agreementStatus(a, now);
    if (s === 'expired' || s === 'revoked' || a.validFrom > now) continue;
    const x = cell(a.granteeOpd, a.itemType, a.itemCode);
    x.agreements.push(a.id);
    if (s === 'suspended') {
      if (x.state !== 'shared') x.state = 'suspended';
    } else x.state = 'shared';
  }
  const perItem = new Map<string, number>();
  for (const r of openRequests) {
    cell(r.requesterOpd, r.itemType, r.itemCode).openRequests++;
    const ik = `${r.itemType}\u0000${r.itemCode}`;
    perItem.set(ik, (perItem.get(ik) ?? 0) + 1);
  }
  const byCell = (a: SharingMatrix['cells'][number], b: SharingMatrix['cells'][number]) =>
    a.opd.localeCompare(b.opd) || a.itemType.localeCompare(b.itemType) || a.itemCode.localeCompare(b.itemCode);
  return {
    opd: opd.map((o) => ({ code: o.code, name: o.name })),
    items: items.map((i) => ({ ...i, openRequests: perItem.get(`${i.itemType}\u0000${i.code}`) ?? 0 })),
    cells: [...cells.values()].sort(byCell),
  };
}
