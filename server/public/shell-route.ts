/**
 * GET /public: the built citizen page with the server-rendered shell (shell.ts) carrying the current headline
 * numbers. One render per combination of snapshots, shared by everyone (ETag, gzip, a short max-age); when a
 * snapshot cannot be had, the plain page is served (the app fetches everything itself).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { createSnapshotCache, renderBody, sendRendered, type Rendered } from './cache';
import { publicProjects } from './projects';
import { injectShell, renderShell, shellData } from './shell';
import type { PublicSources } from './sources';
import { publicWarnings } from './warnings';

export function createPublicShellHandler(deps: {
  db: Pick<pg.Pool, 'query'>;
  sources: PublicSources;
  clientDistDir: string;
  clock: () => number;
  log?: Pick<Logger, 'warn'>;
}): (req: Request, res: Response) => Promise<void> {
  const { sources, clock } = deps;
  const file = join(deps.clientDistDir, 'public', 'index.html');
  let template: { mtimeMs: number; html: string } | null = null;
  const loadTemplate = async () => {
    const s = await stat(file);
    if (!template || template.mtimeMs !== s.mtimeMs) template = { mtimeMs: s.mtimeMs, html: await readFile(file, 'utf8') };
    return template;
  };
  // the city's name changes with a re-seed at most: a long-lived snapshot
  const city = createSnapshotCache({
    ttlMs: 60_000,
    clock,
    load: async () =>
      (await deps.db.query<{ name: string }>(`SELECT r.name FROM sinergi_meta m JOIN region r ON r.code = m.value WHERE m.key = 'city_code'`)).rows[0]
        ?.name ?? null,
  });
  let last: { key: string; rendered: Rendered } | null = null;

  return async (req, res) => {
    const t = await loadTemplate().catch(() => null);
    if (!t) return void res.status(404).type('text/plain').send('client build not found');
    let rendered: Rendered;
    try {
      const [c, m, w, p, cx] = await Promise.all([
        city.get(),
        sources.metrics.get(),
        sources.warnings.get(),
        sources.projects.get(),
        sources.complaints.get(),
      ]);
      const key = [t.mtimeMs, c.at, m.at, w.at, p.at, cx.at].join(':');
      if (last?.key !== key) {
        const now = Math.max(m.at, w.at, p.at, cx.at);
        const data = shellData({
          now,
          cityName: c.value,
          metrics: m.value,
          warnings: w.memo('public', (rows, at) => publicWarnings(rows, at)),
          projects: p.memo('public', (rows, at) => publicProjects(rows, at)),
          summary7d: sources.summary(cx, '7d'),
          performance7d: sources.performance(cx, '7d'),
        });
        last = { key, rendered: renderBody(injectShell(t.html, renderShell(data), data)) };
      }
      rendered = last.rendered;
    } catch (err) {
      deps.log?.warn({ err }, 'public shell: snapshots unavailable, serving the plain page');
      rendered = renderBody(t.html);
    }
    // revalidated on every visit (a 304 while nothing changed): the numbers in it are live
    sendRendered(req, res, rendered, { maxAgeS: 0, type: 'text/html; charset=utf-8' });
  };
}
