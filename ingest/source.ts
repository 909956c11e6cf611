/**
 * The one small interface every agency source implements: one file per source type under ingest/sources/,
 * exporting a SourceDefinition (its config schema and a factory). A source either polls on a cadence or
 * subscribes; either way it hands records to its SourceContext and never talks to the server itself.
 */
import type { z } from 'zod';
import type { EventInput, PointInput } from '../shared/schemas';

/** Records of one OPD in our catalog's terms (what the simulator produces per poll). */
export interface Delivery {
  opd: string;
  points: PointInput[];
  events: EventInput[];
}

/** A record in our catalog's terms, ready to spool; `opd` picks the ingest key it is delivered with. */
export type NormalisedRecord = { opd: string; point: PointInput } | { opd: string; event: EventInput };

/** An agency's own record before mapping, with where it came from (file:row, topic, url#index) for the quarantine. */
export interface RawRecord {
  origin: string;
  data: unknown;
}

export interface SourceLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SourceContext {
  /** Maps raw records with the source's declared mapping; good ones are spooled, the rest quarantined. Resolves once spooled. */
  ingest(records: readonly RawRecord[]): Promise<{ accepted: number; quarantined: number }>;
  /** Spools records that need no mapping (the simulator speaks our catalog already); still validated. */
  emit(records: readonly NormalisedRecord[]): Promise<{ accepted: number; quarantined: number }>;
  /** Sends one record to the quarantine with the reason (bad file row, broken payload…). */
  quarantine(origin: string, data: unknown, reason: string): Promise<void>;
  /** A directory that survives restarts, for the source's own cursors and seen-file hashes. */
  stateDir: string;
  log: SourceLogger;
  now(): number;
}

interface SourceBase {
  /** Unique per worker; names the source in logs, health and quarantine. */
  readonly name: string;
  close?(): Promise<void> | void;
}

export interface PollSource extends SourceBase {
  readonly mode: 'poll';
  readonly intervalMs: number;
  /** One round: fetch what is new and hand it to ctx. A thrown error counts as a failed round (health). */
  poll(ctx: SourceContext): Promise<void>;
}

export interface SubscribeSource extends SourceBase {
  readonly mode: 'subscribe';
  /** Connects and keeps handing records to ctx until close(). Resolves once subscribed. */
  subscribe(ctx: SourceContext): Promise<void>;
}

export type Source = PollSource | SubscribeSource;

/** What a source type file exports. */
export interface SourceDefinition<S extends z.ZodType = z.ZodType> {
  type: string;
  /** The source's own config fields (besides the common `type`, `name`, `opd`, `mapping`); zod, strict. */
  configSchema: S;
  /** True when the source hands over agency records through ctx.ingest (then `opd` and `mapping` are required). */
  needsMapping: boolean;
  /** `baseDir` is the config file's folder: relative paths in a source config are relative to it. */
  create(config: z.infer<S> & { name: string }, env: { baseDir: string }): Source | Promise<Source>;
}
