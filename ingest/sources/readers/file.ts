/**
 * What the drop-folder readers share: the rows they hand out, the limits on one record, how a file refused as
 * a whole is signalled, and the one pass over a file's bytes that hashes it before it is parsed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** A record (line or multi-line quoted record) may be at most this long; beyond it the row is refused. */
export const MAX_RECORD_CHARS = 64 * 1024;
/** A quoted field may span at most this many lines before its opening quote is taken for a broken one. */
export const MAX_RECORD_LINES = 32;

/** A file refused as a whole: quarantined once with this reason and remembered. */
export class FileRejected extends Error {}

/** One data row of a file, or why it was refused (with its row number, so the rest of the file still arrives). */
export type Row = { kind: 'row'; row: number; data: Record<string, string | number> } | { kind: 'bad'; row: number; reason: string; raw: unknown };

/** A file opened by a reader. */
export interface OpenedFile {
  /** Estimated data rows, for progress. */
  total: number;
  rows: AsyncIterable<Row>;
  /** sha256 of the bytes actually read; complete once `rows` is exhausted. */
  digest(): string;
}

/** The part of the source's config every reader needs. */
export interface ReaderOptions {
  /** 1-based row of the header; rows above it (report titles) are skipped. */
  headerRow: number;
}

/** What one read of a file tells before it is parsed. */
export interface Scan {
  hash: string;
  /** Lines in the file: the rows to expect, for progress (quoted multi-line fields make it an estimate). */
  lines: number;
  /** Why the bytes are not CSV text at all, when they are not. */
  notText: string | null;
}

export async function scanFile(path: string): Promise<Scan> {
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

/** Column names: trimmed; empty ones named by position, repeated ones numbered, so no column is lost. */
export function headerNames(cells: readonly unknown[]): string[] {
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
