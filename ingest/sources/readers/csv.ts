/**
 * The CSV reader of the drop folder: physical lines read as bytes (so invalid UTF-8 or an over-long line
 * refuses only its row), quoted fields that span lines joined, the header found below report titles, the
 * delimiter detected when not configured.
 */
import { type Hash, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { parse as parseCsv } from 'csv-parse/sync';
import { FileRejected, MAX_RECORD_CHARS, MAX_RECORD_LINES, headerNames, type OpenedFile, type ReaderOptions, type Row } from './file';

export interface CsvOptions extends ReaderOptions {
  /** A fixed delimiter, or `auto` to take the most frequent of `;`, `,`, tab and `|` in the header. */
  delimiter: string;
}

export type CsvEncoding = 'utf-8' | 'windows-1252' | 'iso-8859-1';

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

export function detectDelimiter(header: string): string {
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

function csvReason(e: unknown): string {
  // csv-parse counts lines within the text it was given, which is not the file's; the origin has the row.
  return `CSV: ${((e as Error).message ?? String(e)).replace(/ at line \d+/g, '').slice(0, 200)}`;
}

export async function openCsv(path: string, config: CsvOptions, encoding: CsvEncoding, lineCount: number): Promise<OpenedFile> {
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
