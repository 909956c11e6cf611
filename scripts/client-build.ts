/**
 * Builds the client when its sources changed since the last build (content hash), so `npm start` and the
 * browser tests never serve a stale bundle and do not rebuild an unchanged one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const INPUTS = ['client', 'shared', 'vite.config.ts', 'package-lock.json', 'tsconfig.json'];

async function* files(path: string): AsyncGenerator<string> {
  if (!existsSync(path)) return;
  if (!(await stat(path)).isDirectory()) {
    yield path;
    return;
  }
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

export async function clientSourceHash(): Promise<string> {
  // 'production:' names the build mode in the stamp, so a stamp from an older, mode-less build is rebuilt
  const hash = createHash('sha256').update('production:');
  for (const input of INPUTS) {
    for await (const f of files(join(ROOT, input))) {
      hash.update(relative(ROOT, f)).update('\0').update(await readFile(f)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** Returns the dist directory, building first if needed. */
export async function ensureClientBuild(log: (m: string) => void = (m) => console.error(m)): Promise<string> {
  const outDir = join(ROOT, 'dist/client');
  const stamp = join(outDir, '.source-hash');
  const hash = await clientSourceHash();
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === hash) return outDir;
  log('building the client (vite build)…');
  const started = Date.now();
  const { build } = await import('vite');
  // Always a production bundle: under vitest NODE_ENV is 'test', and Vite would then bundle React's
  // development build (larger, slower) and stamp it as current for `npm start`.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  await writeFile(stamp, hash);
  log(`client built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outDir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureClientBuild();
}
