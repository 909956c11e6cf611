/**
 * Configuration: process.env read here only, once, through zod, into a frozen object. Units in names.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

const csv = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Unset: the embedded PostgreSQL in DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  CLIENT_DIST_DIR: z.string().min(1).default('./dist/client'),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(8 * 1024 * 1024),
  MAX_BATCH_ITEMS: z.coerce.number().int().min(1).default(50_000),
  STREAM_TICK_MS: z.coerce.number().int().min(10).max(5_000).default(250),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Origins allowed to call the API from a browser; empty means same-origin only. */
  CORS_ORIGINS: csv,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  clientDistDir: string;
  maxBodyBytes: number;
  maxBatchItems: number;
  streamTickMs: number;
  dbPoolSize: number;
  corsOrigins: readonly string[];
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.DATA_DIR),
    clientDistDir: resolve(e.CLIENT_DIST_DIR),
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxBatchItems: e.MAX_BATCH_ITEMS,
    streamTickMs: e.STREAM_TICK_MS,
    dbPoolSize: e.DB_POOL_SIZE,
    corsOrigins: Object.freeze([...e.CORS_ORIGINS]),
    logLevel: e.LOG_LEVEL,
  });
}
