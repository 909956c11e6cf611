/**
 * `admin briefing generate [--week YYYY-Www]`: makes (or remakes) the weekly briefing of a week now, as the
 * leader's schedule does on Monday morning (server/briefing/service.ts): archived, audited, queued to the
 * notification routes. Without --week: the last complete week in city time.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { pino } from 'pino';
import type { Storage } from '../db/storage';
import { createBriefingService } from '../server/briefing/service';
import { WEEK_PATTERN } from '../server/briefing/schedule';
import type { Config } from '../server/config';

export function registerBriefingCommands(program: Command, config: Config, withStorage: <T>(fn: (s: Storage) => Promise<T>) => Promise<T>): void {
  const briefing = program.command('briefing').description('the weekly briefing for the kepala daerah');
  briefing
    .command('generate')
    .description('make the briefing of a week now (archived, audited, sent as a link through the notification routes)')
    .option('--week <YYYY-Www>', 'ISO week in city time (default: the last complete week)')
    .action((o: { week?: string }) =>
      withStorage(async (s) => {
        if (o.week !== undefined && !WEEK_PATTERN.test(o.week)) throw new Error(`--week: '${o.week}' is not an ISO week (YYYY-Www, e.g. 2026-W49)`);
        const service = createBriefingService({
          pool: s.pool,
          clock: Date.now,
          log: pino({ level: 'silent' }),
          utcOffsetMin: config.briefing.utcOffsetMin,
          outbox: { quiet: config.notifications.quiet, linkBase: config.notifications.linkBase },
        });
        const r = await service.generate({ ...(o.week ? { week: o.week } : {}), actor: `cli:${userInfo().username}` });
        switch (r.kind) {
          case 'generated':
            process.stdout.write(
              `briefing ${r.briefing.week} generated in ${(r.briefing.durationMs / 1000).toFixed(2)} s (PDF ${r.pdfBytes} bytes, ${r.queued} notifications queued)\n`,
            );
            return;
          case 'bad_week':
            throw new Error(`--week: ${r.week} does not exist`);
          case 'exists':
            throw new Error(`briefing ${r.week} exists`);
        }
      }),
    );
}
