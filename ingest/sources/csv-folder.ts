/**
 * CSV / Excel drop folder (`type: csv-folder`): agencies export spreadsheets and drop them in a folder; each
 * file is ingested once, by content hash, whatever its name. Rows go through the source's mapping in chunks;
 * a bad row (broken quoting, invalid UTF-8, too long, unmapped code…) is quarantined with its row number and
 * the rest of the file still arrives. A file that cannot be read at all is quarantined as a whole, once.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { parse as parseCsv } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { z } from 'zod';
import type { PollSource, RawRecord, SourceContext, SourceDefinition } from '../source';

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

/** A record (line or multi-line quoted record) may be at most this long; beyond it the row is refused. */
const MAX_RECORD_CHARS = 64 * 1024;
/** A quoted field may span at most this many lines before its opening quote is taken for a broken one. */
const MAX_RECORD_LINES = 32;
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

/** A file refused as a whole: quarantined once with this reason and remembered. */
class FileRejected extends Error {}
/** close() was called mid-file: stop between chunks without recording the file. */
class Stopped extends Error {}

type Row = { kind: 'row'; row: number; data: Record<string, string | number> } | { kind: 'bad'; row: number; reason: string; raw: unknown };

interface OpenedFile {
  /** Estimated data rows, for progress. */
  total: number;
  rows: AsyncIterable<Row>;
  /** sha256 of the bytes actually read; complete once `rows` is exhausted. */
  digest(): string;
}

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

/** What one read of a file tells before it is parsed. */
interface Scan {
  hash: string;
  /** Lines in the file: the rows to expect, for progress (quoted multi-line fields make it an estimate). */
  lines: number;
  /** Why the bytes are not CSV text at all, when they are not. */
  notText: string | null;
}

async function scanFile(path: string): Promise<Scan> {
  const hash = createHash('sha256');
  let lines = 0;
  let last = 0x0a;
  let notText: string | null | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (notText === undefined) notText = sniffNotText(chunk);
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  if (last !== 0x0a) lines++; // a last line without a line end
  return { hash: hash.digest('hex'), lines, notText: notText ?? null };
}

/** Files that are not text at all are refused whole, with a hint of what they are. */
function sniffNotText(head: Buffer): string | null {
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'file is a ZIP archive (an .xlsx workbook?), not CSV text';
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0)
    return 'file is a legacy .xls workbook, not CSV text; save it as .xlsx or CSV';
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return 'file is UTF-16 text; save it as CSV UTF-8';
  if (head.subarray(0, 8_192).includes(0)) return 'file is binary (it holds NUL bytes), not CSV text';
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// CSV

interface Line {
  no: number;
  text: string;
  invalid: boolean;
  /** Byte length when the line was too long and cut. */
  oversize: number | null;
}

/**
 * Physical lines of a byte stream, hashing what passes. Lines are kept as bytes until complete so that invalid
 * UTF-8 is found per line (and only that row refused); a line longer than the record limit is cut, so a file
 * without newlines cannot exhaust memory.
 */
async function* readLines(path: string, hash: Hash, decode: (b: Buffer) => { text: string; invalid: boolean }): AsyncGenerator<Line> {
  const maxBytes = MAX_RECORD_CHARS * 4;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let lineBytes = 0;
  let no = 0;
  const finish = (): Line => {
    no++;
    let bytes = Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    const total = lineBytes;
    lineBytes = 0;
    if (total > maxBytes) return { no, text: decode(bytes.subarray(0, 4_096)).text, invalid: false, oversize: total };
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    const d = decode(bytes);
    return { no, text: no === 1 && d.text.startsWith('\uFEFF') ? d.text.slice(1) : d.text, invalid: d.invalid, oversize: null };
  };
  const keep = (b: Buffer) => {
    lineBytes += b.length;
    if (partBytes < maxBytes + 1) {
      parts.push(b);
      partBytes += b.length;
    }
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      keep(chunk.subarray(start, nl));
      start = nl + 1;
      yield finish();
    }
    if (start < chunk.length) keep(chunk.subarray(start));
  }
  if (lineBytes > 0) yield finish();
}

/** A line reader that can look ahead, to find where a quoted field that spans lines ends. */
class Lookahead {
  readonly buf: Line[] = [];
  private done = false;
  constructor(private readonly it: AsyncIterator<Line>) {}
  async has(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf.push(r.value);
    }
    return this.buf.length >= n;
  }
  /** Closes the file early (a refused header, close() mid-file). */
  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.(undefined);
  }
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++;
  return n;
}

function detectDelimiter(header: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [';', ',', '\t', '|']) {
    // Delimiters inside quoted header names do not count.
    const count = header.replace(/"[^"]*"/g, '').split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Column names: trimmed; empty ones named by position, repeated ones numbered, so no column is lost. */
function headerNames(cells: readonly unknown[]): string[] {
  const used = new Set<string>();
  return cells.map((c, i) => {
    let name = String(c ?? '').trim() || `column_${i + 1}`;
    if (used.has(name)) {
      let k = 2;
      while (used.has(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    used.add(name);
    return name;
  });
}

function csvReason(e: unknown): string {
  // csv-parse counts lines within the text it was given, which is not the file's; the origin has the row.
  return `CSV: ${((e as Error).message ?? String(e)).replace(/ at line \d+/g, '').slice(0, 200)}`;
}

async function openCsv(
  path: string,
  config: CsvFolderConfig,
  encoding: 'utf-8' | 'windows-1252' | 'iso-8859-1',
  lineCount: number,
): Promise<OpenedFile> {
  const hash = createHash('sha256');
  const decoder = encoding === 'utf-8' ? null : new TextDecoder(encoding);
  const decode = (b: Buffer) => (decoder ? { text: decoder.decode(b), invalid: false } : { text: b.toString('utf8'), invalid: !isUtf8(b) });
  const lines = new Lookahead(readLines(path, hash, decode));
  try {
    return await readHeader();
  } catch (e) {
    await lines.close();
    throw e;
  }

  async function readHeader(): Promise<OpenedFile> {
    // Skip report titles above the header, then read the header itself.
    while ((await lines.has(1)) && lines.buf[0]!.no < config.headerRow) lines.buf.shift();
    while ((await lines.has(1)) && lines.buf[0]!.text.trim() === '') lines.buf.shift();
    if (!(await lines.has(1)))
      throw new FileRejected(config.headerRow > 1 ? `file has no header row at or after line ${config.headerRow}` : 'file is empty: no header row');
    const head = lines.buf.shift()!;
    if (head.invalid) throw new FileRejected(`header row (line ${head.no}) is not valid UTF-8; is the file windows-1252? set encoding`);
    if (head.oversize !== null) throw new FileRejected(`header row (line ${head.no}) is ${head.oversize} bytes long`);
    const delimiter = config.delimiter === 'auto' ? detectDelimiter(head.text) : config.delimiter;
    const options = { delimiter, trim: true, relax_column_count: true, record_delimiter: '\n', skip_empty_lines: false, bom: false } as const;
    let headers: string[];
    try {
      const rec = parseCsv(head.text, options) as string[][];
      headers = headerNames(rec[0] ?? []);
    } catch (e) {
      throw new FileRejected(`cannot read the header row (line ${head.no}): ${csvReason(e)}`);
    }
    const width = headers.length;

    /** One parsed record as a row, or why it is refused. */
    const toRow = (no: number, fields: readonly string[], text: string): Row => {
      let n = fields.length;
      while (n > width && fields[n - 1] === '') n--; // trailing empty cells (`a;b;;`) carry nothing
      if (n > width) return { kind: 'bad', row: no, reason: `row has ${n} fields; the header has ${width}`, raw: text };
      const data: Record<string, string> = Object.fromEntries(headers.slice(0, n).map((h, i) => [h, fields[i]!]));
      return { kind: 'row', row: no, data };
    };
    const isBlank = (fields: readonly string[]) => fields.every((f) => f === '');

    async function* rows(): AsyncGenerator<Row> {
      try {
        yield* records();
      } finally {
        await lines.close(); // also when the consumer stops midway
      }
    }

    async function* records(): AsyncGenerator<Row> {
      // Single-line records are parsed in batches (fast); a batch that fails is parsed again line by line.
      let batch: Line[] = [];
      function* flushBatch(): Generator<Row> {
        if (!batch.length) return;
        const single = batch;
        batch = [];
        let parsed: string[][] | null = null;
        try {
          parsed = parseCsv(single.map((l) => l.text).join('\n'), options) as string[][];
          if (parsed.length !== single.length) parsed = null;
        } catch {
          parsed = null;
        }
        for (let i = 0; i < single.length; i++) {
          const line = single[i]!;
          let fields: string[];
          if (parsed) fields = parsed[i]!;
          else {
            try {
              fields = (parseCsv(line.text, options) as string[][])[0] ?? [];
            } catch (e) {
              yield { kind: 'bad', row: line.no, reason: csvReason(e), raw: line.text };
              continue;
            }
          }
          if (!isBlank(fields)) yield toRow(line.no, fields, line.text);
        }
      }

      while (await lines.has(1)) {
        const first = lines.buf[0]!;
        if (first.oversize !== null) {
          lines.buf.shift();
          yield {
            kind: 'bad',
            row: first.no,
            reason: `row is ${first.oversize} bytes long; at most ${MAX_RECORD_CHARS} characters`,
            raw: first.text,
          };
          continue;
        }
        if (first.text.length > MAX_RECORD_CHARS) {
          lines.buf.shift();
          yield { kind: 'bad', row: first.no, reason: `row is ${first.text.length} characters long; at most ${MAX_RECORD_CHARS}`, raw: first.text };
          continue;
        }
        // An odd number of quotes means a quoted field goes on to the next line: find where it closes.
        let k = 1;
        let quotes = countQuotes(first.text);
        let chars = first.text.length;
        while (quotes % 2 === 1 && k < MAX_RECORD_LINES && chars <= MAX_RECORD_CHARS && (await lines.has(k + 1))) {
          const next = lines.buf[k]!;
          if (next.oversize !== null) break;
          quotes += countQuotes(next.text);
          chars += next.text.length + 1;
          k++;
        }
        if (quotes % 2 === 1 || chars > MAX_RECORD_CHARS) {
          // Never closed (within reason): the quote on this line is broken. Refuse this line, go on with the next.
          lines.buf.shift();
          yield* flushBatch();
          yield { kind: 'bad', row: first.no, reason: 'a quote opened on this row is never closed', raw: first.text };
          continue;
        }
        if (k === 1) {
          lines.buf.shift();
          if (first.invalid) {
            yield* flushBatch();
            yield { kind: 'bad', row: first.no, reason: `row is not valid UTF-8; if the whole file is windows-1252, set encoding`, raw: first.text };
          } else if (first.text.trim() !== '') {
            batch.push(first);
            if (batch.length >= 2_000) yield* flushBatch();
          }
          continue;
        }
        // A record over k lines: accepted only if it parses as one record that fits the header; otherwise the
        // quote on its first line was a broken one, and the lines after it are read again as rows of their own.
        yield* flushBatch();
        const group = lines.buf.slice(0, k);
        const text = group.map((l) => l.text).join('\n');
        let fields: string[] | null = null;
        try {
          const recs = parseCsv(text, options) as string[][];
          if (recs.length === 1) fields = recs[0]!;
        } catch {
          fields = null;
        }
        const row = fields ? toRow(first.no, fields, text) : null;
        if (!row || row.kind === 'bad') {
          lines.buf.shift();
          yield { kind: 'bad', row: first.no, reason: 'a quote opened on this row is never closed properly', raw: first.text };
          continue;
        }
        lines.buf.splice(0, k);
        if (group.some((l) => l.invalid))
          yield { kind: 'bad', row: first.no, reason: 'row is not valid UTF-8; if the whole file is windows-1252, set encoding', raw: text };
        else yield row;
      }
      yield* flushBatch();
    }

    return { total: Math.max(0, lineCount - head.no), rows: rows(), digest: () => hash.copy().digest('hex') };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Excel

/** Excel keeps dates as wall-clock time; exceljs hands them out as if UTC. Attach the configured offset. */
function wallClockIso(d: Date, utcOffset: string): string | undefined {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) return undefined;
  // Serial dates carry float noise (10:19:59.9996): round to the second.
  return `${new Date(Math.round(ms / 1000) * 1000).toISOString().slice(0, 19)}${utcOffset}`;
}

/** A cell as a plain string or number: rich text joined, formulas as their cached result, errors as their code. */
export function cellToValue(v: ExcelJS.CellValue | undefined, utcOffset: string): string | number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return wallClockIso(v, utcOffset);
  if (typeof v !== 'object') return undefined;
  if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((t) => (typeof t?.text === 'string' ? t.text : '')).join('');
  if ('error' in v) return String(v.error);
  if ('formula' in v || 'sharedFormula' in v) {
    const result = (v as { result?: unknown }).result;
    return result === undefined || (typeof result === 'object' && result !== null && !(result instanceof Date) && !('error' in result))
      ? undefined
      : cellToValue(result as ExcelJS.CellValue, utcOffset);
  }
  if ('text' in v) {
    const text = (v as { text: unknown }).text;
    return typeof text === 'string'
      ? text
      : typeof text === 'object' && text !== null && 'richText' in text
        ? cellToValue(text as ExcelJS.CellValue, utcOffset)
        : undefined;
  }
  return undefined;
}

async function openWorkbook(bytes: Buffer, config: CsvFolderConfig): Promise<OpenedFile> {
  const digest = createHash('sha256').update(bytes).digest('hex');
  // Loaded on first use: exceljs is large and many folders only ever see CSV.
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as Parameters<typeof wb.xlsx.load>[0]);
  } catch (e) {
    throw new FileRejected(`cannot read the workbook: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
  }
  const ws = config.sheet ? wb.getWorksheet(config.sheet) : wb.worksheets[0];
  if (!ws) {
    const names = wb.worksheets.map((w) => w.name).join(', ');
    throw new FileRejected(config.sheet ? `workbook has no sheet '${config.sheet}'; it has: ${names}` : 'workbook has no sheets');
  }
  const values = (r: ExcelJS.Row, width: number) => {
    // row.values is 1-based and sparse
    const raw = Array.isArray(r.values) ? (r.values as ExcelJS.CellValue[]) : [];
    const out: (string | number | undefined)[] = [];
    for (let c = 1; c <= width; c++) out.push(cellToValue(raw[c], config.utcOffset));
    return out;
  };
  const headRow = ws.findRow(config.headerRow);
  if (!headRow || headRow.cellCount === 0) throw new FileRejected(`sheet '${ws.name}' has no header row at row ${config.headerRow}`);
  const headers = headerNames(values(headRow, headRow.cellCount).map((v) => (v === undefined ? '' : String(v))));
  const last = ws.rowCount;

  async function* rows(): AsyncGenerator<Row> {
    for (let n = config.headerRow + 1; n <= last; n++) {
      const r = ws!.findRow(n);
      if (!r || !r.hasValues) continue;
      // Cells right of the header have no column name; in a grid (unlike CSV) they cannot shift the others.
      const cells = values(r, headers.length);
      if (cells.every((c) => c === undefined || c === '')) continue;
      const chars = cells.reduce<number>((s, c) => s + (typeof c === 'string' ? c.length : 0), 0);
      if (chars > MAX_RECORD_CHARS) {
        yield {
          kind: 'bad',
          row: n,
          reason: `row is ${chars} characters long; at most ${MAX_RECORD_CHARS}`,
          raw: cells.map((c) => String(c ?? '').slice(0, 200)),
        };
        continue;
      }
      const data: Record<string, string | number> = {};
      headers.forEach((h, i) => {
        const c = cells[i];
        if (c !== undefined) Object.defineProperty(data, h, { value: c, enumerable: true, writable: true, configurable: true });
      });
      yield { kind: 'row', row: n, data };
    }
  }

  return { total: Math.max(0, last - config.headerRow), rows: rows(), digest: () => digest };
}

/** The drop folder as a configurable source type (`type: csv-folder`). */
export const csvFolderDefinition: SourceDefinition<typeof csvFolderConfigSchema> = {
  type: 'csv-folder',
  needsMapping: true,
  configSchema: csvFolderConfigSchema,
  // Read leniently (unknown keys dropped): the worker may pass the common fields alongside the own ones.
  create: (config, env) => createCsvFolderSource({ ...z.object(configShape).parse(config), name: config.name }, env),
};
