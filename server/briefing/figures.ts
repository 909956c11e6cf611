/**
 * The figures of the weekly briefing for the kepala daerah (issue 19), gathered once and then drawn twice (PDF
 * and page). Every figure comes from a function an API also answers with, so the briefing and the screens
 * cannot disagree:
 *  - the OPD scorecards and ranking: server/scorecard/service.ts (GET /api/v1/scorecard/ranking), as of the end
 *    of the week (or of generation, if earlier);
 *  - complaints received per kecamatan, this week and the one before: db/queries/event-analytics.ts `eventStats`
 *    (GET /api/v1/events/stats, `byRegion`, kelurahan summed to their kecamatan);
 *  - projects late and budget absorption: server/public/projects.ts (GET /api/public/v1/projects);
 *  - alerts and incidents opened in the week, counted here by level, OPD and status.
 */
import type pg from 'pg';
import { z } from 'zod';
import { eventStats } from '../../db/queries/event-analytics';
import { publicProjectRows } from '../../db/queries/projects';
import { rankingRowSchema } from '../../shared/scorecard';
import { publicProjects } from '../public/projects';
import { computeScorecards, rankingOf } from '../scorecard/service';

type Db = Pick<pg.Pool, 'query'>;
const DAY = 86_400_000;

export const briefingFiguresSchema = z.object({
  week: z.string(),
  periodStart: z.number().int(),
  periodEnd: z.number().int(),
  asOf: z.number().int(),
  alerts: z.object({
    total: z.number().int(),
    byLevel: z.object({ siaga: z.number().int(), awas: z.number().int() }),
    unacknowledged: z.number().int(),
    byDay: z.array(z.object({ day: z.number().int(), n: z.number().int() })),
    topMetrics: z.array(z.object({ metric: z.string(), name: z.string(), n: z.number().int() })),
  }),
  incidents: z.object({
    opened: z.number().int(),
    closed: z.number().int(),
    openNow: z.number().int(),
    byOpd: z.array(z.object({ opd: z.string(), opened: z.number().int(), closed: z.number().int() })),
  }),
  ranking: z.array(rankingRowSchema),
  complaints: z.object({
    kind: z.string(),
    received: z.number().int(),
    receivedPrevious: z.number().int(),
    byKecamatan: z.array(z.object({ code: z.string(), name: z.string(), received: z.number().int(), previous: z.number().int() })),
    byDay: z.array(z.object({ day: z.number().int(), received: z.number().int(), closed: z.number().int() })),
  }),
  projects: z.object({
    total: z.number().int(),
    late: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        opd: z.string(),
        progress: z.number().nullable(),
        plan: z.number().nullable(),
        absorbedShare: z.number().nullable(),
      }),
    ),
    contractValue: z.number(),
    budgetAbsorbed: z.number(),
    absorbedShare: z.number().nullable(),
    byOpd: z.array(z.object({ opd: z.string(), base: z.number(), absorbed: z.number(), share: z.number().nullable() })),
  }),
});
export type BriefingFigures = z.infer<typeof briefingFiguresSchema>;

/** The complaint kinds the briefing reports: the first event kind of the complaints domain (the demo's `complaint`). */
async function complaintKind(db: Db): Promise<string | null> {
  const { rows } = await db.query<{ code: string }>(`SELECT code FROM event_kind WHERE domain = 'complaints' ORDER BY code LIMIT 1`);
  return rows[0]?.code ?? null;
}

export async function gatherFigures(db: Db, week: { week: string; start: number; end: number }, now: number): Promise<BriefingFigures> {
  const asOf = Math.min(now, week.end);
  const { start, end } = week;
  const kind = await complaintKind(db);
  const [cards, alertRows, alertDays, alertMetrics, incidents, openIncidents, projectRows, cur, prev, regions] = await Promise.all([
    computeScorecards(db, asOf),
    db.query<{ level: 'siaga' | 'awas'; n: number; unack: number }>(
      `SELECT level, count(*)::int AS n, count(*) FILTER (WHERE acknowledged_at IS NULL)::int AS unack
         FROM alert WHERE opened_at >= to_timestamp($1 / 1000.0) AND opened_at < to_timestamp($2 / 1000.0) GROUP BY level`,
      [start, end],
    ),
    db.query<{ day: number; n: number }>(
      `SELECT floor((extract(epoch FROM opened_at) * 1000 - $1) / ${DAY})::int AS day, count(*)::int AS n
         FROM alert WHERE opened_at >= to_timestamp($1 / 1000.0) AND opened_at < to_timestamp($2 / 1000.0) GROUP BY 1 ORDER BY 1`,
      [start, end],
    ),
    db.query<{ metric: string; name: string; n: number }>(
      `SELECT a.metric, m.name_id AS name, count(*)::int AS n FROM alert a JOIN metric m ON m.code = a.metric
        WHERE a.opened_at >= to_timestamp($1 / 1000.0) AND a.opened_at < to_timestamp($2 / 1000.0)
        GROUP BY a.metric, m.name_id ORDER BY n DESC, a.metric LIMIT 5`,
      [start, end],
    ),
    db.query<{ opd: string; opened: number; closed: number }>(
      `SELECT handling_opd AS opd,
              count(*) FILTER (WHERE created_at >= to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0))::int AS opened,
              count(*) FILTER (WHERE closed_at >= to_timestamp($1 / 1000.0) AND closed_at < to_timestamp($2 / 1000.0))::int AS closed
         FROM incident WHERE merged_into IS NULL
          AND ((created_at >= to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0))
            OR (closed_at >= to_timestamp($1 / 1000.0) AND closed_at < to_timestamp($2 / 1000.0)))
        GROUP BY handling_opd ORDER BY handling_opd`,
      [start, end],
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM incident WHERE merged_into IS NULL AND created_at < to_timestamp($1 / 1000.0)
          AND (closed_at IS NULL OR closed_at >= to_timestamp($1 / 1000.0))`,
      [asOf],
    ),
    publicProjectRows(db),
    kind ? eventStats(db, { kind, from: start, to: end, bucketMs: DAY, now: asOf, overdueLimit: 0 }) : null,
    kind ? eventStats(db, { kind, from: start - 7 * DAY, to: start, bucketMs: 7 * DAY, now: asOf, overdueLimit: 0 }) : null,
    db.query<{ code: string; name: string; parent: string | null; level: string }>(`SELECT code, name, parent_code AS parent, level FROM region`),
  ]);

  // kelurahan → kecamatan
  const region = new Map(regions.rows.map((r) => [r.code, r]));
  const kecamatanOf = (code: string | null): string | null => {
    let r = code ? region.get(code) : undefined;
    while (r && r.level !== 'kecamatan') r = r.parent ? region.get(r.parent) : undefined;
    return r?.code ?? null;
  };
  const kec = new Map<string, { received: number; previous: number }>();
  const add = (code: string | null, field: 'received' | 'previous', n: number) => {
    const k = kecamatanOf(code) ?? '';
    if (!kec.has(k)) kec.set(k, { received: 0, previous: 0 });
    kec.get(k)![field] += n;
  };
  for (const r of cur?.byRegion ?? []) add(r.region, 'received', r.received);
  for (const r of prev?.byRegion ?? []) add(r.region, 'previous', r.received);
  const byKecamatan = [...kec.entries()]
    .map(([code, v]) => ({ code, name: code ? (region.get(code)?.name ?? code) : 'Tanpa wilayah', ...v }))
    .sort((a, b) => b.received - a.received || a.code.localeCompare(b.code));
  const byDayMap = new Map<number, { received: number; closed: number }>();
  for (let d = 0; d < Math.round((end - start) / DAY); d++) byDayMap.set(d, { received: 0, closed: 0 });
  for (const r of cur?.byCategory ?? []) {
    const d = Math.round((r.t - start) / DAY);
    const row = byDayMap.get(d);
    if (row) {
      row.received += r.received;
      row.closed += r.closed;
    }
  }

  const levels = { siaga: 0, awas: 0 };
  let unack = 0;
  for (const r of alertRows.rows) {
    levels[r.level] += r.n;
    unack += r.unack;
  }

  const projects = publicProjects(projectRows, asOf).projects;
  const byOpd = new Map<string, { base: number; absorbed: number }>();
  let contractValue = 0;
  let absorbed = 0;
  for (const p of projects) {
    const base = p.budget ?? p.contractValue;
    contractValue += base;
    absorbed += p.budgetAbsorbed ?? 0;
    const o = byOpd.get(p.opd) ?? { base: 0, absorbed: 0 };
    o.base += base;
    o.absorbed += p.budgetAbsorbed ?? 0;
    byOpd.set(p.opd, o);
  }

  return {
    week: week.week,
    periodStart: start,
    periodEnd: end,
    asOf,
    alerts: {
      total: levels.siaga + levels.awas,
      byLevel: levels,
      unacknowledged: unack,
      byDay: alertDays.rows,
      topMetrics: alertMetrics.rows,
    },
    incidents: {
      opened: incidents.rows.reduce((s, r) => s + r.opened, 0),
      closed: incidents.rows.reduce((s, r) => s + r.closed, 0),
      openNow: openIncidents.rows[0]?.n ?? 0,
      byOpd: incidents.rows,
    },
    ranking: rankingOf(cards),
    complaints: {
      kind: kind ?? '',
      received: byKecamatan.reduce((s, r) => s + r.received, 0),
      receivedPrevious: byKecamatan.reduce((s, r) => s + r.previous, 0),
      byKecamatan,
      byDay: [...byDayMap.entries()].map(([day, v]) => ({ day, ...v })),
    },
    projects: {
      total: projects.length,
      late: projects
        .filter((p) => p.late)
        .map((p) => ({ id: p.id, name: p.name, opd: p.opd, progress: p.progress, plan: p.plan, absorbedShare: p.absorbedShare }))
        .sort((a, b) => (b.plan ?? 0) - (b.progress ?? 0) - ((a.plan ?? 0) - (a.progress ?? 0)) || a.id.localeCompare(b.id)),
      contractValue,
      budgetAbsorbed: absorbed,
      absorbedShare: contractValue > 0 ? Math.round((absorbed / contractValue) * 1000) / 1000 : null,
      byOpd: [...byOpd.entries()]
        .map(([opd, v]) => ({ opd, ...v, share: v.base > 0 ? Math.round((v.absorbed / v.base) * 1000) / 1000 : null }))
        .sort((a, b) => a.opd.localeCompare(b.opd)),
    },
  };
}
