/**
 * Who may publish which notice, and what a notice's defaults are (pure; table-tested in
 * tests/unit/notice-rules.test.ts). The command center (operators, admins) publishes for any OPD or for itself;
 * an OPD (its head or staff on the agency tablet) publishes, edits and withdraws its own notices only.
 */
import type { Principal } from '../../shared/contract';
import type { NoticeKind, NoticeSeverity } from '../../shared/notices';

export type NoticeDecision = { allow: true; opd: string | null } | { allow: false; reason: string };

/** May `who` publish a notice for `askedOpd` (absent: its own side)? The answer names the OPD recorded. */
export function mayPublish(who: Principal, askedOpd: string | undefined): NoticeDecision {
  switch (who.role) {
    case 'admin':
    case 'operator':
      return { allow: true, opd: askedOpd ?? null };
    case 'agency':
      if (askedOpd !== undefined && askedOpd !== who.opd)
        return { allow: false, reason: `an OPD publishes its own notices only (${who.opd}, not ${askedOpd})` };
      return { allow: true, opd: who.opd };
    case 'wilayah':
      return { allow: false, reason: 'notices are published by OPDs and the command center' };
    case 'public':
      return { allow: false, reason: 'sign in first' };
  }
}

/** May `who` change or withdraw a notice published by `opd` (null: the command center)? */
export function mayChange(who: Principal, opd: string | null): { allow: true } | { allow: false; reason: string } {
  switch (who.role) {
    case 'admin':
    case 'operator':
      return { allow: true };
    case 'agency':
      return opd === who.opd ? { allow: true } : { allow: false, reason: `this notice belongs to ${opd ?? 'the command center'}` };
    case 'wilayah':
      return { allow: false, reason: 'notices are published by OPDs and the command center' };
    case 'public':
      return { allow: false, reason: 'sign in first' };
  }
}

/** The CAP severity a kind gets when the publisher names none. */
export const DEFAULT_SEVERITY: Record<NoticeKind, NoticeSeverity> = {
  flood_warning: 'severe',
  pump_maintenance: 'minor',
  road_closure: 'moderate',
  other: 'minor',
};

/** The longest validity window a notice may have (a standing notice is republished, so it stays current). */
export const MAX_NOTICE_WINDOW_MS = 31 * 86_400_000;

/**
 * Notices one OPD (or the command center, for city-wide ones) may have current at once. The public list shows at
 * most PUBLIC_NOTICES_LIMIT current notices; without a per-OPD cap one OPD's account could crowd every other
 * OPD's flood warning off it. 25 per OPD leaves room for 40 OPDs; no real agency keeps that many standing.
 */
export const MAX_CURRENT_NOTICES_PER_OPD = 25;
/** How many current notices the public list, the feeds and the live snapshot carry. */
export const PUBLIC_NOTICES_LIMIT = 1000;

/** Pure: what is wrong with a validity window at `now` (null: nothing). */
export function windowProblem(validFrom: number, validUntil: number, now: number): string | null {
  if (validUntil <= validFrom) return 'validUntil must be after validFrom';
  if (validUntil <= now) return 'validUntil must be in the future';
  if (validUntil - validFrom > MAX_NOTICE_WINDOW_MS) return 'a notice is valid for at most 31 days';
  return null;
}
