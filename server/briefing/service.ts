/**
 * The weekly briefing (issue 19): gathers the week's figures, draws the PDF and the page, archives all three
 * in one row per ISO week (table `briefing`, migration 085; generating a week again replaces it), audits the
 * generation and queues a link to the notification routes (the command center's supervisor and sekda, every
 * OPD's head) in the same transaction.
 *
 * The schedule (BRIEFING_SCHEDULE, Monday 07:00 city time by default) runs in the leader only
 * (`leader.run('weekly-briefing', …)` in server/app.ts); a scheduled run skips a week already archived, so a
 * leader hand-over just after a run does not make it twice, and the notification's dedupe key holds a week's
 * message to one per route whatever happens.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { appendAudit } from '../../db/queries/audit';
import { inTransaction } from '../../db/transaction';
import { enqueue, type NotificationFact, type OutboxSettings } from '../notifications/outbox';
import { gatherFigures, type BriefingFigures } from './figures';
import { renderHtml, renderPdf } from './render';
import { nextRun, reportWeek, weekRange, type CronSpec } from './schedule';

export interface BriefingSummary {
  id: number;
  week: string;
  periodStart: number;
  periodEnd: number;
  generatedAt: number;
  generatedBy: string;
  durationMs: number;
}

export type GenerateResult =
  | { kind: 'generated'; briefing: BriefingSummary; figures: BriefingFigures; pdfBytes: number; queued: number }
  | { kind: 'exists'; week: string }
  | { kind: 'bad_week'; week: string };

export interface BriefingService {
  /** Makes (or remakes) the briefing of an ISO week; `ifMissing`: leave an archived week alone (the schedule). */
  generate(opts: { week?: string; actor: string; ifMissing?: boolean }): Promise<GenerateResult>;
  list(limit: number): Promise<BriefingSummary[]>;
  get(week: string, part: 'pdf' | 'html' | 'figures'): Promise<Buffer | string | BriefingFigures | null>;
  /** The leader job: generates at each scheduled time until the returned stop is called. */
  startSchedule(spec: CronSpec): () => void;
}

export interface BriefingDeps {
  pool: pg.Pool;
  clock: () => number;
  log: Logger;
  utcOffsetMin: number;
  outbox: OutboxSettings & { linkBase: string };
}

const SUMMARY = `id::int AS id, week, (extract(epoch FROM period_start) * 1000)::float8 AS "periodStart", (extract(epoch FROM period_end) * 1000)::float8 AS "periodEnd",
  (extract(epoch FROM generated_at) * 1000)::float8 AS "generatedAt", generated_by AS "generatedBy", duration_ms AS "durationMs"`;

const toSummary = (r: BriefingSummary): BriefingSummary => ({
  ...r,
  periodStart: Math.round(r.periodStart),
  periodEnd: Math.round(r.periodEnd),
  generatedAt: Math.round(r.generatedAt),
});

/** The link in the message: the tablet's briefing view, which fetches the archive with the reader's session. */
export const briefingLink = (base: string, week: string) => `${base}/agency#laporan/${week}`;

function briefingFacts(f: BriefingFigures, opds: readonly string[], linkBase: string): NotificationFact[] {
  const link = briefingLink(linkBase, f.week);
  const subject = `Laporan mingguan ${f.week} tersedia`;
  const text = `Laporan mingguan kepala daerah ${f.week}: ${f.alerts.total} peringatan, ${f.incidents.opened} insiden, ${f.complaints.received} aduan, ${f.projects.late.length} proyek terlambat.\n${link}`;
  const payload = { type: 'briefing.generated', week: f.week, periodStart: f.periodStart, periodEnd: f.periodEnd, link };
  return [
    { key: `briefing:${f.week}`, opd: null, roles: ['supervisor', 'sekda'], severity: 'waspada', subject, text, payload },
    ...opds.map((opd): NotificationFact => ({ key: `briefing:${f.week}:${opd}`, opd, roles: ['head'], severity: 'waspada', subject, text, payload })),
  ];
}

export function createBriefingService(deps: BriefingDeps): BriefingService {
  const { pool, clock, log, utcOffsetMin } = deps;

  async function generate(opts: { week?: string; actor: string; ifMissing?: boolean }): Promise<GenerateResult> {
    const began = performance.now();
    const now = clock();
    const week = opts.week ?? reportWeek(now, utcOffsetMin);
    const range = weekRange(week, utcOffsetMin);
    if (!range) return { kind: 'bad_week', week };
    if (opts.ifMissing) {
      const { rowCount } = await pool.query(`SELECT 1 FROM briefing WHERE week = $1`, [week]);
      if (rowCount) return { kind: 'exists', week };
    }
    const figures = await gatherFigures(pool, { week, ...range }, now);
    const html = renderHtml(figures, utcOffsetMin);
    const pdf = await renderPdf(figures, utcOffsetMin, now);
    const durationMs = Math.round(performance.now() - began);
    const { summary, queued } = await inTransaction(pool, async (c) => {
      const { rows } = await c.query<BriefingSummary>(
        `INSERT INTO briefing (week, period_start, period_end, generated_at, generated_by, figures, html, pdf, duration_ms)
         VALUES ($1, to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), $5, $6, $7, $8, $9)
         ON CONFLICT (week) DO UPDATE SET period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end, generated_at = EXCLUDED.generated_at,
           generated_by = EXCLUDED.generated_by, figures = EXCLUDED.figures, html = EXCLUDED.html, pdf = EXCLUDED.pdf, duration_ms = EXCLUDED.duration_ms
         RETURNING ${SUMMARY}`,
        [week, range.start, range.end, now, opts.actor, JSON.stringify(figures), html, pdf, durationMs],
      );
      await appendAudit(
        c,
        [
          {
            actor: opts.actor,
            action: 'briefing.generated',
            target: `briefing:${week}`,
            detail: { week, pdfBytes: pdf.length, durationMs },
            source: null,
          },
        ],
        now,
      );
      const opds = (await c.query<{ code: string }>(`SELECT code FROM opd ORDER BY code`)).rows.map((r) => r.code);
      const queued = await enqueue(c, briefingFacts(figures, opds, deps.outbox.linkBase), now, deps.outbox);
      return { summary: toSummary(rows[0]!), queued };
    });
    log.info({ week, durationMs, pdfBytes: pdf.length, queued }, 'weekly briefing generated');
    return { kind: 'generated', briefing: summary, figures, pdfBytes: pdf.length, queued };
  }

  return {
    generate,
    async list(limit) {
      const { rows } = await pool.query<BriefingSummary>(`SELECT ${SUMMARY} FROM briefing ORDER BY period_start DESC LIMIT $1`, [limit]);
      return rows.map(toSummary);
    },
    async get(week, part) {
      const col = part === 'pdf' ? 'pdf' : part === 'html' ? 'html' : 'figures';
      const { rows } = await pool.query(`SELECT ${col} AS v FROM briefing WHERE week = $1`, [week]);
      return rows[0]?.v ?? null;
    },
    startSchedule(spec) {
      let timer: NodeJS.Timeout | null = null;
      let stopped = false;
      const arm = () => {
        if (stopped) return;
        const now = clock();
        const at = nextRun(spec, now, utcOffsetMin);
        // long waits are chained: setTimeout holds at most ~24.8 days, and the clock may jump
        timer = setTimeout(
          () => {
            if (clock() < at) return arm();
            generate({ actor: 'system:briefing', ifMissing: true })
              .catch((e) => log.error({ err: e }, 'weekly briefing failed'))
              .finally(arm);
          },
          Math.min(Math.max(0, at - now), 6 * 3_600_000),
        ).unref();
      };
      arm();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      };
    },
  };
}
