/**
 * CSV / Excel drop folder (`type: csv-folder`): agencies export spreadsheets and drop them in a folder; each
 * file is ingested once, by content hash, whatever its name. Rows go through the source's mapping in chunks;
 * a bad row (broken quoting, invalid UTF-8, too long, unmapped code…) is quarantined with its row number and
 * the rest of the file still arrives. A file that cannot be read at all is quarantined as a whole, once.
 */
import { copyFile, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import type { PollSource, RawRecord, SourceContext, SourceDefinition } from '../source';
import { openCsv } from './readers/csv';
import { FileRejected, scanFile, type OpenedFile, type Scan } from './readers/file';
import { openWorkbook } from './readers/xlsx';

const GLOB = z
  .string()
  .min(1)
  .max(200)
  .refine((g) => !g.includes('/') && !g.includes('\\'), 'a file name pattern (e.g. *.csv), not a path');

/** Own fields of a csv-folder source; kept as a shape so `create` can re-read them leniently. */
const configShape = {
  /** The drop folder; relative to the config file. */
  dir: z.string().min(1),
  /** File name patterns (`*` and `?`), case-insensitive. */
  pattern: z.union([GLOB, z.array(GLOB).min(1).max(32)]).default(['*.csv', '*.xlsx']),
  intervalMs: z
    .number()
    .int()
    .min(500)
    .max(24 * 3_600_000)
    .default(10_000),
  /** `auto` picks `;`, `,`, tab or `|` from the header row (Indonesian Excel exports often use `;`). */
  delimiter: z.enum(['auto', ',', ';', '\t', '|']).default('auto'),
  /** Only ASCII-compatible encodings: rows are split on the newline byte before decoding. */
  encoding: z.enum(['utf-8', 'utf8', 'windows-1252', 'latin1', 'iso-8859-1']).default('utf-8'),
  /** Workbook sheet to read (default: the first). */
  sheet: z.string().min(1).optional(),
  /** Row holding the column names (1 = first); rows above it (report titles) are ignored. */
  headerRow: z.number().int().min(1).max(1_000).default(1),
  /** Processed files are moved here; without it they stay and their hash is remembered. */
  doneDir: z.string().min(1).optional(),
  /** Files modified less than this long ago are skipped: they may still be being copied. */
  settleMs: z.number().int().min(0).max(3_600_000).default(2_000),
  /** Rows handed to the mapping per call. */
  chunkRows: z.number().int().min(1).max(50_000).default(5_000),
  /** UTC offset of workbook dates, which Excel stores as wall-clock time without one (+07:00 is WIB). */
  utcOffset: z
    .string()
    .regex(/^[+-]\d{2}:\d{2}$/, 'an offset like +07:00')
    .default('+07:00'),
  /** Workbooks are read whole into memory; larger ones are refused. */
  maxWorkbookBytes: z
    .number()
    .int()
    .min(1_024)
    .default(64 * 1024 * 1024),
};

export const csvFolderConfigSchema = z.object(configShape).strict();
export type CsvFolderConfig = z.infer<typeof csvFolderConfigSchema>;

export interface CsvFolderOptions {
  /** How often a long file logs its progress (default 10 s). */
  progressIntervalMs?: number;
  /** Draw a progress bar on stderr (default: when stderr is a terminal). */
  progressBar?: boolean;
}

/** The seen-set keeps this many files (newest first); older hashes are forgotten. */
const MAX_SEEN = 100_000;
const STATE_FILE = 'csv-folder-seen.json';

const seenEntrySchema = z.object({
  name: z.string(),
  bytes: z.number(),
  at: z.string(),
  rows: z.number(),
  accepted: z.number(),
  quarantined: z.number(),
  rejected: z.string().optional(),
});
type SeenEntry = z.infer<typeof seenEntrySchema>;
const stateSchema = z.object({ version: z.literal(1), files: z.record(z.string(), seenEntrySchema) });

/** close() was called mid-file: stop between chunks without recording the file. */
class Stopped extends Error {}

interface FileResult {
  rows: number;
  accepted: number;
  quarantined: number;
}

/** Turns `*.csv`-style patterns into one case-insensitive matcher of file names. */
export function fileMatcher(patterns: string | readonly string[]): (name: string) => boolean {
  const list =
    typeof patterns === 'string'
      ? patterns
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : patterns;
  const res = list.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        'i',
      ),
  );
  return (name) => res.some((re) => re.test(name));
}

export function createCsvFolderSource(
  config: CsvFolderConfig & { name: string },
  env: { baseDir: string },
  options: CsvFolderOptions = {},
): PollSource {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(env.baseDir, p));
  const dir = abs(config.dir);
  const doneDir = config.doneDir ? abs(config.doneDir) : null;
  if (doneDir && resolve(doneDir) === resolve(dir)) throw new Error(`csv-folder ${config.name}: doneDir must differ from dir`);
  const matches = fileMatcher(config.pattern);
  const encoding = config.encoding === 'utf8' ? 'utf-8' : config.encoding === 'latin1' ? 'iso-8859-1' : config.encoding;
  const progressIntervalMs = options.progressIntervalMs ?? 10_000;
  const showBar = options.progressBar ?? Boolean(process.stderr.isTTY);

  let seen: Map<string, SeenEntry> | null = null;
  // Per path: the signature last seen and since when (settling), and its hash (not re-hashed while unchanged).
  const observed = new Map<string, { size: number; mtimeMs: number; since: number; scan?: Scan }>();
  let stopping = false;
  let round: Promise<void> | null = null;

  const statePath = (ctx: SourceContext) => join(ctx.stateDir, STATE_FILE);

  async function loadSeen(ctx: SourceContext): Promise<Map<string, SeenEntry>> {
    if (seen) return seen;
    const path = statePath(ctx);
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    let parsed: z.infer<typeof stateSchema> | null = null;
    if (text !== null) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const r = stateSchema.safeParse(json);
      if (r.success) parsed = r.data;
      else {
        // Forgetting the set only means files are ingested again, which the server takes idempotently;
        // refusing to start would stop the folder for good. The broken file is kept for a post-mortem.
        const aside = `${path}.corrupt-${Date.now()}`;
        await rename(path, aside).catch(() => {});
        ctx.log.error({ source: config.name, file: aside }, 'csv-folder: seen-files state is unreadable; starting afresh');
      }
    }
    seen = new Map(Object.entries(parsed?.files ?? {}));
    return seen;
  }

  async function saveSeen(ctx: SourceContext): Promise<void> {
    const map = seen!;
    if (map.size > MAX_SEEN) {
      const oldest = [...map.entries()].sort((a, b) => a[1].at.localeCompare(b[1].at)).slice(0, map.size - MAX_SEEN);
      for (const [hash] of oldest) map.delete(hash);
    }
    const path = statePath(ctx);
    const tmp = `${path}.${process.pid}.tmp`;
    // Write, flush, rename: a crash leaves the old set or the new one, never half a file.
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify({ version: 1, files: Object.fromEntries(map) }));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }

  async function moveToDone(ctx: SourceContext, path: string, hash: string): Promise<void> {
    if (!doneDir) return;
    try {
      await mkdir(doneDir, { recursive: true });
      const name = basename(path);
      let target = join(doneDir, name);
      if (await exists(target)) {
        const ext = extname(name);
        target = join(doneDir, `${name.slice(0, name.length - ext.length)}.${hash.slice(0, 12)}${ext}`);
        if (await exists(target)) target = join(doneDir, `${name.slice(0, name.length - ext.length)}.${hash.slice(0, 12)}.${Date.now()}${ext}`);
      }
      try {
        await rename(path, target);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
        await copyFile(path, target);
        await unlink(path);
      }
      observed.delete(path);
    } catch (e) {
      // Its hash is recorded, so it is not ingested again; the move is retried next round.
      ctx.log.warn({ source: config.name, file: path, err: (e as Error).message }, 'csv-folder: cannot move a processed file to doneDir');
    }
  }

  /** Files ready to read, oldest first: matching, regular, not an editor's lock file, settled. */
  async function listReady(): Promise<{ path: string; size: number; mtimeMs: number }[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`drop folder ${dir} does not exist`);
      throw e;
    }
    const now = Date.now(); // compared with file mtimes, which are wall-clock: not ctx.now()
    const ready: { path: string; size: number; mtimeMs: number }[] = [];
    const present = new Set<string>();
    for (const name of names) {
      // `~$x.xlsx` is Excel's lock file while x.xlsx is open; dot files are editors' and copy tools' temporaries.
      if (name.startsWith('.') || name.startsWith('~$') || !matches(name)) continue;
      const path = join(dir, name);
      const st = await stat(path).catch(() => null);
      if (!st?.isFile()) continue;
      present.add(path);
      let o = observed.get(path);
      if (!o || o.size !== st.size || o.mtimeMs !== st.mtimeMs) {
        o = { size: st.size, mtimeMs: st.mtimeMs, since: now };
        observed.set(path, o);
      }
      // Settled when old enough, or unchanged for settleMs by our own watch (covers mtimes in the future).
      if (now - st.mtimeMs >= config.settleMs || now - o.since >= config.settleMs) ready.push({ path, size: st.size, mtimeMs: st.mtimeMs });
    }
    for (const path of observed.keys()) if (!present.has(path)) observed.delete(path);
    return ready.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
  }

  async function ingestRows(ctx: SourceContext, name: string, file: OpenedFile): Promise<FileResult> {
    const result: FileResult = { rows: 0, accepted: 0, quarantined: 0 };
    const started = performance.now();
    let lastLog = started;
    const big = file.total > config.chunkRows;
    const bar =
      showBar && big
        ? new cliProgress.SingleBar(
            { stream: process.stderr, format: `${name} [{bar}] {percentage}% {value}/{total} rows, ETA {eta_formatted}`, hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : null;
    bar?.start(file.total, 0);
    if (big) ctx.log.info({ source: config.name, file: name, rows: file.total }, 'csv-folder: ingesting a large file');
    let chunk: RawRecord[] = [];
    const flush = async () => {
      if (!chunk.length) return;
      if (stopping) throw new Stopped();
      const r = await ctx.ingest(chunk);
      result.accepted += r.accepted;
      result.quarantined += r.quarantined;
      chunk = [];
      if (bar) {
        if (result.rows > file.total) bar.setTotal(result.rows);
        bar.update(result.rows);
      }
      if (performance.now() - lastLog >= progressIntervalMs) {
        lastLog = performance.now();
        ctx.log.info(
          {
            source: config.name,
            file: name,
            rows: result.rows,
            total: Math.max(file.total, result.rows),
            accepted: result.accepted,
            quarantined: result.quarantined,
          },
          'csv-folder: progress',
        );
      }
    };
    try {
      for await (const row of file.rows) {
        result.rows++;
        if (row.kind === 'bad') {
          await ctx.quarantine(`${name}:${row.row}`, row.raw, row.reason);
          result.quarantined++;
          continue;
        }
        chunk.push({ origin: `${name}:${row.row}`, data: row.data });
        if (chunk.length >= config.chunkRows) await flush();
      }
      await flush();
    } finally {
      bar?.stop();
    }
    ctx.log.info({ source: config.name, file: name, ...result, ms: Math.round(performance.now() - started) }, 'csv-folder: file ingested');
    return result;
  }

  async function processFile(ctx: SourceContext, path: string, scan: Scan, size: number): Promise<{ hash: string; entry: SeenEntry }> {
    const preHash = scan.hash;
    const name = basename(path);
    const at = new Date(ctx.now()).toISOString();
    const isWorkbook = /\.xls[xm]$/i.test(name);
    let opened: OpenedFile;
    try {
      if (isWorkbook) {
        if (size > config.maxWorkbookBytes)
          throw new FileRejected(`workbook is ${size} bytes; at most ${config.maxWorkbookBytes} (maxWorkbookBytes), or export it as CSV`);
        opened = await openWorkbook(await readFile(path), config);
      } else {
        if (/\.xls$/i.test(name)) throw new FileRejected('legacy .xls workbooks cannot be read; save it as .xlsx or CSV');
        if (scan.notText) throw new FileRejected(scan.notText);
        opened = await openCsv(path, config, encoding, scan.lines);
      }
    } catch (e) {
      if (!(e instanceof FileRejected)) throw e;
      await ctx.quarantine(name, { file: name, bytes: size, sha256: preHash }, e.message);
      ctx.log.warn({ source: config.name, file: name, reason: e.message }, 'csv-folder: file refused');
      return { hash: preHash, entry: { name, bytes: size, at, rows: 0, accepted: 0, quarantined: 1, rejected: e.message } };
    }
    const r = await ingestRows(ctx, name, opened);
    return { hash: opened.digest(), entry: { name, bytes: size, at, ...r } };
  }

  async function runRound(ctx: SourceContext): Promise<void> {
    const known = await loadSeen(ctx);
    for (const f of await listReady()) {
      if (stopping) return;
      const o = observed.get(f.path);
      let scan = o?.scan;
      const fresh = scan === undefined;
      if (scan === undefined) {
        try {
          scan = await scanFile(f.path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // moved away meanwhile
          throw e;
        }
        if (o) o.scan = scan;
      }
      const hash = scan.hash;
      const before = known.get(hash);
      if (before) {
        if (fresh && before.name !== basename(f.path))
          ctx.log.info({ source: config.name, file: basename(f.path), as: before.name }, 'csv-folder: same content already ingested');
        await moveToDone(ctx, f.path, hash);
        continue;
      }
      let done: { hash: string; entry: SeenEntry };
      try {
        done = await processFile(ctx, f.path, scan, f.size);
      } catch (e) {
        if (e instanceof Stopped) return;
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      // Only now, after every chunk was spooled: a crash before this line re-ingests the file, idempotently.
      known.set(done.hash, done.entry);
      if (done.hash !== hash) {
        // It changed while we read it: remember what we read; the new content is looked at next round.
        ctx.log.warn({ source: config.name, file: done.entry.name }, 'csv-folder: file changed while being read');
        if (o) delete o.scan;
      }
      await saveSeen(ctx);
      if (done.hash === hash) await moveToDone(ctx, f.path, hash);
    }
  }

  return {
    mode: 'poll',
    name: config.name,
    intervalMs: config.intervalMs,
    async poll(ctx) {
      if (round || stopping) return; // one round at a time, even if a caller does not wait
      round = runRound(ctx);
      try {
        await round;
      } finally {
        round = null;
      }
    },
    async close() {
      stopping = true;
      await round?.catch(() => {});
    },
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The drop folder as a configurable source type (`type: csv-folder`). */
export const csvFolderDefinition: SourceDefinition<typeof csvFolderConfigSchema> = {
  type: 'csv-folder',
  needsMapping: true,
  configSchema: csvFolderConfigSchema,
  // Read leniently (unknown keys dropped): the worker may pass the common fields alongside the own ones.
  create: (config, env) => createCsvFolderSource({ ...z.object(configShape).parse(config), name: config.name }, env),
};
