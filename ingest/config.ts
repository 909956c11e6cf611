/**
 * The worker's configuration file (YAML or JSON), edited by an operator. Validated with zod; every error
 * names the field and the line it is on. Ingest keys may be inline (keep the file 0600) or `env:NAME`.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve, dirname } from 'node:path';
import { z } from 'zod';
import { parseYamlWithLines } from '../shared/yaml-lines';
import { mappingSchema } from './mapping';
import type { SourceDefinition } from './source';
import { SOURCE_DEFINITIONS } from './sources';

const OPD_CODE = z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'an OPD code (upper case, e.g. BPBD)');
const SOURCE_NAME = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower case letters, digits, . _ -');

/** Fields every source has; the rest is the source type's own schema. */
const commonSourceSchema = z.object({
  type: z.string(),
  name: SOURCE_NAME,
  /** The OPD whose key delivers what this source maps (not needed by sources that speak our catalog). */
  opd: OPD_CODE.optional(),
  mapping: mappingSchema.optional(),
});

export const workerConfigSchema = z
  .object({
    server: z.object({ url: z.url() }).strict(),
    /** OPD code → ingest key, or `env:VAR` to read it from the environment. */
    keys: z.record(OPD_CODE, z.string().min(8), {
      error: (i) => (i.code === 'invalid_key' ? 'keys are OPD codes (upper case, e.g. BPBD)' : undefined),
    }),
    spool: z
      .object({
        dir: z.string().min(1).default('./data/spool'),
        /** Disk the spool may use; a warning is logged from warnRatio on, the oldest records go beyond it. */
        maxBytes: z
          .number()
          .int()
          .min(1024 * 1024)
          .default(512 * 1024 * 1024),
        warnRatio: z.number().gt(0).lt(1).default(0.8),
        /** Bytes per spool segment file. */
        segmentBytes: z
          .number()
          .int()
          .min(64 * 1024)
          .default(8 * 1024 * 1024),
      })
      .strict()
      .default({ dir: './data/spool', maxBytes: 512 * 1024 * 1024, warnRatio: 0.8, segmentBytes: 8 * 1024 * 1024 }),
    delivery: z
      .object({
        maxBatch: z.number().int().min(1).max(50_000).default(5_000),
        maxBackoffMs: z.number().int().min(100).default(30_000),
      })
      .strict()
      .default({ maxBatch: 5_000, maxBackoffMs: 30_000 }),
    /** How often each source's health goes to the server. */
    healthIntervalMs: z.number().int().min(1_000).default(15_000),
    /** Prometheus metrics of the worker (records, quarantine, spool, retries), off when absent. */
    metrics: z
      .object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535) })
      .strict()
      .optional(),
    sources: z.array(commonSourceSchema.loose()).min(1),
  })
  .strict();

export type WorkerConfig = Omit<z.infer<typeof workerConfigSchema>, 'sources'> & {
  sources: SourceConfig[];
};
export type SourceConfig = z.infer<typeof commonSourceSchema> & Record<string, unknown>;

export class ConfigFileError extends Error {}

/** Validates a parsed config; `where(path)` turns a field path into "line N" for messages. */
export function validateWorkerConfig(
  raw: unknown,
  where: (path: PropertyKey[]) => string = () => '',
  definitions: readonly SourceDefinition[] = SOURCE_DEFINITIONS,
): WorkerConfig {
  const issues: string[] = [];
  const report = (path: PropertyKey[], message: string) => issues.push(`  ${path.map(String).join('.') || '(root)'}${where(path)}: ${message}`);
  const parsed = workerConfigSchema.safeParse(raw);
  if (!parsed.success) for (const i of parsed.error.issues) if (i.path[0] !== 'sources' || i.path.length < 3) report(i.path, i.message);
  // Sources are checked one by one even when something else is wrong, so one run shows every error.
  const sources = (raw as { sources?: unknown } | null)?.sources;
  const keys = (raw as { keys?: Record<string, unknown> } | null)?.keys ?? {};
  if (Array.isArray(sources)) {
    const names = new Set<string>();
    sources.forEach((entry, index) => {
      const common = commonSourceSchema.loose().safeParse(entry);
      if (!common.success) {
        for (const i of common.error.issues) report(['sources', index, ...i.path], i.message);
        return;
      }
      const s = common.data;
      const def = definitions.find((d) => d.type === s.type);
      if (!def) return report(['sources', index, 'type'], `unknown source type '${s.type}'; known: ${definitions.map((d) => d.type).join(', ')}`);
      if (names.has(s.name)) report(['sources', index, 'name'], `source name '${s.name}' is used twice`);
      names.add(s.name);
      const { type: _t, name: _n, opd: _o, mapping: _m, ...own } = s;
      const r = def.configSchema.safeParse(own);
      if (!r.success) for (const i of r.error.issues) report(['sources', index, ...i.path], i.message);
      if (def.needsMapping && (!s.mapping || !s.opd)) report(['sources', index], `a ${s.type} source needs 'opd' and 'mapping'`);
      if (s.opd && !Object.hasOwn(keys, s.opd)) report(['sources', index, 'opd'], `no key for ${s.opd} under 'keys'`);
    });
  }
  if (issues.length || !parsed.success) throw new ConfigFileError(issues.join('\n'));
  return parsed.data as WorkerConfig;
}

export async function loadWorkerConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<WorkerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigFileError(`cannot read worker config ${file}: ${(e as Error).message}`);
  }
  const doc = parseYamlWithLines(text);
  if (!doc.ok) throw new ConfigFileError(`invalid worker config ${file}:\n${doc.errors.map((e) => `  ${e}`).join('\n')}`);
  const { where } = doc;
  let config: WorkerConfig;
  try {
    config = validateWorkerConfig(doc.value, where);
  } catch (e) {
    throw new ConfigFileError(`invalid worker config ${file}:\n${(e as Error).message}`);
  }
  const keys: Record<string, string> = {};
  for (const [opd, value] of Object.entries(config.keys)) {
    if (value.startsWith('env:')) {
      const name = value.slice(4);
      const fromEnv = env[name];
      if (!fromEnv)
        throw new ConfigFileError(`invalid worker config ${file}:\n  keys.${opd}${where(['keys', opd])}: environment variable ${name} is not set`);
      keys[opd] = fromEnv;
    } else keys[opd] = value;
  }
  // Relative paths are relative to the config file, so a deployment folder can be moved whole.
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return { ...config, keys, spool: { ...config.spool, dir: abs(config.spool.dir) } };
}
