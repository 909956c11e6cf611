/**
 * The worker's configuration file (JSON), edited by an operator; validated with zod, errors name the field.
 * Ingest keys may be given inline (a file with mode 0600) or as `env:NAME` to read them from the environment.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const simulatorSource = z.object({
  type: z.literal('simulator'),
  seed: z.number().int().default(1),
  backfillMinutes: z.number().int().min(0).max(24 * 60).default(60),
  intervalMs: z.number().int().min(200).max(60_000).default(2_000),
});

export const workerConfigSchema = z.object({
  server: z.object({ url: z.url() }),
  /** OPD code → ingest key (or `env:VAR`). */
  keys: z.record(z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/), z.string().min(8)),
  sources: z.array(z.discriminatedUnion('type', [simulatorSource])).min(1),
  delivery: z
    .object({
      maxBatch: z.number().int().min(1).max(50_000).default(5_000),
      maxQueued: z.number().int().min(1_000).default(2_000_000),
      maxBackoffMs: z.number().int().min(100).default(30_000),
    })
    .default({ maxBatch: 5_000, maxQueued: 2_000_000, maxBackoffMs: 30_000 }),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
export type SourceConfig = WorkerConfig['sources'][number];

export async function loadWorkerConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<WorkerConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read worker config ${file}: ${(e as Error).message}`);
  }
  const parsed = workerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid worker config ${file}:\n${lines.join('\n')}`);
  }
  const keys: Record<string, string> = {};
  for (const [opd, value] of Object.entries(parsed.data.keys)) {
    if (value.startsWith('env:')) {
      const name = value.slice(4);
      const fromEnv = env[name];
      if (!fromEnv) throw new Error(`invalid worker config ${file}:\n  keys.${opd}: environment variable ${name} is not set`);
      keys[opd] = fromEnv;
    } else keys[opd] = value;
  }
  return { ...parsed.data, keys };
}
