/**
 * Builds the client when its sources changed since the last build (content hash), so `npm start` and the
 * browser tests never serve a stale bundle and do not rebuild an unchanged one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';

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
      hash
        .update(relative(ROOT, f))
        .update('\0')
        .update(await readFile(f))
        .update('\0');
    }
  }
  return hash.digest('hex');
}

let building: Promise<string> | null = null;

/**
 * Returns the dist directory, building first if needed. `dist/client` is a symlink to the current build: a
 * build goes to a folder of its own and the link is replaced atomically (rename), so a server already
 * serving dist/client (another test file, a running demo) never sees a half-written or missing bundle, and
 * two processes building at once cannot interleave their files.
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
  const tmpDir = join(ROOT, `dist/.client-${process.pid}-${Date.now()}`);
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
  await swapIn(tmpDir, outDir);
  log(`client built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outDir;
}

/** Points the `outDir` link at `buildDir` in one rename, then removes builds nothing points at any more. */
async function swapIn(buildDir: string, outDir: string): Promise<void> {
  const dist = dirname(outDir);
  const link = `${buildDir}.link`;
  await symlink(basename(buildDir), link);
  const current = await lstat(outDir).catch(() => null);
  // a real directory from an older layout: move it aside once (rename cannot replace a non-empty directory)
  if (current?.isDirectory()) await rename(outDir, `${buildDir}.old`);
  await rename(link, outDir);
  const live = basename(await readlink(outDir));
  // builds of other processes still in progress are younger than a build takes; older unlinked ones are garbage
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of await readdir(dist)) {
    if (!name.startsWith('.client-') || name === live) continue;
    const full = join(dist, name);
    const st = await lstat(full).catch(() => null);
    if (st && (name.endsWith('.old') || st.mtimeMs < cutoff)) await rm(full, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureClientBuild();
}
