/**
 * A source type for tests that must count every record: it emits `count` rainfall readings for one entity,
 * `perPoll` at a time, through the real SourceContext, spool and delivery.
 */
import { z } from 'zod';
import type { SourceDefinition } from '../../ingest/source';

export const scriptedDefinition: SourceDefinition = {
  type: 'scripted',
  needsMapping: false,
  configSchema: z
    .object({
      from: z.number(),
      count: z.number().int(),
      perPoll: z.number().int().default(100_000),
      entity: z.string(),
      intervalMs: z.number().int().default(200),
    })
    .strict(),
  create(config) {
    const c = config as { name: string; from: number; count: number; perPoll: number; entity: string; intervalMs: number };
    let sent = 0;
    return {
      mode: 'poll',
      name: c.name,
      intervalMs: c.intervalMs,
      async poll(ctx) {
        if (sent >= c.count) return;
        const n = Math.min(c.perPoll, c.count - sent);
        const records = Array.from({ length: n }, (_, i) => ({
          opd: 'BPBD',
          point: { metric: 'rainfall', entity: c.entity, time: c.from + (sent + i) * 1_000, value: (sent + i) % 97 },
        }));
        await ctx.emit(records);
        sent += n;
      },
    };
  },
};
