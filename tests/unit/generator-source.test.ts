/**
 * ingest/sources/generator.ts: synthetic load as a replay of the past (the default, bench:ingest) or as a live
 * feed (`live: true`, bench:public): what timestamps its readings carry. The context is a minimal one that
 * records what the source emits; the clock is an argument.
 */
import { describe, expect, it } from 'vitest';
import { generatorDefinition } from '../../ingest/sources/generator';
import type { NormalisedRecord, PollSource, SourceContext } from '../../ingest/source';

async function rounds(config: Record<string, unknown>, clock: number[]): Promise<NormalisedRecord[][]> {
  const parsed = generatorDefinition.configSchema.parse(config);
  const source = (await generatorDefinition.create({ ...parsed, name: 'gen' }, { baseDir: '.' })) as PollSource;
  const out: NormalisedRecord[][] = [];
  for (const t of clock) {
    const ctx = {
      now: () => t,
      emit: async (records: readonly NormalisedRecord[]) => {
        out.push([...records]);
        return { accepted: records.length, quarantined: 0 };
      },
    } as unknown as SourceContext;
    await source.poll(ctx);
  }
  return out;
}

const times = (rs: NormalisedRecord[]) => rs.map((r) => ('point' in r ? r.point.time : null));

describe('generator source', () => {
  it('[G1] a replay (default): readings 10 s apart per series from `from`, whatever the clock', async () => {
    const out = await rounds({ metric: 'traffic_speed', owner: 'DISHUB', series: 2, perPoll: 2, total: 6, from: 1_000_000 }, [5, 6, 7]);
    expect(out.map(times)).toEqual([
      [1_000_000, 1_000_000],
      [1_010_000, 1_010_000],
      [1_020_000, 1_020_000],
    ]);
  });

  it('[G2] live: every reading of a round stamped with the poll clock (current readings)', async () => {
    const out = await rounds(
      { metric: 'traffic_speed', owner: 'DISHUB', series: 2, perPoll: 2, total: 6, from: 1_000_000, live: true },
      [2_000_000, 2_000_200, 2_000_400],
    );
    expect(out.map(times)).toEqual([
      [2_000_000, 2_000_000],
      [2_000_200, 2_000_200],
      [2_000_400, 2_000_400],
    ]);
    expect(out.flat().map((r) => ('point' in r ? r.point.entity : null))).toEqual(['GEN-0', 'GEN-1', 'GEN-0', 'GEN-1', 'GEN-0', 'GEN-1']);
  });

  it('[G3] stops at `total`', async () => {
    const out = await rounds({ series: 3, perPoll: 2, total: 3, live: true }, [1, 2, 3]);
    expect(out.map((r) => r.length)).toEqual([2, 1]);
  });
});
