/**
 * Builds the client when its sources changed since the last build (content hash), so `npm start` and the
 * browser tests never serve a stale bundle and do not rebuild an unchanged one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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

let building: Promise<string> | null = null;

/**
 * Returns the dist directory, building first if needed. The build goes to a private folder that is then
 * swapped in, so a server already serving dist/client (another test file, a running demo) never sees a
 * half-written bundle, and two processes building at once cannot interleave their files.
 */
export function ensureClientBuild(log: (m: string) => void = (m) => console.error(m)): Promise<string> {
  building ??= buildIfStale(log).finally(() => {
    building = null;
  });
  return building;
}

async function buildIfStale(log: (m: string) => void): Promise<string> {
  const outDir = join(ROOT, 'dist/client');
  const stamp = join(outDir, '.source-hash');
  const hash = await clientSourceHash();
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === hash) return outDir;
  const unique = `${process.pid}-${Date.now()}`;
  const tmpDir = join(ROOT, `dist/.client-${unique}`);
  log('building the client (vite build)…');
  const started = Date.now();
  const { build } = await import('vite');
  // Always a production bundle: under vitest NODE_ENV is 'test', and Vite would then bundle React's
  // development build (larger, slower) and stamp it as current for `npm start`.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      mode: 'production',
      build: { outDir: tmpDir, emptyOutDir: true },
    });
    await writeFile(join(tmpDir, '.source-hash'), hash);
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true });
    throw e;
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  // Swap: the old bundle moves aside, the new one takes its name. If another process swapped its own
  // build in between (same sources, same bundle), ours is simply dropped.
  const oldDir = join(ROOT, `dist/.client-old-${unique}`);
  await rename(outDir, oldDir).catch(() => {});
  await rename(tmpDir, outDir).catch(() => rm(tmpDir, { recursive: true, force: true }));
  await rm(oldDir, { recursive: true, force: true });
  log(`client built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outDir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureClientBuild();
}
