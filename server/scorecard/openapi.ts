/**
 * The OpenAPI paths of issue 19 (the OPD scorecard, the weekly briefing archive), kept beside their routes and
 * spread into server/openapi/document.ts. Parameters come from the zod schemas the routes validate with;
 * answers are named in shared/rest.ts.
 */
import type { z } from 'zod';
import { briefingListQuerySchema } from '../briefing/routes';
import { scorecardQuerySchema } from './routes';

type Helpers = {
  ref: (name: string) => { $ref: string };
  ok: (description: string, schema?: Record<string, unknown>, status?: string) => Record<string, unknown>;
  err: (status: number, description: string) => Record<string, unknown>;
  query: (schema: z.ZodType) => unknown[];
  token: unknown;
  publicSecurity: unknown;
};

const weekParam = [
  {
    name: 'week',
    in: 'path',
    required: true,
    description: 'ISO week, YYYY-Www (city time)',
    schema: { type: 'string', pattern: '^\\d{4}-W\\d{2}$' },
  },
];

export function scorecardPaths(h: Helpers): Record<string, unknown> {
  const signIn = h.err(401, 'sign in first');
  const archive = (file: string, type: string, summary: string, schema: Record<string, unknown>) => ({
    get: {
      tags: ['Operations'],
      operationId: `briefing${file.replace(/[^a-z]/gi, '')}`,
      summary,
      description: 'For the command center (operator, admin); every read is audited.',
      security: h.token,
      parameters: weekParam,
      responses: {
        '200': { description: summary, content: { [type]: { schema } } },
        ...h.err(400, 'not an ISO week'),
        ...signIn,
        ...h.err(403, 'not the command center'),
        ...h.err(404, 'no briefing for that week'),
      },
    },
  });
  return {
    '/api/v1/scorecard': {
      get: {
        tags: ['Agency'],
        operationId: 'scorecard',
        summary: "One OPD's scorecard: service SLA (complaints and incidents it handles) and data SLA (feeds it owns)",
        description:
          'An OPD reads its own (no `opd` needed); the command center names one. Service windows 7 and 30 days, each with the previous window and a trend; rejected items are their own share, never met. Data freshness over 24 h, 7 and 30 days from the recorded lateness of each feed.',
        security: h.token,
        parameters: h.query(scorecardQuerySchema),
        responses: {
          ...h.ok('the scorecard', h.ref('Scorecard')),
          ...h.err(400, 'invalid query, or no OPD named by the command center'),
          ...signIn,
          ...h.err(403, "another OPD's scorecard"),
          ...h.err(404, 'unknown OPD'),
        },
      },
    },
    '/api/v1/scorecard/ranking': {
      get: {
        tags: ['Agency'],
        operationId: 'scorecardRanking',
        summary: 'Every OPD ranked by its 30-day share within SLA (the wall panel); open to every signed-in caller',
        security: h.token,
        responses: { ...h.ok('the ranking', h.ref('ScorecardRanking')), ...signIn },
      },
    },
    '/api/public/v1/scorecard': {
      get: {
        tags: ['Public'],
        operationId: 'publicScorecard',
        summary: 'The OPD shares for the public page, when SCORECARD_PUBLIC is on; k-protected like the complaint counts',
        security: h.publicSecurity,
        responses: { ...h.ok('the public figures', h.ref('PublicScorecard')), ...h.err(404, 'not published (SCORECARD_PUBLIC off)') },
      },
    },
    '/api/v1/briefings': {
      get: {
        tags: ['Operations'],
        operationId: 'briefings',
        summary: 'The archive of weekly briefings for the kepala daerah, newest first',
        security: h.token,
        parameters: h.query(briefingListQuerySchema),
        responses: { ...h.ok('the archive', h.ref('Briefings')), ...h.err(400, 'invalid query'), ...signIn, ...h.err(403, 'not the command center') },
      },
    },
    '/api/v1/briefings/{week}/briefing.pdf': archive('briefing.pdf', 'application/pdf', 'The briefing as PDF (A4, charts, Noto Sans embedded)', {
      type: 'string',
      format: 'binary',
    }),
    '/api/v1/briefings/{week}/briefing.html': archive('briefing.html', 'text/html', 'The briefing as a self-contained page', { type: 'string' }),
    '/api/v1/briefings/{week}/figures.json': archive('figures.json', 'application/json', 'The figures the briefing was drawn from', {
      type: 'object',
    }),
  };
}
