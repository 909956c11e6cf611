/**
 * One embedded PostgreSQL for the whole run (each test file then makes its own database on it), plus the
 * server at TEST_DATABASE_URL when set. Under CI=true both are required: nothing is silently skipped.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedHandle } from '../../db/embedded';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URLs of the PostgreSQL servers the integration suites run against, by backend name. */
    backends: Record<string, string>;
  }
}

let embedded: EmbeddedHandle | null = null;
let dir: string | null = null;

export async function setup(project: TestProject): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'sinergi-test-'));
  await chmod(dir, 0o755); // as root, postgres runs as its own user and must reach the directory
  embedded = await startEmbedded({ dir });
  const backends: Record<string, string> = { embedded: embedded.url };
  const external = process.env.TEST_DATABASE_URL;
  if (external) backends.postgres = external;
  else if (process.env.CI === 'true') throw new Error('CI=true but TEST_DATABASE_URL is not set: the external PostgreSQL suite would be skipped');
  project.provide('backends', backends);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
