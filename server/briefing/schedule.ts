/**
 * When the weekly briefing is due, and which week it covers: pure, the clock passed in.
 *
 * The schedule is five-field cron (minute hour day-of-month month day-of-week; `*`, lists, ranges, steps;
 * day-of-week 0–7 with 0 and 7 Sunday) read in city time (minutes east of UTC). Day-of-month and day-of-week
 * restrict together only when both are given, as in Vixie cron.
 */
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

export interface CronSpec {
  text: string;
  minute: ReadonlySet<number>;
  hour: ReadonlySet<number>;
  dom: ReadonlySet<number>;
  month: ReadonlySet<number>;
  dow: ReadonlySet<number>;
  domAny: boolean;
  dowAny: boolean;
}

function field(text: string, lo: number, hi: number, name: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`${name}: '${part}' is not a number, range, list or step`);
    const step = m[4] ? Number(m[4]) : 1;
    const a = m[1] === '*' ? lo : Number(m[2]);
    const b = m[1] === '*' ? hi : m[3] ? Number(m[3]) : m[4] ? hi : a;
    if (step < 1 || a < lo || b > hi || a > b) throw new Error(`${name}: '${part}' outside ${lo}-${hi}`);
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

/** Parses a five-field cron line; throws with the field at fault. */
export function parseCron(text: string): CronSpec {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`'${text}': five fields (minute hour day-of-month month day-of-week), e.g. '0 7 * * 1'`);
  const dow = field(parts[4]!, 0, 7, 'day-of-week');
  if (dow.has(7)) dow.add(0);
  return {
    text: parts.join(' '),
    minute: field(parts[0]!, 0, 59, 'minute'),
    hour: field(parts[1]!, 0, 23, 'hour'),
    dom: field(parts[2]!, 1, 31, 'day-of-month'),
    month: field(parts[3]!, 1, 12, 'month'),
    dow,
    domAny: parts[2] === '*',
    dowAny: parts[4] === '*',
  };
}

function matches(spec: CronSpec, local: Date): boolean {
  if (!spec.minute.has(local.getUTCMinutes()) || !spec.hour.has(local.getUTCHours()) || !spec.month.has(local.getUTCMonth() + 1)) return false;
  const dom = spec.dom.has(local.getUTCDate());
  const dow = spec.dow.has(local.getUTCDay());
  if (spec.domAny && spec.dowAny) return true;
  if (spec.domAny) return dow;
  if (spec.dowAny) return dom;
  return dom || dow;
}

/** The first scheduled minute strictly after `after` (epoch ms), the schedule read at `offsetMin` east of UTC. */
export function nextRun(spec: CronSpec, after: number, offsetMin: number): number {
  const off = offsetMin * MIN;
  let t = Math.floor((after + off) / MIN) * MIN + MIN; // local minutes, as if UTC
  const limit = t + 366 * 4 * DAY;
  while (t < limit) {
    const d = new Date(t);
    if (!spec.month.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    if (matches(spec, d)) return t - off;
    if (!spec.hour.has(d.getUTCHours())) t = Math.floor(t / (60 * MIN)) * 60 * MIN + 60 * MIN;
    else t += MIN;
  }
  throw new Error(`'${spec.text}' never runs`);
}

/** The ISO week ('YYYY-Www') that contains `t` in city time. */
export function isoWeekOf(t: number, offsetMin: number): string {
  const d = new Date(t + offsetMin * MIN);
  const day = (d.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
  const year = thursday.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week1Monday = Date.UTC(year, 0, 4 - ((jan4.getUTCDay() + 6) % 7));
  const week = Math.floor((thursday.getTime() - week1Monday) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

/** [start, end) epoch ms of an ISO week: Monday 00:00 to the next Monday 00:00, city time; null for a week that does not exist. */
export function weekRange(week: string, offsetMin: number): { start: number; end: number } | null {
  const m = WEEK_PATTERN.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const w = Number(m[2]);
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week1Monday = Date.UTC(year, 0, 4 - ((jan4.getUTCDay() + 6) % 7));
  const start = week1Monday + (w - 1) * 7 * DAY;
  if (w < 1 || isoWeekOf(start, 0) !== week) return null;
  return { start: start - offsetMin * MIN, end: start + 7 * DAY - offsetMin * MIN };
}

/** The week a briefing made at `now` reports on: the last complete week (made on Monday morning, the week just ended). */
export function reportWeek(now: number, offsetMin: number): string {
  return isoWeekOf(now - 7 * DAY, offsetMin);
}
