/** A SourceContext over an in-memory sink, for testing one source against its real peer. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSourceContext, type QuarantineEntry } from '../../ingest/context';
import type { Mapping } from '../../ingest/mapping';
import type { NormalisedRecord, SourceContext } from '../../ingest/source';

export interface CollectingContext {
  ctx: SourceContext;
  accepted: NormalisedRecord[];
  quarantined: QuarantineEntry[];
  stateDir: string;
}

export async function collectingContext(opts: {
  source: string;
  opd?: string;
  mapping?: Mapping;
  stateDir?: string;
  now?: () => number;
}): Promise<CollectingContext> {
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'sinergi-source-')));
  const accepted: NormalisedRecord[] = [];
  const quarantined: QuarantineEntry[] = [];
  const ctx = createSourceContext({
    source: opts.source,
    opd: opts.opd,
    mapping: opts.mapping,
    stateDir,
    now: opts.now,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    sink: {
      accept: async (r) => void accepted.push(...r),
      quarantine: async (q) => void quarantined.push(q),
    },
  });
  return { ctx, accepted, quarantined, stateDir };
}
