/**
 * The SourceContext a worker gives each source: maps raw records with the source's mapping, validates
 * normalised ones, sends the rest to the quarantine, and hands the good ones to a sink (the spool).
 */
import type { QuarantineEntry } from '../shared/feeds';
import { eventSchema, MAX_FUTURE_MS, pointSchema } from '../shared/schemas';
import { mapRecord, type Mapping } from './mapping';
import type { NormalisedRecord, RawRecord, SourceContext, SourceLogger } from './source';

export type { QuarantineEntry };

export interface ContextSink {
  accept(records: readonly NormalisedRecord[]): Promise<void>;
  quarantine(entry: QuarantineEntry): Promise<void>;
}

export interface ContextOptions {
  source: string;
  opd?: string | undefined;
  mapping?: Mapping | undefined;
  stateDir: string;
  sink: ContextSink;
  log: SourceLogger;
  now?: () => number;
}

const MAX_QUARANTINE_BYTES = 4_096;

export function describeData(data: unknown): string {
  let text: string;
  try {
    text = typeof data === 'string' ? data : (JSON.stringify(data) ?? String(data));
  } catch {
    text = String(data);
  }
  return text.length > MAX_QUARANTINE_BYTES ? `${text.slice(0, MAX_QUARANTINE_BYTES)}… (${text.length} characters)` : text;
}

export function createSourceContext(opts: ContextOptions): SourceContext {
  const now = opts.now ?? Date.now;
  const quarantine = async (origin: string, data: unknown, reason: string) => {
    await opts.sink.quarantine({
      source: opts.source,
      opd: opts.opd ?? null,
      origin,
      reason,
      mappingVersion: opts.mapping?.version ?? null,
      data: describeData(data),
      time: now(),
    });
  };

  /** The checks the server would make anyway, made here so a bad record is quarantined, not retried. */
  const check = (r: NormalisedRecord): string | null => {
    const parsed = 'point' in r ? pointSchema.safeParse(r.point) : eventSchema.safeParse(r.event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return `${issue.path.join('.') || 'record'}: ${issue.message}`;
    }
    if (parsed.data.time > now() + MAX_FUTURE_MS) return `time ${new Date(parsed.data.time).toISOString()} is in the future`;
    return null;
  };

  const emit = async (records: readonly NormalisedRecord[], origins?: readonly string[]) => {
    const good: NormalisedRecord[] = [];
    let quarantined = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const reason = check(r);
      if (reason) {
        quarantined++;
        await quarantine(origins?.[i] ?? `${opts.source}#${i}`, 'point' in r ? r.point : r.event, reason);
      } else good.push(r);
    }
    if (good.length) await opts.sink.accept(good);
    return { accepted: good.length, quarantined };
  };

  return {
    stateDir: opts.stateDir,
    log: opts.log,
    now,
    quarantine,
    emit: (records) => emit(records),
    async ingest(records: readonly RawRecord[]) {
      const { mapping, opd } = opts;
      if (!mapping || !opd) throw new Error(`source ${opts.source} has no mapping/opd: it cannot ingest agency records`);
      const mapped: NormalisedRecord[] = [];
      const origins: string[] = [];
      let quarantined = 0;
      for (const raw of records) {
        const r = mapRecord(mapping, raw.data);
        if (!r.ok) {
          quarantined++;
          await quarantine(raw.origin, raw.data, r.reason);
        } else {
          mapped.push('point' in r ? { opd, point: r.point } : { opd, event: r.event });
          origins.push(raw.origin);
        }
      }
      const res = await emit(mapped, origins);
      return { accepted: res.accepted, quarantined: quarantined + res.quarantined };
    },
  };
}
