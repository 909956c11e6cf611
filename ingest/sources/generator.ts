/**
 * Synthetic load (`type: generator`): readings for `series` entities of one metric, `perPoll` per round, up to
 * `total`. For load-testing a deployment end to end and for `npm run bench:ingest`; it speaks our catalog,
 * so it needs no mapping, but its `opd` must own the metric.
 */
import { z } from 'zod';
import type { NormalisedRecord, SourceDefinition } from '../source';

const configSchema = z
  .object({
    metric: z.string().default('rainfall'),
    /** OPD that owns the metric (its key delivers the readings). */
    owner: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{1,31}$/)
      .default('BPBD'),
    series: z.number().int().min(1).max(1_000_000).default(1_000),
    perPoll: z.number().int().min(1).max(1_000_000).default(10_000),
    total: z.number().int().min(1).default(100_000),
    /** Epoch ms of the first reading; readings are 10 s apart per series. */
    from: z.number().int().optional(),
    /**
     * A live feed instead of a replay: every reading stamped with the poll's clock, so consecutive rounds are
     * current readings (what a citizen's page shows) rather than history hours behind (what a back-fill sends).
     * `from` is then ignored.
     */
    live: z.boolean().default(false),
    intervalMs: z.number().int().min(10).default(100),
  })
  .strict();

export const generatorDefinition: SourceDefinition<typeof configSchema> = {
  type: 'generator',
  needsMapping: false,
  configSchema,
  create(config) {
    let sent = 0;
    const from = config.from ?? Date.now() - Math.ceil(config.total / config.series) * 10_000;
    return {
      mode: 'poll',
      name: config.name,
      intervalMs: config.intervalMs,
      async poll(ctx) {
        if (sent >= config.total) return;
        const n = Math.min(config.perPoll, config.total - sent);
        const at = config.live ? ctx.now() : null;
        const records: NormalisedRecord[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const k = sent + i;
          records[i] = {
            opd: config.owner,
            point: {
              metric: config.metric,
              entity: `GEN-${k % config.series}`,
              time: at ?? from + Math.floor(k / config.series) * 10_000,
              value: ((k * 7919) % 1000) / 10,
            },
          };
        }
        await ctx.emit(records);
        sent += n;
      },
    };
  },
};
